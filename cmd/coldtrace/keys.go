package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
)

func newKeysCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the signing keys (ed25519 or SM2) in the home's keyring (<home>/keyring)",
		Long: `keys manages the home's keyring: one file per key in <home>/keyring (mode 0600,
folder 0700).

Keys are ed25519 (the default) or SM2 (GB/T 32918: 'keys add NAME --algo sm2'),
which chains on rules v3 accept as account keys: an SM2 public key is 130 hex
characters (04 || X || Y), an ed25519 one 64. Every tx command signs with the
key's own algorithm. Validator (consensus) keys are CometBFT's ed25519 keys, not
keyring keys; console sign-in and delegations take ed25519 keys only.

Backends (--keyring-backend, else the one 'coldtrace init' recorded in
<home>/config/client.toml, else "file"):
  file  every private key is encrypted with the keyring's passphrase: argon2id
        (64 MiB, 3 passes, 4 lanes; recorded in each file) derives the key of
        XChaCha20-Poly1305. One passphrase per keyring.
  test  private keys are stored unencrypted; for tests, local testnets and the
        demo home of 'make run'. Commands that use such a key say so on stderr.

The passphrase comes from --passphrase-file PATH (its first line), else
$COLDTRACE_PASSPHRASE, else a prompt on the terminal (asked twice when it is
new). Without any of these, as in scripts and CI, a command that needs it fails
at once. list and show need no passphrase.

Keyrings from before encryption hold plain key files: they keep working (with a
warning) until 'coldtrace keys migrate' encrypts them.`,
	}
	show := func(cmd *cobra.Command, k client.KeyInfo) error {
		if g.output == "json" {
			return printJSON(cmd, k)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", k.Name, k.PublicKey, k.Algorithm)
		return nil
	}
	var exportPassFile, out string
	exportPass := func() client.PassphraseFunc {
		return passphraseSource{file: exportPassFile, fileFlag: "--export-passphrase-file", env: exportPassphraseEnv,
			what: "the exported key", in: os.Stdin, out: os.Stderr}.get
	}
	export := &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key encrypted under its own passphrase, to move it to another home",
		Long: `export writes the key NAME as an encrypted JSON blob (the format of encrypted key
files, under a passphrase of its own) to stdout or --out. The keyring's passphrase
opens the key; the export passphrase comes from --export-passphrase-file, else
$COLDTRACE_EXPORT_PASSPHRASE, else a terminal prompt (asked twice). 'keys import'
reads the blob.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			blob, err := kr.Export(args[0], exportPass())
			if err != nil {
				return err
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(blob)
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			if _, err := f.Write(blob); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		},
	}
	export.Flags().StringVar(&out, "out", "", "write the blob to this new file (mode 0600) instead of stdout")
	imp := &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Add a key from a blob written by 'keys export' (FILE - reads stdin)",
		Long: `import decrypts a blob written by 'keys export' with its export passphrase
(--export-passphrase-file, else $COLDTRACE_EXPORT_PASSPHRASE, else a terminal prompt)
and stores the key as NAME, encrypted with this keyring's passphrase under backend
"file". It refuses to overwrite a key.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var blob []byte
			var err error
			if args[1] == "-" {
				blob, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
			} else {
				blob, err = os.ReadFile(args[1])
			}
			if err != nil {
				return err
			}
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			if err := kr.ImportExported(args[0], blob, exportPass()); err != nil {
				return err
			}
			k, err := kr.Show(args[0])
			if err != nil {
				return err
			}
			return show(cmd, k)
		},
	}
	for _, c := range []*cobra.Command{export, imp} {
		c.Flags().StringVar(&exportPassFile, "export-passphrase-file", "", "file holding the export blob's passphrase (first line); else $"+exportPassphraseEnv+", else a prompt")
	}
	var algo string
	add := &cobra.Command{
		Use:   "add NAME [--algo ed25519|sm2]",
		Short: "Create a new key (ed25519, or SM2 with --algo sm2); a regulator registers its public key before it can sign",
		Long: `add creates a new random key NAME and prints its name, public key (hex) and
algorithm. --algo sm2 makes an SM2 key (GB/T 32918; chains on rules v3 accept it as
an account key; its public key is 130 hex characters); the default is ed25519.`,
		Example: `  coldtrace keys add scanner1
  coldtrace keys add importer --algo sm2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := client.ParseKeyAlgorithm(algo)
			if err != nil {
				return fmt.Errorf("--algo: %w", err)
			}
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			if _, err := kr.AddKey(args[0], a); err != nil {
				return err
			}
			k, err := kr.Show(args[0])
			if err != nil {
				return err
			}
			return show(cmd, k)
		},
	}
	add.Flags().StringVar(&algo, "algo", client.AlgorithmEd25519, "key algorithm: ed25519 or sm2")
	cmd.AddCommand(add, &cobra.Command{
		Use:   "list",
		Short: "List the keys: name, public key (hex) and algorithm, tab-separated; no passphrase needed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			ks, err := kr.List()
			if err != nil {
				return err
			}
			if g.output == "json" {
				if ks == nil {
					ks = []client.KeyInfo{}
				}
				return printJSON(cmd, ks)
			}
			for _, k := range ks {
				if err := show(cmd, k); err != nil {
					return err
				}
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Print a key's public key (hex); -o json adds its algorithm; no passphrase needed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			k, err := kr.Show(args[0])
			if err != nil {
				return err
			}
			if g.output == "text" {
				fmt.Fprintln(cmd.OutOrStdout(), k.PublicKey)
				return nil
			}
			return show(cmd, k)
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key file (revoke it on chain first with `tx registry revoke-key`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			if err := kr.Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", args[0])
			return nil
		},
	}, &cobra.Command{
		Use:   "migrate",
		Short: "Encrypt every unencrypted key of the keyring in place, and record backend \"file\"",
		Long: `migrate encrypts each plain key file of the home's keyring (written before keys were
encrypted, or under backend "test") with the keyring's passphrase (a new one, asked
twice, when no key is encrypted yet), each by an atomic replace, and records backend
"file" in <home>/config/client.toml. Keys already encrypted are left as they are, so
running it again changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.keys.backend == client.BackendTest {
				return fmt.Errorf("migrate encrypts keys for backend %q; drop --keyring-backend test", client.BackendFile)
			}
			kr, err := client.OpenKeyring(g.home, client.KeyringOptions{
				Backend: client.BackendFile, Passphrase: g.keyringPassphrase().get, Warn: os.Stderr,
			})
			if err != nil {
				return err
			}
			res, err := kr.Migrate()
			if err != nil {
				return err
			}
			if err := client.SetHomeKeyringBackend(g.home, client.BackendFile); err != nil {
				return err
			}
			if g.output == "json" {
				if res.Encrypted == nil {
					res.Encrypted = []string{}
				}
				if res.Already == nil {
					res.Already = []string{}
				}
				return printJSON(cmd, res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "encrypted %d keys, %d were encrypted already; %s records backend %q\n",
				len(res.Encrypted), len(res.Already), g.home, client.BackendFile)
			return nil
		},
	}, export, imp)
	return cmd
}

// resolvePublicKey accepts a keyring name or a hex public key, of either
// algorithm (32 bytes of ed25519, 65 of SM2); a name needs no passphrase.
func (g *globals) resolvePublicKey(s string) ([]byte, error) {
	if k, err := client.ParsePublicKey(s); err == nil {
		return k, nil
	}
	kr, err := g.keyring()
	if err != nil {
		return nil, err
	}
	pub, err := kr.PublicKey(s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a public key in hex (64 characters for ed25519, 130 for SM2) nor a key in the keyring: %w", s, err)
	}
	return pub, nil
}
