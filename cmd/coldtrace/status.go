package main

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func newStatusCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the node's height, app hash, sync state, voting power, peers and the validator set",
		Long: `status shows what the node reports: chain, height and app hash of the latest block,
whether it is catching up (block sync or state sync still running), its own voting
power and consensus key (the PUBKEY of 'tx validator set'), its peers, and the
validator set recorded on chain (operator regulator and power of each validator).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
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
			// The recorded set, when the node has state to answer from.
			var set types.ValidatorList
			haveSet := false
			if st.SyncInfo.LatestBlockHeight > 1 {
				if res, err := c.RPC().ABCIQuery(cmd.Context(), "/validators", nil); err == nil && res.Response.Code == 0 {
					haveSet = proto.Unmarshal(res.Response.Value, &set) == nil
				}
			}
			s := st.SyncInfo
			valKey := ""
			if st.ValidatorInfo.PubKey != nil {
				valKey = hex.EncodeToString(st.ValidatorInfo.PubKey.Bytes())
			}
			if g.output == "json" {
				out := map[string]any{
					"chain_id": st.NodeInfo.Network, "moniker": st.NodeInfo.Moniker, "node_id": string(st.NodeInfo.ID()),
					"height": s.LatestBlockHeight, "app_hash": s.LatestAppHash.String(),
					"block_time": s.LatestBlockTime.UTC().Format(time.RFC3339), "catching_up": s.CatchingUp,
					"earliest_height": s.EarliestBlockHeight, "voting_power": st.ValidatorInfo.VotingPower,
					"validator_key": valKey, "peers": peers,
				}
				if haveSet {
					var vals []map[string]any
					for _, v := range set.Validators {
						vals = append(vals, map[string]any{"pub_key": hex.EncodeToString(v.PubKey), "power": v.Power,
							"operator": v.Operator, "name": v.Name, "updated_height": v.UpdatedHeight})
					}
					out["validators"] = vals
				}
				return printJSON(cmd, out)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "chain %s  node %s (%s)\nheight       %d (%s)\napp hash     %s\ncatching up  %v\nvoting power %d\nvalidator    %s\npeers        %d\n",
				st.NodeInfo.Network, st.NodeInfo.Moniker, st.NodeInfo.ID(), s.LatestBlockHeight, s.LatestBlockTime.UTC().Format(time.RFC3339),
				s.LatestAppHash, s.CatchingUp, st.ValidatorInfo.VotingPower, valKey, peers)
			if haveSet {
				fmt.Fprintf(w, "validator set (%d):\n", len(set.Validators))
				for _, v := range set.Validators {
					me := ""
					if hex.EncodeToString(v.PubKey) == valKey {
						me = "  (this node)"
					}
					fmt.Fprintf(w, "  %x  power %-4d operator %s  %s%s\n", v.PubKey, v.Power, v.Operator, v.Name, me)
				}
			}
			return nil
		},
	}
	addNodeFlag(cmd, g)
	return cmd
}
