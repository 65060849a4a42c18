package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/types"
)

func newTxRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Schedule upgrades of the chain's rules and changes of its parameters (the root regulator signs)"}
	var from, reason string
	schedule := &cobra.Command{
		Use:   "schedule-upgrade VERSION HEIGHT --reason TEXT --from KEY",
		Short: "Move the chain to rules VERSION from HEIGHT on (HEIGHT 0 cancels)",
		Long: `schedule-upgrade records on chain that blocks from HEIGHT on execute under rules
VERSION (docs/ARCHITECTURE.md, "Rules versions"). Only the root regulator signs it.
Every validator must run a binary that knows VERSION before HEIGHT: a node whose
binary does not stops at HEIGHT and says which version to install ('coldtrace version'
prints the rules a binary knows). HEIGHT 0 cancels the pending upgrade to VERSION.`,
		Example: `  coldtrace tx rules schedule-upgrade 5 250000 --reason "rules v5: ..." --from regulator
  coldtrace tx rules schedule-upgrade 5 0 --reason "postponed" --from regulator`,
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
	var file string
	setParams := &cobra.Command{
		Use:   "set-params HEIGHT --file PARAMS.json --reason TEXT --from KEY",
		Short: "Put new supervision parameters in force from HEIGHT on",
		Long: `set-params schedules the chain's parameters (protobuf JSON, as 'coldtrace query
params -o json' prints them) from a future HEIGHT on: which origins need no
supervision warehouse, whether commissions must cite a customs declaration, the
temperature profiles, the alert windows. Only the root regulator signs it; a
second change for the same height replaces the first. max_tx_bytes,
max_msgs_per_tx and max_keys_per_owner change only with the rules.`,
		Example: `  coldtrace query params -o json > params.json   # edit supervision_exempt_origins ...
  coldtrace tx rules set-params 250000 --file params.json --reason "NZ exempt from 1 Jan" --from regulator`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || h < 1 {
				return fmt.Errorf("HEIGHT %q must be a future height", args[0])
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			p := &types.Params{}
			if err := protojson.Unmarshal(b, p); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			return g.send(cmd, from, &types.MsgSetParams{Params: p, Height: h, Reason: reason})
		},
	}
	setParams.Flags().StringVar(&from, "from", "", "keyring name of the root regulator's key (required)")
	setParams.Flags().StringVar(&reason, "reason", "", "why, for the record (required)")
	setParams.Flags().StringVar(&file, "file", "", "the parameters, protobuf JSON (required)")
	for _, f := range []string{"from", "reason", "file"} {
		_ = setParams.MarkFlagRequired(f)
	}
	addNodeFlag(setParams, g)
	cmd.AddCommand(schedule, setParams)
	return cmd
}

func newQueryParamsCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "params",
		Short: "The chain's parameters in force (changes scheduled: 'query rules')",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.queryRecord(cmd, "/params", &types.Params{})
		},
	}
	addNodeFlag(c, g)
	return c
}

func newQueryRulesCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "The rules version in force, since which height, the upgrades and parameter changes scheduled",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.queryRecord(cmd, "/rules", &types.Rules{})
		},
	}
	addNodeFlag(c, g)
	return c
}
