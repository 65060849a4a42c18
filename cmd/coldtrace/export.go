package main

import (
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
)

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write verifiable exports: proof bundles of a code's history, EPCIS 2.0 and FSMA 204 files",
	}
	var out string
	history := &cobra.Command{
		Use:   "history CODE --out FILE",
		Short: "Save a code's whole history with its proofs, headers and commits, for offline 'coldtrace verify'",
		Long: `history asks the node for the code's record and every event with proofs, verifies them
end to end from the trust root (see 'coldtrace query --help'), and writes a self-contained
proof bundle that 'coldtrace verify --file FILE' checks without a node.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.dial()
			if err != nil {
				return err
			}
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			headers, err := c.NewHeaders(cmd.Context(), trust)
			if err != nil {
				return err
			}
			v, err := c.VerifiedQuery(cmd.Context(), "/trace/history?limit=1000&code="+url.QueryEscape(args[0]), headers)
			if err != nil {
				return err
			}
			b, err := client.NewBundle(v)
			if err != nil {
				return err
			}
			data, err := b.Marshal()
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes): %s\n", out, len(data)+1, v.Summary())
			return nil
		},
	}
	history.Flags().StringVar(&out, "out", "history.json", "file to write")
	addNodeFlag(history, g)
	addTrustFlags(history, g)
	cmd.AddCommand(history)
	return cmd
}

// addTrustFlags adds the trust-root flags to a command outside `query`.
func addTrustFlags(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVar(&g.genesis, "genesis", "", "genesis.json whose validators are the trust root (default: the home's)")
	cmd.Flags().Int64Var(&g.trustHeight, "trust-height", 0, "a trusted height, instead of the genesis")
	cmd.Flags().StringVar(&g.trustHash, "trust-hash", "", "the hash of the header at --trust-height (hex)")
}
