package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/bench"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

func newBenchCmd(g *globals) *cobra.Command {
	cfg := bench.Config{}
	var nodes, from string
	var pid int
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Drive a bounded load of trace txs against a local node and report what was committed",
		Long: `bench registers its own enterprises through a regulator key of the home (default
"regulator"), then for --duration sends cycles of commission → dispatch → receive →
(sensor report →) sell, each message naming --events-per-tx codes, from --pairs pairs of
enterprises in parallel, at --rate txs per second (0: as fast as the node takes them).
It measures from committed blocks: tx/s and events/s, refusals by code, submit-to-commit
latency p50/p90/p99, and, for a node of this home on this machine, its peak RSS and the
store's growth per event. It sends only to the --node addresses and stops by itself.
Blocks are read from the first --node that answers; if every node stops answering,
bench prints what it measured until then, marked PARTIAL with the error, and exits 1.
Refusals and errors are shown in full, identical ones counted together.`,
		Example: `  coldtrace bench --duration 30s --events-per-tx 100 --pairs 4`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if nodes == "" {
				nodes = "tcp://127.0.0.1:26657"
				if conf, err := node.LoadCometConfig(g.home); err == nil {
					nodes = conf.RPC.ListenAddress
				}
			}
			for _, n := range strings.Split(nodes, ",") {
				if !strings.Contains(n, "127.0.0.1") && !strings.Contains(n, "localhost") {
					return fmt.Errorf("bench sends only to loopback addresses, not %q", n)
				}
				cfg.Nodes = append(cfg.Nodes, n)
			}
			if !cfg.KVStore {
				key, err := g.signingKey(from)
				if err != nil {
					return err
				}
				c, err := client.Dial(cfg.Nodes[0])
				if err != nil {
					return err
				}
				acct, err := c.Account(cmd.Context(), key.Public().(ed25519.PublicKey))
				if err != nil {
					return fmt.Errorf("key %q: %w", from, err)
				}
				cfg.Regulator, cfg.Division = key, acct.OwnerId
				if len(cfg.Division) != 6 {
					return errors.New("--from must name a regulator's key")
				}
			}
			dataDir := filepath.Join(g.home, "data")
			before := dirBytes(dataDir)
			rep, err := bench.Run(cmd.Context(), cfg)
			if rep == nil {
				return err
			}
			if pid == 0 {
				pid = findNodePID(g.home)
			}
			if pid > 0 {
				rep.PeakRSSBytes = peakRSS(pid)
			}
			if before > 0 && rep.Events > 0 {
				rep.StoreBytesDelta = dirBytes(dataDir) - before
				rep.StoreBytesPerEv = float64(rep.StoreBytesDelta) / float64(rep.Events)
			}
			// A run the nodes died under still prints what it measured,
			// marked partial, and then fails with the error.
			if g.output == "json" {
				if perr := printJSON(cmd, rep); perr != nil {
					return perr
				}
				return err
			}
			printReport(cmd, rep)
			return err
		},
	}
	cmd.Flags().StringVar(&nodes, "node", "", "RPC addresses, comma-separated (default: the home's)")
	cmd.Flags().StringVar(&from, "from", "regulator", "keyring name of a regulator key that registers the bench enterprises")
	cmd.Flags().DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long to send")
	cmd.Flags().Float64Var(&cfg.Rate, "rate", 0, "txs per second to offer (0: as fast as accepted)")
	cmd.Flags().IntVar(&cfg.EventsPerTx, "events-per-tx", 1, "codes per message (1-1000)")
	cmd.Flags().IntVar(&cfg.Pairs, "pairs", 4, "pairs of enterprises sending in parallel (1-50)")
	cmd.Flags().BoolVar(&cfg.Sensor, "sensor", false, "add a sensor report to every cycle")
	cmd.Flags().DurationVar(&cfg.Drain, "drain", 20*time.Second, "how long to wait for the last txs to commit")
	cmd.Flags().BoolVar(&cfg.KVStore, "kvstore", false, "drive CometBFT's example kvstore app instead (250-byte txs), for a baseline")
	cmd.Flags().IntVar(&pid, "pid", 0, "node process id for the memory figure (default: found by --home)")
	cmd.AddCommand(newBenchScaleCmd(g), newBenchSummaryCmd(), newBenchProbeCmd(g))
	return cmd
}

func newBenchSummaryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "summary RUNS.jsonl",
		Short: "Print the side-by-side table of a standard benchmark set (make bench)",
		Long: `summary reads the runs that bench/standard.sh (make bench) writes, one JSON line a run:
{"load":"one|batch|testnet","side":"coldtrace|kvstore","pair":N,"cores":N,
"loadavg_start":X,"loadavg_end":X,"report":<coldtrace bench -o json>}. It prints, as Markdown,
one row a load: the coldtrace and kvstore medians, the median of the pair-by-pair ratios
with their min and max, the p99 latencies, the core count and the load average at the
start of the load's first run and the end of its last; then every pair; then the figure
at 100 events per tx against the target of 20,000 events/s. At 100 events per tx the
coldtrace figure is events/s, against kvstore's tx/s (one key=value write a tx).`,
		Example: `  coldtrace bench summary bench-out/runs.jsonl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			runs, err := bench.ReadSetRuns(f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(runs) == 0 {
				return fmt.Errorf("%s: no runs", args[0])
			}
			bench.WriteSideBySide(cmd.OutOrStdout(), bench.Summarize(runs))
			return nil
		},
	}
}

func printReport(cmd *cobra.Command, r *bench.Report) {
	w := cmd.OutOrStdout()
	if r.Partial {
		fmt.Fprintf(w, "PARTIAL     the run failed before it could be measured to its end: %s\n", r.Error)
		fmt.Fprintf(w, "            the figures below cover only the blocks read before the failure\n")
	}
	fmt.Fprintf(w, "committed   %d txs, %d events in %.1f s (%d blocks, heights %d-%d)\n", r.Committed, r.Events, r.Seconds, r.Blocks, r.FirstHeight, r.LastHeight)
	fmt.Fprintf(w, "throughput  %.0f tx/s, %.0f events/s (%d events per tx)\n", r.TxPerSec, r.EventsPerSec, r.EventsPerTx)
	fmt.Fprintf(w, "latency     p50 %d ms, p90 %d ms, p99 %d ms (submit to commit)\n", r.LatencyP50Ms, r.LatencyP90Ms, r.LatencyP99Ms)
	fmt.Fprintf(w, "sent        %d txs\n", r.Sent)
	if len(r.Refused) > 0 {
		var ks []string
		for k := range r.Refused {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(w, "refused     %d: %s\n", r.Refused[k], k)
		}
	}
	if len(r.NodeErrors) > 0 {
		var ks []string
		for k := range r.NodeErrors {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(w, "node error  %d: %s\n", r.NodeErrors[k], k)
		}
	}
	if r.PeakRSSBytes > 0 {
		fmt.Fprintf(w, "node RSS    peak %d MiB\n", r.PeakRSSBytes>>20)
	}
	if r.StoreBytesPerEv > 0 {
		fmt.Fprintf(w, "store       +%d KiB, %.0f bytes per event\n", r.StoreBytesDelta>>10, r.StoreBytesPerEv)
	}
}

// dirBytes is the size on disk of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// findNodePID finds a local `coldtrace start` process of this home.
func findNodePID(home string) int {
	entries, _ := os.ReadDir("/proc")
	abs, _ := filepath.Abs(home)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) < 2 || !strings.HasSuffix(args[0], "coldtrace") || args[1] != "start" {
			continue
		}
		for i, a := range args {
			if (a == "--home" && i+1 < len(args) && (args[i+1] == home || args[i+1] == abs)) || a == "--home="+home {
				return pid
			}
		}
	}
	return 0
}

// peakRSS reads a process's peak resident set (VmHWM) from /proc.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
