package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/bench"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/state"
)

func newBenchScaleCmd(g *globals) *cobra.Command {
	cfg := bench.ScaleConfig{}
	var checkpoints, svg, dir string
	var extrapolate, from, cpuProfile string
	cmd := &cobra.Command{
		Use:   "scale",
		Short: "Build a province's state through the app in process and measure it at checkpoints",
		Long: `scale builds state through the real app, in this process: signed txs, FinalizeBlock and
Commit, no consensus and no network. The province's regulator registers eleven city
regulators and --chains supply chains (a producer, a cold warehouse, a retailer); then, round
after round, each producer commissions a batch of --codes-per-tx codes (with its facts),
dispatches it to its warehouse, which receives it and dispatches it to its retailer, which
receives it and sells half: each step one block of one tx per chain.

At each --checkpoints count of codes it measures: the app state's bytes on disk and per
trace event, a code query with proof (in process, app Query with prove=true; --queries of
them, p50 and p99), closing and reopening the state and the app, FinalizeBlock+Commit of a
block of 1,000 one-code sales whose signatures are verified in the block, the size of a
state-sync snapshot taken after that block, the time to restore that snapshot into an empty
state (what a node joining by state sync does once it has the chunks), and the process's
peak RSS. Each checkpoint is
written to standard error as a JSON line ("checkpoint {...}") as soon as it is measured, so
a long run that is stopped keeps what it reached.

--svg writes the growth as a chart; --extrapolate continues the state's bytes in a straight
line from the last two checkpoints to the counts given, drawn dashed (a guess, not a
measurement); --from draws the
chart from the JSON (-o json) of an earlier run without running.`,
		Example: `  coldtrace bench scale --checkpoints 250000,500000,1000000 --svg docs/scale-growth.svg`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			for _, s := range strings.Split(checkpoints, ",") {
				n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil || n < 2000 {
					return fmt.Errorf("--checkpoints: %q is not a count of at least 2,000 codes", s)
				}
				cfg.Checkpoints = append(cfg.Checkpoints, n)
			}
			title := fmt.Sprintf("coldtrace state growth, %d chains, %d codes per tx", cfg.Chains, cfg.CodesPerTx)
			var extra []int64
			if extrapolate != "" {
				for _, s := range strings.Split(extrapolate, ",") {
					n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
					if err != nil || n <= 0 {
						return fmt.Errorf("--extrapolate: %q is not a count of codes", s)
					}
					extra = append(extra, n)
				}
			}
			if from != "" {
				// Draw only, from the JSON of an earlier run.
				b, err := os.ReadFile(from)
				if err != nil {
					return err
				}
				var cps []bench.Checkpoint
				if err := json.Unmarshal(b, &cps); err != nil || len(cps) == 0 {
					return fmt.Errorf("--from %s: not the JSON of a scale run (-o json): %v", from, err)
				}
				if svg == "" {
					return errors.New("--from needs --svg")
				}
				return os.WriteFile(svg, bench.ScaleSVG(cps, bench.Extrapolate(cps, extra...), title), 0o644)
			}
			if dir == "" {
				d, err := os.MkdirTemp("", "coldtrace-scale-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				dir = d
			} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				if _, err := os.Stat(filepath.Join(dir, "state")); err != nil {
					return fmt.Errorf("--dir %s is not empty and holds no earlier scale run; name a new folder", dir)
				}
			}
			cfg.Dir = dir
			node.TuneGC() // as a node runs
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			w := cmd.ErrOrStderr()
			cfg.Progress = func(codes int64, d time.Duration) {
				fmt.Fprintf(w, "%d codes after %s\n", codes, d.Round(time.Second))
			}
			cfg.Measured = func(c bench.Checkpoint) {
				line, _ := json.Marshal(c)
				fmt.Fprintf(w, "checkpoint %s\n", line)
			}
			cps, err := bench.Scale(cmd.Context(), cfg)
			if len(cps) > 0 && svg != "" {
				if werr := os.WriteFile(svg, bench.ScaleSVG(cps, bench.Extrapolate(cps, extra...), title), 0o644); werr != nil && err == nil {
					err = werr
				}
			}
			if g.output == "json" {
				if perr := printJSON(cmd, cps); perr != nil {
					return perr
				}
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%10s %9s %9s %9s %10s %8s %9s %9s %9s %9s %9s %10s %10s\n", "codes", "events", "height", "build s", "state MiB", "B/event", "block ms", "query p50", "query p99", "reopen ms", "snap MiB", "restore s", "RSS MiB")
			for _, c := range cps {
				fmt.Fprintf(out, "%10d %9d %9d %9.0f %10.1f %8.0f %9.0f %9.2f %9.2f %9.0f %9.1f %10.1f %10d\n", c.Codes, c.Events, c.Height, c.BuildSeconds,
					float64(c.StateBytes)/(1<<20), c.BytesPerEvent, c.Block1000Ms, c.QueryP50Ms, c.QueryP99Ms, c.ReopenMs, float64(c.SnapshotBytes)/(1<<20), c.RestoreMs/1000, c.PeakRSSBytes>>20)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&checkpoints, "checkpoints", "1000000", "counts of codes at which to measure, ascending, comma-separated")
	cmd.Flags().StringVar(&dir, "dir", "", "where to build the state (default: a temporary folder, removed at the end)")
	cmd.Flags().StringVar(&svg, "svg", "", "write the growth chart to this SVG file")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	cmd.Flags().StringVar(&from, "from", "", "draw --svg from the JSON output (-o json) of an earlier run instead of running")
	cmd.Flags().StringVar(&extrapolate, "extrapolate", "", "counts of codes to extrapolate the state's bytes to on the chart, comma-separated")
	cmd.Flags().IntVar(&cfg.Chains, "chains", 50, "supply chains moving batches in parallel (one tx each per block)")
	cmd.Flags().IntVar(&cfg.CodesPerTx, "codes-per-tx", 100, "codes in each batch and message")
	cmd.Flags().Int64Var(&cfg.KeepRecent, "keep-recent", 0, "state versions kept, as app.toml [state] keep_recent (default: a node's, 100,000)")
	cmd.Flags().StringVar(&cfg.Backend, "db-backend", state.BackendPebbleDB, "the state's storage engine, as app.toml [state] db_backend: pebbledb (as new homes) or goleveldb")
	cmd.Flags().IntVar(&cfg.CacheSize, "cache-size", 0, "state tree nodes cached in memory, as app.toml [state] cache_size (default: a node's, 100,000)")
	cmd.Flags().IntVar(&cfg.Queries, "queries", 1000, "code queries with proof at each checkpoint")
	return cmd
}
