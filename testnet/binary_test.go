package testnet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// buildBinary compiles cmd/coldtrace once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "coldtrace")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/coldtrace")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cli runs the binary and returns stdout, stderr and the exit error.
func cli(t *testing.T, bin, home string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, append(args, "--home", home)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		<-ctx.Done()
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func mustCLI(t *testing.T, bin, home string, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, bin, home, args...)
	if err != nil {
		t.Fatalf("coldtrace %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func startBinary(t *testing.T, bin, home string) *exec.Cmd {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "start", "--home", home)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		logf.Close()
	})
	return cmd
}

// appHashAt is the app hash after height h, read from the header of h+1.
func appHashAt(t *testing.T, c *client.Client, h int64) []byte {
	t.Helper()
	b, err := c.RPC().Block(context.Background(), &[]int64{h + 1}[0])
	if err != nil {
		t.Fatalf("block %d: %v", h+1, err)
	}
	return b.Block.Header.AppHash
}

// TestBinaryKillAndRestart is the README's promise: init, start, send txs
// with the CLI, SIGKILL the node while txs are in flight, start it again,
// and find the same history, app hashes and data.
func TestBinaryKillAndRestart(t *testing.T) {
	bin := buildBinary(t)
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, bin, home, "init", "--chain-id", "kill-test", "--block-time", "200ms", "--keyring-backend", "test",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	node := startBinary(t, bin, home)
	rpc := fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	c, err := client.Dial(rpc)
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)

	mustCLI(t, bin, home, "keys", "add", "hangzhou")
	out := mustCLI(t, bin, home, "tx", "registry", "register-regulator", "330100", "Hangzhou Market Supervision", "--key", "hangzhou", "--from", "regulator")
	if !strings.Contains(out, "committed at height") {
		t.Fatalf("tx output: %q", out)
	}
	out = mustCLI(t, bin, home, "query", "registry", "regulator", "330100", "-o", "json")
	if !strings.Contains(out, `"name":"Hangzhou Market Supervision"`) {
		t.Fatalf("query output: %q", out)
	}
	// A refusal exits non-zero and names its code.
	_, errOut, err := cli(t, bin, home, "tx", "registry", "register-regulator", "330100", "Again", "--key", "hangzhou", "--from", "regulator")
	if err == nil || !strings.Contains(errOut, "code 19") {
		t.Fatalf("duplicate registration: err %v, stderr %q", err, errOut)
	}

	// Txs in flight, then SIGKILL.
	root, err := client.NewKeyring(home).Get("regulator")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := c.Account(context.Background(), pub(root))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		raw, err := client.SignTx(root, "kill-test", acct.Sequence+uint64(i), "",
			regEnterpriseMsg(mkUSCC(fmt.Sprintf("91330100MA%07d", i)), "330100", pub(testKey(fmt.Sprint("k", i)))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RPC().BroadcastTxSync(context.Background(), raw); err != nil {
			t.Fatalf("broadcast %d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := c.RPC().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	node.Wait()
	killedAt := st.SyncInfo.LatestBlockHeight

	startBinary(t, bin, home)
	if c, err = client.Dial(rpc); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, killedAt+2, 30*time.Second)
	// The history before the kill is intact: same app hash at every height
	// the node had reported, checked against the headers after restart.
	before := st.SyncInfo.LatestAppHash
	if got := appHashAt(t, c, killedAt-1); !bytes.Equal(got, before) {
		t.Fatalf("app hash after height %d: %X after restart, %X before the kill", killedAt-1, got, before)
	}
	out = mustCLI(t, bin, home, "query", "registry", "regulator", "330100", "-o", "json")
	if !strings.Contains(out, `"name":"Hangzhou Market Supervision"`) {
		t.Fatalf("query after restart: %q", out)
	}
	out = mustCLI(t, bin, home, "status", "-o", "json")
	if !strings.Contains(out, `"catching_up":false`) {
		t.Fatalf("status after restart: %q", out)
	}
}
