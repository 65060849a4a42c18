package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

func newJoinCmd(g *globals) *cobra.Command {
	var o node.JoinOptions
	cmd := &cobra.Command{
		Use:   "join --genesis FILE --peers ID@HOST:PORT,... [--rpc-servers RPC,RPC]",
		Short: "Create a home for a new node of an existing chain (joining by state sync)",
		Long: `join creates --home for a node of the chain whose genesis.json --genesis is: its own
node and consensus keys, the signing key "regulator" of the regulator that runs it (in
the home's keyring: backend file, encrypted, unless --keyring-backend test), the chain's
validators as --peers, and the addresses it listens on. With --rpc-servers (two of the
chain's nodes) it joins by state sync: it trusts the latest block of the first, restores
a recent snapshot and fetches only the blocks since. It prints the keys the chain's
regulators register: docs/operations/join-validator.md is the procedure.`,
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
				pass, err := g.keyringPassphrase().get("New passphrase for the keyring of "+g.home, true)
				if err != nil {
					return err
				}
				if len(pass) < client.MinPassphraseLen {
					return fmt.Errorf("the passphrase must have at least %d characters", client.MinPassphraseLen)
				}
				o.Passphrase = client.StaticPassphrase(pass)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := node.JoinHome(ctx, g.home, o)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd, r)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Created %s for chain %s\n  node id:        %s\n  validator key:  %s\n  regulator key:  %s\n", g.home, r.ChainID, r.NodeID, r.ValidatorKey, r.RegulatorKey)
			if r.StateSync {
				fmt.Fprintf(w, "  state sync:     trusting block %d %s\n", r.TrustHeight, r.TrustHash)
			}
			fmt.Fprintf(w, "Check and start it: coldtrace doctor --home %s && coldtrace start --home %s\n", g.home, g.home)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Genesis, "genesis", "", "the chain's genesis.json (required)")
	cmd.Flags().StringVar(&o.Peers, "peers", "", "the chain's validators as NODE_ID@HOST:PORT, comma-separated (required)")
	cmd.Flags().StringSliceVar(&o.RPCServers, "rpc-servers", nil, "RPC addresses of two of the chain's nodes: join by state sync")
	cmd.Flags().StringVar(&o.Moniker, "moniker", "", "node name")
	cmd.Flags().StringVar(&o.P2PListen, "p2p-laddr", "", "p2p listen address, reachable by the peers (default tcp://127.0.0.1:26656)")
	cmd.Flags().StringVar(&o.RPCListen, "rpc-laddr", "", "RPC listen address (default tcp://127.0.0.1:26657)")
	cmd.Flags().StringVar(&o.MetricsListen, "metrics-laddr", "", "Prometheus listen address (default 127.0.0.1:26660)")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "block-time", 500*time.Millisecond, "pause after each block (CometBFT timeout_commit), as the chain's other nodes")
	_ = cmd.MarkFlagRequired("genesis")
	_ = cmd.MarkFlagRequired("peers")
	return cmd
}

func newValidatorKeyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "validator-key", Short: "Show or rotate the node's consensus key"}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the home's consensus public key (hex), as 'tx validator set' takes it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := node.ValidatorKey(g.home)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k)
			return nil
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Give a stopped node a new consensus key; the old key file is renamed and must never sign again",
		Long: `rotate (the node stopped) renames config/priv_validator_key.json to
priv_validator_key.json.<key>.old and creates a new key; priv_validator_state.json stays.
The root regulator then adds the new key to the validator set and removes the old one:
docs/operations/rotate-validator-key.md. Never start a node with the old file again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			oldKey, newKey, oldFile, err := node.RotateValidatorKey(g.home)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "old key %s (file now %s)\nnew key %s\n", oldKey, oldFile, newKey)
			return nil
		},
	}
	cmd.AddCommand(show, rotate)
	return cmd
}
