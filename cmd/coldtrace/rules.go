package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/types"
)

func newTxRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Schedule upgrades of the chain's rules (the root regulator signs)"}
	var from, reason string
	schedule := &cobra.Command{
		Use:   "schedule-upgrade VERSION HEIGHT --reason TEXT --from KEY",
		Short: "Move the chain to rules VERSION from HEIGHT on (HEIGHT 0 cancels)",
		Long: `schedule-upgrade records on chain that blocks from HEIGHT on execute under rules
VERSION (docs/ARCHITECTURE.md, "Rules versions"). Only the root regulator signs it.
Every validator must run a binary that knows VERSION before HEIGHT: a node whose
binary does not stops at HEIGHT and says which version to install ('coldtrace version'
prints the rules a binary knows). HEIGHT 0 cancels the pending upgrade to VERSION.`,
		Example: `  coldtrace tx rules schedule-upgrade 3 250000 --reason "rules v3: ..." --from regulator
  coldtrace tx rules schedule-upgrade 3 0 --reason "postponed" --from regulator`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := strconv.ParseUint(args[0], 10, 32)
			if err != nil || v < 2 {
				return fmt.Errorf("VERSION %q must be a rules version, 2 or more", args[0])
			}
			h, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || h < 0 {
				return fmt.Errorf("HEIGHT %q must be a future height, or 0 to cancel", args[1])
			}
			return g.send(cmd, from, &types.MsgScheduleUpgrade{Version: uint32(v), Height: h, Reason: reason})
		},
	}
	schedule.Flags().StringVar(&from, "from", "", "keyring name of the root regulator's key (required)")
	schedule.Flags().StringVar(&reason, "reason", "", "why, for the record (required)")
	_ = schedule.MarkFlagRequired("from")
	_ = schedule.MarkFlagRequired("reason")
	addNodeFlag(schedule, g)
	cmd.AddCommand(schedule)
	return cmd
}

func newQueryRulesCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "The rules version in force, since which height, and the upgrades scheduled",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.queryRecord(cmd, "/rules", &types.Rules{})
		},
	}
	addNodeFlag(c, g)
	return c
}
