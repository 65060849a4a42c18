package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/node"
)

func newSnapshotCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Back up the app state at a height, and restore a home from it",
		Long: `A snapshot is the app state at a height in the state-sync format: chunk files and
snapshot.json (height, chunk hashes, app hash), as the node keeps them in data/snapshots.
docs/operations/restore-from-backup.md is the procedure.`,
	}
	var height uint64
	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the app state at --height into the new folder --out, with the validator's priv_validator_state.json",
		Long: `export writes the app state at --height into --out (a new folder). A height the node
keeps a snapshot of (app.toml: snapshot_interval) is copied, also while the node runs;
--height 0 takes the newest kept snapshot. Any other height needs the node stopped and
the height still stored (app.toml: keep_recent). A copy of data/priv_validator_state.json
goes beside it. Back up config/ and keyring/ too: export holds no keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("give --out, a new folder for the snapshot")
			}
			r, err := node.ExportSnapshot(g.home, height, out)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd, r)
			}
			how := "from the state (node stopped)"
			if r.FromKept {
				how = "copied from a kept snapshot"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported height %d (%d chunks, app hash %s, %s) to %s\n", r.Height, r.Chunks, r.AppHash, how, r.Out)
			if r.SignState != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "with priv_validator_state.json: last signed %s\n", r.SignState)
			}
			return nil
		},
	}
	export.Flags().Uint64Var(&height, "height", 0, "height to export (0: the newest kept snapshot, else the last saved height)")
	export.Flags().StringVar(&out, "out", "", "new folder to write the snapshot to")

	var o node.ImportOptions
	imp := &cobra.Command{
		Use:   "import",
		Short: "Restore a home whose data is gone from an export, with peers to catch up from",
		Long: `import restores --home (its config/ from the backup, no data/) from the export --in:
the app state at the export's height, checked against the app hash of that height the
peers' headers prove (a light client from --trust-height/--trust-hash, by default the
first peer's latest block), and CometBFT's stores started at that height. Then
'coldtrace start' fetches the blocks since from the peers.
data/priv_validator_state.json is taken from the export unless the home holds a newer
one, which is kept: a validator never signs again at a height it already signed.
It refuses a home that has state.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.In == "" {
				return fmt.Errorf("give --in, the folder 'snapshot export' wrote")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r, err := node.ImportSnapshot(ctx, g.home, o)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd, r)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "restored height %d, app hash %s, as the peers' headers prove (trusted block %d %s)\n", r.Height, r.AppHash, r.TrustHeight, r.TrustHash)
			switch r.SignStateBy {
			case "home":
				fmt.Fprintf(w, "kept the home's priv_validator_state.json (last signed %s): newer than the backup's\n", r.SignState)
			case "backup":
				fmt.Fprintf(w, "priv_validator_state.json from the backup: last signed %s\n", r.SignState)
			default:
				fmt.Fprintln(w, "no priv_validator_state.json in the home or the backup: this node will sign as a validator never did")
			}
			fmt.Fprintf(w, "next: coldtrace doctor --home %s && coldtrace start --home %s\n", g.home, g.home)
			return nil
		},
	}
	imp.Flags().StringVar(&o.In, "in", "", "folder written by 'snapshot export'")
	imp.Flags().StringSliceVar(&o.PeerRPCs, "peer-rpc", nil, "RPC address of a peer of the chain (repeatable; two different ones are best)")
	imp.Flags().Int64Var(&o.TrustHeight, "trust-height", 0, "height of a block you trust (default: the first peer's latest)")
	imp.Flags().StringVar(&o.TrustHash, "trust-hash", "", "hash of the block at --trust-height")
	cmd.AddCommand(export, imp)
	return cmd
}
