package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/coldtrace/coldtrace/client"
)

// Environment variables that carry passphrases for services and scripts.
const (
	passphraseEnv       = "COLDTRACE_PASSPHRASE"
	exportPassphraseEnv = "COLDTRACE_EXPORT_PASSPHRASE"
)

// keyringFlags are the global flags that open a home's keyring.
type keyringFlags struct {
	backend        string // empty: the backend the home recorded at init
	passphraseFile string
	kr             *client.Keyring // opened once per command: one prompt
}

func addKeyringFlags(root *cobra.Command, g *globals) {
	root.PersistentFlags().StringVar(&g.keys.backend, "keyring-backend", "",
		`keyring backend: "file" (keys encrypted with a passphrase) or "test" (unencrypted; tests and local demos only). Default: the backend the home recorded at init, else "file"`)
	root.PersistentFlags().StringVar(&g.keys.passphraseFile, "passphrase-file", "",
		"file holding the keyring's passphrase (first line); else $"+passphraseEnv+", else a terminal prompt")
}

// passphraseSource finds a passphrase: a file, else an environment
// variable, else a terminal prompt without echo. Without any of them it
// fails at once, so scripts and CI never wait on a prompt nobody sees.
type passphraseSource struct {
	file, fileFlag string // the file and the flag that names it
	env            string
	what           string // what the passphrase opens, for messages
	in             *os.File
	out            io.Writer
}

func (g *globals) keyringPassphrase() passphraseSource {
	return passphraseSource{file: g.keys.passphraseFile, fileFlag: "--passphrase-file", env: passphraseEnv,
		what: "the keyring", in: os.Stdin, out: os.Stderr}
}

// maxPassphraseFile bounds a passphrase file: a passphrase is a line.
const maxPassphraseFile = 4 << 10

func (s passphraseSource) get(prompt string, confirm bool) ([]byte, error) {
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.fileFlag, err)
		}
		if len(b) > maxPassphraseFile {
			return nil, fmt.Errorf("%s %s: a passphrase file holds one line, not %d bytes", s.fileFlag, s.file, len(b))
		}
		if fi, err := os.Stat(s.file); err == nil && fi.Mode().Perm()&0o077 != 0 && s.out != nil {
			fmt.Fprintf(s.out, "warning: %s %s can be read by other users (mode %04o); chmod 600 it\n", s.fileFlag, s.file, fi.Mode().Perm())
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return nil, fmt.Errorf("%s %s: the first line is empty", s.fileFlag, s.file)
		}
		return line, nil
	}
	if v, ok := os.LookupEnv(s.env); ok {
		if v == "" {
			return nil, fmt.Errorf("$%s is set but empty", s.env)
		}
		return []byte(v), nil
	}
	if s.in == nil || !term.IsTerminal(int(s.in.Fd())) {
		return nil, fmt.Errorf("%s needs a passphrase and there is no terminal to ask on: pass %s PATH or set $%s (a home for tests can use --keyring-backend test)",
			s.what, s.fileFlag, s.env)
	}
	p, err := s.prompt(prompt + ": ")
	if err != nil {
		return nil, err
	}
	if confirm {
		again, err := s.prompt("Repeat it: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

func (s passphraseSource) prompt(text string) ([]byte, error) {
	fmt.Fprint(s.out, text)
	p, err := term.ReadPassword(int(s.in.Fd()))
	fmt.Fprintln(s.out)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("empty passphrase")
	}
	return p, nil
}

// keyring opens the home's keyring once per command, with the backend of
// --keyring-backend or the home's record.
func (g *globals) keyring() (*client.Keyring, error) {
	if g.keys.kr != nil {
		return g.keys.kr, nil
	}
	kr, err := client.OpenKeyring(g.home, client.KeyringOptions{
		Backend: g.keys.backend, Passphrase: g.keyringPassphrase().get, Warn: os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	g.keys.kr = kr
	return kr, nil
}

// signingKey is the ed25519 key named name, decrypted if need be, for
// commands that sign with ed25519 only (console sign-in, delegations,
// bench); an SM2 key is refused with a message that says so.
func (g *globals) signingKey(name string) (ed25519.PrivateKey, error) {
	kr, err := g.keyring()
	if err != nil {
		return nil, err
	}
	k, err := kr.Get(name)
	if errors.Is(err, client.ErrNotEd25519) {
		return nil, fmt.Errorf("key %q is an SM2 key and this command signs with ed25519 keys only (SM2 keys sign txs: tx ... --from %s)", name, name)
	}
	return k, err
}

// accountKey is the account key named name, of either algorithm (ed25519
// or SM2), decrypted if need be: what tx commands sign with.
func (g *globals) accountKey(name string) (client.Key, error) {
	kr, err := g.keyring()
	if err != nil {
		return nil, err
	}
	return kr.GetKey(name)
}
