package main

import (
	"fmt"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/node"
)

func newReindexCmd(g *globals) *cobra.Command {
	var o node.ReindexOptions
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Index the txs and block events a stopped node's tx index lacks",
		Long: `reindex checks, on a stopped node's home, that CometBFT's tx and block index
(what /tx, tx_search and block_search answer from) holds every executed block, and
writes what is missing from the block store and the stored FinalizeBlock results,
in the form CometBFT's indexer writes. 'start' does the same check by itself for the
heights committed since its last start; use reindex after restoring or deleting
data/tx_index.db, or with --force to write a range again. It needs the node stopped
(the databases are locked while it runs).`,
		Example: `  coldtrace reindex --home ~/.coldtrace
  coldtrace reindex --from 180 --to 181`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if o.From < 0 || o.To < 0 || (o.To > 0 && o.From > o.To) {
				return fmt.Errorf("--from %d --to %d: heights are positive and --from is at most --to", o.From, o.To)
			}
			logger := log.NewNopLogger()
			if g.output == "text" {
				logger = log.NewTMLogger(log.NewSyncWriter(cmd.ErrOrStderr()))
			}
			r, err := node.Reindex(g.home, o, logger)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd, r)
			}
			out := cmd.OutOrStdout()
			switch {
			case r.Disabled:
				fmt.Fprintln(out, "tx_index.indexer in config.toml is not \"kv\": nothing to index")
			case r.To == 0:
				fmt.Fprintln(out, "no executed block yet: nothing to index")
			default:
				fmt.Fprintf(out, "checked heights %d to %d: indexed %d heights, %d txs\n", r.From, r.To, len(r.Heights), r.Txs)
				if len(r.Skipped) > 0 {
					fmt.Fprintf(out, "%d heights could not be indexed (block or FinalizeBlock results not kept): %v\n", len(r.Skipped), r.Skipped)
				}
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&o.From, "from", 0, "first height to check (default: the block store's base)")
	cmd.Flags().Int64Var(&o.To, "to", 0, "last height to check (default: the last executed height)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "write every height in range again, also those that look complete")
	return cmd
}
