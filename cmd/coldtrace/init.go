package main

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

func newInitCmd(g *globals) *cobra.Command {
	var o node.InitOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a single-validator home: config, genesis, validator key, the root regulator's and customs' keys",
		Long: `init creates a home that 'coldtrace start' can run at once: CometBFT's config bound to
loopback, a validator key, a genesis whose root regulator is --division, and that
regulator's signing key, named "regulator", and the customs authority's, named
"customs", in the home's keyring (mode 0600).
It refuses to overwrite an existing home.

The keyring's backend is recorded in <home>/config/client.toml, so later commands
need no flag: "file" (the default) encrypts the keys with a passphrase, taken from
--passphrase-file, else $COLDTRACE_PASSPHRASE, else asked twice on the terminal;
--keyring-backend test keeps them unencrypted, for tests and local demos only
('make run' uses it for its demo home).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Backend = g.keys.backend
			if o.Backend == "" {
				o.Backend = client.BackendFile
			}
			if err := client.CheckBackend(o.Backend); err != nil {
				return err
			}
			if o.Backend == client.BackendFile {
				// Asked before anything is written: a missing passphrase
				// leaves no half-made home behind.
				pass, err := g.keyringPassphrase().get("New passphrase for the keyring of "+g.home, true)
				if err != nil {
					return err
				}
				if len(pass) < client.MinPassphraseLen {
					return fmt.Errorf("the passphrase must have at least %d characters", client.MinPassphraseLen)
				}
				o.Passphrase = client.StaticPassphrase(pass)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: keyring backend %q: the keys of %s are stored unencrypted; use it for tests and local demos only\n", o.Backend, g.home)
			}
			gen, err := node.InitHome(g.home, o)
			if err != nil {
				return err
			}
			kr, err := client.OpenKeyring(g.home, client.KeyringOptions{})
			if err != nil {
				return err
			}
			regPub, err := kr.PublicKey(node.RegulatorKeyName)
			if err != nil {
				return err
			}
			pub := hex.EncodeToString(regPub)
			if g.output == "json" {
				return printJSON(cmd, map[string]string{"home": g.home, "chain_id": gen.ChainID, "regulator_key": pub, "keyring_backend": o.Backend})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Initialised %s\n  chain id:        %s\n  root regulator:  %s (key %q: %s)\n  keyring:         backend %q\nStart it with: coldtrace start --home %s\n",
				g.home, gen.ChainID, o.Division, node.RegulatorKeyName, pub, o.Backend, g.home)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.ChainID, "chain-id", "coldtrace-local", "chain id")
	cmd.Flags().StringVar(&o.Division, "division", "330000", "GB/T 2260 division of the root regulator")
	cmd.Flags().StringVar(&o.RegulatorName, "regulator-name", "", `name of the root regulator (default "Regulator <division>")`)
	cmd.Flags().StringVar(&o.Moniker, "moniker", "", `node name (default "coldtrace-<division>")`)
	cmd.Flags().IntVar(&o.Ports.RPC, "rpc-port", node.DefaultPorts.RPC, "loopback port of the RPC server")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "block-time", 500*time.Millisecond, "pause after each block before the next (CometBFT timeout_commit)")
	cmd.Flags().IntVar(&o.Ports.P2P, "p2p-port", node.DefaultPorts.P2P, "loopback port of the p2p listener")
	return cmd
}
