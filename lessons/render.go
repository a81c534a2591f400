package lessons

// Plain is narration Markdown as plain text for headless output.
func Plain(md string) string { return md }
