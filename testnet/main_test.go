package testnet

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The network tests share one build of the binary; TestMain removes it.
var shared struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedBinary builds cmd/coldtrace once for the package's network tests.
func sharedBinary(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "coldtrace-e2e-bin-")
		if shared.err != nil {
			return
		}
		shared.bin = filepath.Join(shared.dir, "coldtrace")
		shared.out, shared.err = exec.Command("go", "build", "-o", shared.bin, "../cmd/coldtrace").CombinedOutput()
	})
	if shared.err != nil {
		t.Fatalf("go build: %v\n%s", shared.err, shared.out)
	}
	return shared.bin
}
