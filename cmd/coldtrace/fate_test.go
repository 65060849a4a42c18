package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestTxFateUnknownExitCode: a tx sent while the chain makes no blocks
// exits 3 naming its hash and the command that looks it up, not "refused";
// that command then finds it committed once blocks resume. A refusal still
// exits 1 with its code.
func TestTxFateUnknownExitCode(t *testing.T) {
	n := testnode.StartWith(t, testnode.Options{ChainID: "fate-cli-test", TimeoutCommit: 3 * time.Second})
	home, c := n.Home, n.Client

	run := func(args ...string) (string, error) {
		cmd := newRootCmd()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs(append(args, "--home", home))
		err := cmd.Execute()
		return out.String(), err
	}
	exitCode := func(err error) int {
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		if err != nil {
			return 1
		}
		return 0
	}

	newKeyHex := fmt.Sprintf("%x", bytes.Repeat([]byte{0x5a}, 32))

	// Just after a block the next one is 3 s away: a 300 ms wait ends first.
	st, err := c.RPC().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitCommitted(t, c, st.SyncInfo.LatestBlockHeight, 30*time.Second)
	_, err = run("tx", "registry", "register-regulator", "330100", "Hangzhou", "--key", newKeyHex, "--from", "regulator", "--wait", "300ms")
	if exitCode(err) != exitFateUnknown {
		t.Fatalf("exit %d (%v), want %d", exitCode(err), err, exitFateUnknown)
	}
	m := regexp.MustCompile(`Look it up with: coldtrace query tx ([0-9A-F]{64}) --home `).FindStringSubmatch(err.Error())
	if m == nil || regexp.MustCompile(`refused`).MatchString(regexp.MustCompile(`not refused`).ReplaceAllString(err.Error(), "")) {
		t.Fatalf("message: %v", err)
	}
	hash := m[1]

	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := run("query", "tx", hash)
		if err == nil {
			if !regexp.MustCompile(`tx ` + hash + ` committed at height \d+: OK`).MatchString(out) {
				t.Fatalf("query tx: %q", out)
			}
			break
		}
		if exitCode(err) != exitFateUnknown || time.Now().After(deadline) {
			t.Fatalf("query tx: exit %d: %v", exitCode(err), err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Zhejiang cannot register Beijing's regulator: refused, code 18, exit 1.
	_, err = run("tx", "registry", "register-regulator", "110000", "Beijing", "--key", newKeyHex, "--from", "regulator", "--wait", "10s")
	if exitCode(err) != exitRefused || !regexp.MustCompile(`refused by the mempool \(CheckTx\) with code 18`).MatchString(fmt.Sprint(err)) {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
}
