package testnet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// TestReadmeCapture: the README's capture section works when pasted, in
// one shell, against the real binary on a home made as `make run` makes it
// with the demo recorded: the job is committed and the query gives the
// event back.
func TestReadmeCapture(t *testing.T) {
	steps := readmeSteps(t, "## Enterprise systems: EPCIS 2.0 capture", "## The scan station")
	if len(steps) < 5 {
		t.Fatalf("only %d commands in the README's capture section", len(steps))
	}
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	section := text[strings.Index(text, "## Enterprise systems: EPCIS 2.0 capture"):strings.Index(text, "## The scan station")]
	// The blocks, as pasted: indented lines, the heredoc included.
	var script strings.Builder
	for _, l := range strings.Split(section, "\n") {
		if strings.HasPrefix(l, "    ") {
			script.WriteString(strings.TrimPrefix(l, "    ") + "\n")
		}
	}
	bin := sharedBinary(t)
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(work, "build", "coldtrace")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 3)
	mustCLI(t, bin, home, "init", "--keyring-backend", "test", "--block-time", "200ms",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)
	mustCLI(t, bin, home, "demo")
	// A regulator's key signs no enterprise's events.
	if out, errOut, err := cli(t, bin, home, "capture", "--from", "regulator"); err == nil || !strings.Contains(out+errOut, "capture signs for an enterprise") {
		t.Fatalf("capture --from regulator: %v\n%s%s", err, out, errOut)
	}

	// The README's port, moved to a free one so that tests may run side by side.
	port := fmt.Sprint(ports[2])
	run := strings.ReplaceAll(script.String(), "capture --from demo-importer &", "capture --from demo-importer --listen 127.0.0.1:"+port+" &")
	run = strings.ReplaceAll(run, "127.0.0.1:8090", "127.0.0.1:"+port)
	cmd := exec.Command("bash", "-c", "set -eu\ntrap 'kill %1 2>/dev/null || true' EXIT\n"+run)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "COLDTRACE_HOME="+home, "HOME="+t.TempDir())
	done := make(chan struct{})
	var out []byte
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the README's capture section did not finish:\n%s", out)
	}
	if err != nil {
		t.Fatalf("the README's capture section failed: %v\n%s", err, out)
	}
	for _, want := range []string{`"status": "committed"`, `"success": true`, `"type": "EPCISQueryDocument"`, `"bizStep": "commissioning"`, `"cbvmda:lotNumber": "EPCIS-1"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output has no %s:\n%s", want, out)
		}
	}
}
