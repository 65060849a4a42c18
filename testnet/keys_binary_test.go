package testnet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// keysCLI runs the binary with no standard input (not a terminal, as in
// CI), an environment without passphrase variables but those in env, and
// returns stdout, stderr, the exit error and how long it took.
func keysCLI(t *testing.T, bin, home string, env []string, args ...string) (string, string, error, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "--home", home)...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "COLDTRACE_PASSPHRASE=") && !strings.HasPrefix(e, "COLDTRACE_EXPORT_PASSPHRASE=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	return out.String(), errb.String(), err, time.Since(start)
}

// TestBinaryEncryptedKeys is the keys-at-rest promise through the real
// binary: init encrypts, a script without a terminal gets a clear error at
// once, --passphrase-file and $COLDTRACE_PASSPHRASE sign, export/import
// move a key, and migrate encrypts a plain keyring once.
func TestBinaryEncryptedKeys(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 2)
	initArgs := []string{"init", "--chain-id", "keys-test", "--block-time", "200ms",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1])}
	run := func(env []string, args ...string) (string, string, error, time.Duration) {
		return keysCLI(t, bin, home, env, args...)
	}
	must := func(env []string, args ...string) string {
		t.Helper()
		out, errOut, err, _ := run(env, args...)
		if err != nil {
			t.Fatalf("coldtrace %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	// failsFast: no terminal, no file, no variable: a clear error at once,
	// never a prompt nobody answers.
	failsFast := func(args ...string) {
		t.Helper()
		_, errOut, err, took := run(nil, args...)
		if err == nil || !strings.Contains(errOut, "--passphrase-file") || !strings.Contains(errOut, "COLDTRACE_PASSPHRASE") || !strings.Contains(errOut, "no terminal") {
			t.Fatalf("coldtrace %s without a passphrase: err %v, stderr %q", strings.Join(args, " "), err, errOut)
		}
		if took > 10*time.Second {
			t.Fatalf("coldtrace %s took %s to fail", strings.Join(args, " "), took)
		}
	}

	failsFast(initArgs...)
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Fatalf("init without a passphrase left %s behind (%v)", home, err)
	}
	must(nil, append(initArgs, "--passphrase-file", passFile)...)
	if b, err := os.ReadFile(filepath.Join(home, "config", "client.toml")); err != nil || !strings.Contains(string(b), `keyring-backend = "file"`) {
		t.Fatalf("client.toml: %q %v", b, err)
	}
	for _, n := range []string{"regulator", "customs"} {
		b, err := os.ReadFile(filepath.Join(home, "keyring", n+".json"))
		if err != nil || bytes.Contains(b, []byte("private_key_seed")) || !bytes.Contains(b, []byte(`"ciphertext"`)) {
			t.Fatalf("%s key file is not encrypted: %s (%v)", n, b, err)
		}
	}
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)

	failsFast("keys", "add", "hangzhou")
	env := []string{"COLDTRACE_PASSPHRASE=correct horse battery"}
	added := must(env, "keys", "add", "hangzhou", "-o", "json")
	if !strings.Contains(added, `"encrypted":true`) {
		t.Fatalf("keys add: %q", added)
	}
	// show and list need no passphrase.
	shown := strings.TrimSpace(must(nil, "keys", "show", "hangzhou"))
	if _, err := client.ParsePublicKey(shown); err != nil || !strings.Contains(added, shown) {
		t.Fatalf("keys show: %q (%v), add printed %q", shown, err, added)
	}
	if out := must(nil, "keys", "list"); strings.Count(out, "\n") != 3 {
		t.Fatalf("keys list: %q", out)
	}

	// Signing: refused fast without a passphrase, refused clearly with a
	// wrong one, committed with the file.
	txArgs := []string{"tx", "registry", "register-regulator", "330100", "Hangzhou Market Supervision", "--key", "hangzhou", "--from", "regulator"}
	failsFast(txArgs...)
	_, errOut, err, _ := run([]string{"COLDTRACE_PASSPHRASE=not the passphrase"}, txArgs...)
	if err == nil || !strings.Contains(errOut, "wrong passphrase") || strings.Contains(errOut, "panic") {
		t.Fatalf("wrong passphrase: err %v, stderr %q", err, errOut)
	}
	out, errOut, err, _ := run(nil, append(txArgs, "--passphrase-file", passFile)...)
	if err != nil || !strings.Contains(out, "committed at height") {
		t.Fatalf("signed with --passphrase-file: %v\n%s%s", err, out, errOut)
	}
	if strings.Contains(errOut, "warning") {
		t.Fatalf("an encrypted keyring warned: %q", errOut)
	}
	out = must(nil, "query", "registry", "regulator", "330100", "-o", "json")
	if !strings.Contains(out, `"name":"Hangzhou Market Supervision"`) {
		t.Fatalf("query: %q", out)
	}

	// export / import: an encrypted blob under its own passphrase.
	exportPass := filepath.Join(dir, "export-pass")
	if err := os.WriteFile(exportPass, []byte("another long passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "hangzhou.key")
	must(env, "keys", "export", "hangzhou", "--out", blob, "--export-passphrase-file", exportPass)
	b, err := os.ReadFile(blob)
	if err != nil || !bytes.Contains(b, []byte(`"format": "coldtrace-key"`)) || bytes.Contains(b, []byte("private_key_seed")) {
		t.Fatalf("export blob: %s (%v)", b, err)
	}
	if st, _ := os.Stat(blob); st.Mode().Perm() != 0o600 {
		t.Fatalf("export blob mode %v", st.Mode().Perm())
	}
	_, errOut, err, _ = run(env, "keys", "import", "hz2", blob, "--export-passphrase-file", passFile)
	if err == nil || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("import with a wrong export passphrase: err %v, stderr %q", err, errOut)
	}
	must(env, "keys", "import", "hz2", blob, "--export-passphrase-file", exportPass)
	if got := strings.TrimSpace(must(nil, "keys", "show", "hz2")); got != shown {
		t.Fatalf("imported key %s, exported %s", got, shown)
	}

	// migrate: a plain keyring (backend test, as from before) is encrypted
	// once; the home then records backend file.
	plain := filepath.Join(dir, "plain")
	if out, errOut, err, _ := keysCLI(t, bin, plain, nil, "init", "--keyring-backend", "test",
		"--rpc-port", "1", "--p2p-port", "2"); err != nil || !strings.Contains(errOut, `backend "test"`) {
		t.Fatalf("init --keyring-backend test: %v\n%s%s", err, out, errOut)
	}
	before, _, err, _ := keysCLI(t, bin, plain, nil, "keys", "list")
	if err != nil || strings.Count(before, "\n") != 2 {
		t.Fatalf("keys list of the plain home: %q %v", before, err)
	}
	if _, errOut, err, _ := keysCLI(t, bin, plain, nil, "keys", "migrate"); err == nil || !strings.Contains(errOut, "COLDTRACE_PASSPHRASE") {
		t.Fatalf("migrate without a passphrase: %v %q", err, errOut)
	}
	out, errOut, err, _ = keysCLI(t, bin, plain, nil, "keys", "migrate", "--passphrase-file", passFile)
	if err != nil || !strings.Contains(out, "encrypted 2 keys, 0 were encrypted already") {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	out, _, err, _ = keysCLI(t, bin, plain, nil, "keys", "migrate")
	if err != nil || !strings.Contains(out, "encrypted 0 keys, 2 were encrypted already") {
		t.Fatalf("second migrate: %v %q", err, out)
	}
	if after, _, _, _ := keysCLI(t, bin, plain, nil, "keys", "list"); after != before {
		t.Fatalf("keys changed by migrate: %q then %q", before, after)
	}
	if b, _ := os.ReadFile(filepath.Join(plain, "config", "client.toml")); !strings.Contains(string(b), `keyring-backend = "file"`) {
		t.Fatalf("client.toml after migrate: %s", b)
	}
}
