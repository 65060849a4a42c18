package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newStatusCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the node's height, app hash, sync state, voting power and peers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.dial()
			if err != nil {
				return err
			}
			st, err := c.RPC().Status(cmd.Context())
			if err != nil {
				return fmt.Errorf("node not reachable (is `coldtrace start` running?): %w", err)
			}
			peers := 0
			if ni, err := c.RPC().NetInfo(cmd.Context()); err == nil {
				peers = ni.NPeers
			}
			s := st.SyncInfo
			out := map[string]any{
				"chain_id": st.NodeInfo.Network, "moniker": st.NodeInfo.Moniker,
				"height": s.LatestBlockHeight, "app_hash": s.LatestAppHash.String(),
				"block_time": s.LatestBlockTime.UTC().Format(time.RFC3339), "catching_up": s.CatchingUp,
				"voting_power": st.ValidatorInfo.VotingPower, "peers": peers,
			}
			if g.output == "json" {
				return printJSON(cmd, out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "chain %s  node %s\nheight       %d (%s)\napp hash     %s\ncatching up  %v\nvoting power %d\npeers        %d\n",
				st.NodeInfo.Network, st.NodeInfo.Moniker, s.LatestBlockHeight, out["block_time"], s.LatestAppHash, s.CatchingUp, st.ValidatorInfo.VotingPower, peers)
			return nil
		},
	}
	addNodeFlag(cmd, g)
	return cmd
}
