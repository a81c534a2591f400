package trace_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind (the
// parallel decoder, the servers the import tests start).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
