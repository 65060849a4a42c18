package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/bench"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

func newBenchProbeCmd(g *globals) *cobra.Command {
	cfg := bench.ProbeConfig{}
	var from string
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Measure verified code and history queries over RPC against a running node, and its home's sizes",
		Long: `probe measures what 'bench scale' cannot, against a running node of --home (or --node):
queries over RPC, answered with proofs and verified by the client as 'coldtrace query
--verify' does.

It finds --codes existing codes in random committed blocks (codes that successful
commissions created, a few per block, so the sample spreads over the chain's history).
With a regulator key (--from, default "regulator"; --from "" to skip) it registers one
enterprise and records a code with --history-events events (a commission and sensor
reports, one tx); without, it measures the longest history among the sampled codes and
says how long it is. It then verifies the header of the newest height but one from the
trust root (the home's genesis, or --genesis / --trust-height and --trust-hash) and,
after ten unmeasured warm-up answers of each kind, runs --queries rounds at that height of:

  code query     /trace/code with proof, over RPC, proofs verified against the header's
                 app hash (the header verified once)
  history query  /trace/history of --history-events events with proofs, hash chain
                 recomputed
  verified query the client's whole VerifiedQuery of the code: node status, query,
                 header, proofs, as a scanner or auditor runs it

and prints p50, p99, max and mean of each in milliseconds, with the mean answer's bytes.
An answer that fails verification ends the probe with the error (exit 1). From the
province's statistics (a verified query) it reports the codes commissioned and events
recorded; from the home, the bytes of the app state (data/coldtrace), the block store,
the tx index and the state-sync snapshots (data/snapshots), and the node's peak RSS.`,
		Example: `  coldtrace bench probe --codes 500 --queries 2000 -o json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			cfg.Node = g.node
			if cfg.Node == "" {
				cfg.Node = "tcp://127.0.0.1:26657"
				if conf, err := node.LoadCometConfig(g.home); err == nil {
					cfg.Node = conf.RPC.ListenAddress
				}
			}
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			cfg.Trust = trust
			if from != "" {
				key, err := g.signingKey(from)
				if err != nil {
					return err
				}
				c, err := client.Dial(cfg.Node)
				if err != nil {
					return err
				}
				acct, err := c.Account(cmd.Context(), key.Public().(ed25519.PublicKey))
				if err != nil {
					return fmt.Errorf("key %q: %w", from, err)
				}
				if len(acct.OwnerId) != 6 {
					return errors.New("--from must name a regulator's key (or give --from \"\")")
				}
				cfg.Regulator, cfg.Division = key, acct.OwnerId
			}
			rep, err := bench.Probe(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			homeSizes(g.home, rep)
			if g.output == "json" {
				return printJSON(cmd, rep)
			}
			printProbe(cmd, rep)
			return nil
		},
	}
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	cmd.Flags().StringVar(&from, "from", "regulator", `keyring name of a regulator key that records the long-history code ("" records none)`)
	cmd.Flags().IntVar(&cfg.Codes, "codes", 200, "random existing codes to query")
	cmd.Flags().IntVar(&cfg.Queries, "queries", 1000, "measured rounds (a code query, a history query and a verified query each)")
	cmd.Flags().IntVar(&cfg.HistoryEvents, "history-events", 20, "events in the history query (1-100)")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of the random choice of blocks and codes (default: time based)")
	return cmd
}

// homeSizes fills in the byte counts of a node's home on this machine.
func homeSizes(home string, rep *bench.ProbeReport) {
	dataDir := filepath.Join(home, "data")
	if conf, err := node.LoadCometConfig(home); err == nil {
		dataDir = conf.DBDir()
	}
	rep.AppStateBytes = dirBytes(node.StateDir(home))
	rep.BlockStoreBytes = dirBytes(filepath.Join(dataDir, "blockstore.db"))
	rep.TxIndexBytes = dirBytes(filepath.Join(dataDir, "tx_index.db"))
	rep.SnapshotBytes = dirBytes(node.SnapshotDir(home))
	if entries, err := os.ReadDir(node.SnapshotDir(home)); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				rep.Snapshots++
			}
		}
	}
	if pid := findNodePID(home); pid > 0 {
		rep.NodeRSSBytes = peakRSS(pid)
	}
}

func printProbe(cmd *cobra.Command, r *bench.ProbeReport) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "node        %s, state of height %d (app hash %s), %d answers verified\n", r.Node, r.Height, r.AppHash, r.Verified)
	if r.CodesCommissioned > 0 {
		fmt.Fprintf(w, "chain       %d codes commissioned, %d events recorded (one per message; province statistics)\n", r.CodesCommissioned, r.EventsRecorded)
	}
	fmt.Fprintf(w, "sample      %d codes from %d random blocks\n", r.CodesSampled, r.BlocksScanned)
	line := func(name string, l bench.Latency, extra string) {
		fmt.Fprintf(w, "%-15s n %d  p50 %.2f ms  p99 %.2f ms  max %.2f ms  mean %.2f ms%s\n", name, l.N, l.P50Ms, l.P99Ms, l.MaxMs, l.MeanMs, extra)
	}
	line("code query", r.CodeQuery, fmt.Sprintf("  (%d bytes)", r.CodeQueryBytes))
	created := "found"
	if r.HistoryCreated {
		created = "recorded by the probe"
	}
	line("history query", r.History, fmt.Sprintf("  (%d events, %d bytes; %s, %s)", r.HistoryEvents, r.HistoryBytes, r.HistoryCode, created))
	line("verified query", r.VerifiedQuery, "")
	fmt.Fprintf(w, "home        app state %.1f MiB, block store %.1f MiB, tx index %.1f MiB, snapshots %.1f MiB (%d)\n",
		mib(r.AppStateBytes), mib(r.BlockStoreBytes), mib(r.TxIndexBytes), mib(r.SnapshotBytes), r.Snapshots)
	if r.NodeRSSBytes > 0 {
		fmt.Fprintf(w, "node RSS    peak %d MiB\n", r.NodeRSSBytes>>20)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
