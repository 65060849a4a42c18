package main

import (
	"crypto/ed25519"
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
It refuses to overwrite an existing home.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gen, err := node.InitHome(g.home, o)
			if err != nil {
				return err
			}
			key, err := client.NewKeyring(g.home).Get(node.RegulatorKeyName)
			if err != nil {
				return err
			}
			pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
			if g.output == "json" {
				return printJSON(cmd, map[string]string{"home": g.home, "chain_id": gen.ChainID, "regulator_key": pub})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Initialised %s\n  chain id:        %s\n  root regulator:  %s (key %q: %s)\nStart it with: coldtrace start --home %s\n",
				g.home, gen.ChainID, o.Division, node.RegulatorKeyName, pub, g.home)
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
