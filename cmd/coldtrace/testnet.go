package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

func newTestnetCmd(g *globals) *cobra.Command {
	var o node.TestnetOptions
	cmd := &cobra.Command{
		Use:   "testnet --validators N --output DIR",
		Short: "Create N validator homes for one machine (loopback), with one genesis",
		Long: `testnet creates DIR/node0 .. DIR/node{N-1}: one home per validator, each with its own
loopback ports (node i: p2p P+10i, RPC P+10i+1, Prometheus P+10i+2, P = --starting-port),
the other nodes as persistent peers and one shared genesis in which every node has the
same voting power. node0's keyring holds the province's root regulator ("regulator")
and customs ("customs"); node1.. each hold the key "regulator" of a city regulator.
DIR/register.sh registers the city regulators and makes each the operator of its
node's validator, once the network runs. DIR/testnet.json describes the network.
The homes' keyrings use backend "test" (unencrypted keys, so scripts run unattended)
unless --keyring-backend file is given.

Start every node with 'coldtrace start --home DIR/nodeI' (make testnet-start does it
all); testnet/README.md walks through it.`,
		Example: `  coldtrace testnet --validators 4 --output ./testnet-out
  coldtrace testnet add-node --output ./testnet-out --state-sync`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Backend = g.keys.backend
			if o.Backend == "" {
				// A testnet on one machine is for tests and trials.
				o.Backend = client.BackendTest
			}
			if o.Backend == client.BackendFile {
				o.Passphrase = g.keyringPassphrase().get
			}
			tn, err := node.InitTestnet(o)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created %d validator homes in %s (chain %s):\n", len(tn.Nodes), o.Output, tn.ChainID)
			for _, n := range tn.Nodes {
				fmt.Fprintf(out, "  %-6s %s %-32s p2p %s  rpc %s  metrics %s\n", n.Name, n.Division, n.RegulatorName, n.P2P, n.RPC, n.Metrics)
			}
			fmt.Fprintf(out, "Start each with: coldtrace start --home %s\n", filepath.Join(o.Output, "nodeI"))
			fmt.Fprintf(out, "then register the city regulators: COLDTRACE=$(command -v coldtrace) %s\n", filepath.Join(o.Output, "register.sh"))
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Validators, "validators", 4, "number of validators (one home each)")
	cmd.Flags().StringVar(&o.Output, "output", "./testnet-out", "folder for the homes (must not hold a testnet)")
	cmd.Flags().IntVar(&o.StartingPort, "starting-port", node.DefaultTestnetPort, "first loopback port; node i uses the ten ports from P+10i")
	cmd.Flags().StringVar(&o.ChainID, "chain-id", "coldtrace-testnet", "chain id")
	cmd.Flags().StringVar(&o.Division, "division", "330000", "the province of the root regulator")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "block-time", time.Second, "pause after each block (CometBFT timeout_commit)")
	cmd.Flags().Int64Var(&o.SnapshotInterval, "snapshot-interval", 20, "take a state-sync snapshot every this many heights (negative: none)")
	cmd.AddCommand(newTestnetAddNodeCmd(g))
	return cmd
}

func newTestnetAddNodeCmd(g *globals) *cobra.Command {
	var dir string
	var o node.AddNodeOptions
	cmd := &cobra.Command{
		Use:   "add-node --output DIR [--state-sync]",
		Short: "Add a full node to a testnet folder, optionally joining by state sync",
		Long: `add-node creates the next home of a testnet folder (DIR/node{N}): a full node with the
testnet's genesis, the validators as persistent peers, its own loopback ports and a
key "regulator" for the city regulator that will run it.

With --state-sync the node restores the latest snapshot of its peers instead of
replaying every block: add-node asks node0 (the network must run) for its latest
height and block hash, the light client's root of trust, and writes them in the new
home's [statesync] section. Start the node with 'coldtrace start --home DIR/node{N}'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Backend = g.keys.backend
			o.Passphrase = g.keyringPassphrase().get
			n, err := node.AddNode(cmd.Context(), dir, o)
			if err != nil {
				return err
			}
			home := filepath.Join(dir, n.Name)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created %s: p2p %s  rpc %s  metrics %s (state sync: %v)\n", home, n.P2P, n.RPC, n.Metrics, o.StateSync)
			fmt.Fprintf(out, "Start it:   coldtrace start --home %s\n", home)
			fmt.Fprintf(out, "Then the root regulator registers its regulator and makes it a validator:\n")
			fmt.Fprintf(out, "  coldtrace tx registry register-regulator %s %q --key %s --from regulator --home %s\n",
				n.Division, n.RegulatorName, n.RegulatorKey, filepath.Join(dir, "node0"))
			fmt.Fprintf(out, "  coldtrace tx validator set %s 10 --operator %s --name %s --from regulator --home %s\n",
				n.ValidatorKey, n.Division, n.Name, filepath.Join(dir, "node0"))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "output", "./testnet-out", "the testnet folder")
	cmd.Flags().BoolVar(&o.StateSync, "state-sync", false, "join from a snapshot (needs the network running)")
	return cmd
}
