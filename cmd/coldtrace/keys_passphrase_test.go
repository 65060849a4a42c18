package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPassphraseSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Standard input that is not a terminal, as in CI: a regular file.
	notTTY, err := os.Open(write("stdin", "typed passphrase\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer notTTY.Close()
	const env = "COLDTRACE_TEST_PASSPHRASE"
	for _, c := range []struct {
		name, file, env string
		envSet          bool
		want, err       string
	}{
		{name: "file, newline trimmed", file: write("a", "from the file\n"), want: "from the file"},
		{name: "file, CRLF trimmed", file: write("b", "from the file\r\nsecond line\n"), want: "from the file"},
		{name: "file keeps inner spaces", file: write("c", "  spaced  out  \n"), want: "  spaced  out  "},
		{name: "file beats the variable", file: write("d", "file wins\n"), env: "env loses", envSet: true, want: "file wins"},
		{name: "variable", env: "from the env", envSet: true, want: "from the env"},
		{name: "empty file", file: write("e", "\n"), err: "first line is empty"},
		{name: "missing file", file: filepath.Join(dir, "nope"), err: "--passphrase-file"},
		{name: "huge file", file: write("f", strings.Repeat("x", maxPassphraseFile+1)), err: "one line"},
		{name: "empty variable", env: "", envSet: true, err: "set but empty"},
		{name: "nothing and no terminal", err: "no terminal to ask on: pass --passphrase-file PATH or set $" + env},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.envSet {
				t.Setenv(env, c.env)
			} else {
				t.Setenv(env, "x")
				os.Unsetenv(env)
			}
			var out bytes.Buffer
			src := passphraseSource{file: c.file, fileFlag: "--passphrase-file", env: env, what: "the keyring", in: notTTY, out: &out}
			start := time.Now()
			got, err := src.get("Passphrase", true)
			if time.Since(start) > 2*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %q %v, want an error naming %q", got, err, c.err)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q %v, want %q", got, err, c.want)
			}
			if out.Len() != 0 {
				t.Fatalf("prompted: %q", out.String())
			}
		})
	}
}

// TestPassphraseFileReadableByOthers: the passphrase is used, with a warning
// that names the file and the fix.
func TestPassphraseFileReadableByOthers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(p, []byte("open sesame\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	src := passphraseSource{file: p, fileFlag: "--passphrase-file", env: "COLDTRACE_TEST_UNSET", what: "the keyring", out: &out}
	got, err := src.get("Passphrase", false)
	if err != nil || string(got) != "open sesame" {
		t.Fatalf("got %q %v", got, err)
	}
	if !strings.Contains(out.String(), "chmod 600") || !strings.Contains(out.String(), p) {
		t.Fatalf("no warning: %q", out.String())
	}
}
