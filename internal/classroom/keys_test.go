package classroom

import tea "charm.land/bubbletea/v2"

func keyPress(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: rune(s[0]), Text: s} }
