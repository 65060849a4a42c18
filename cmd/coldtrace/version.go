package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/app"
	"github.com/coldtrace/coldtrace/types"
)

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the coldtrace, app-protocol, rules, CometBFT and Go versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := map[string]any{"coldtrace": app.Version, "app_version": app.AppVersion, "rules": types.LatestRules, "cometbft": cometVersion(), "go": runtime.Version()}
			if g.output == "json" {
				return printJSON(cmd, v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "coldtrace %s (app version %d, rules up to v%d, CometBFT %s, %s)\n", app.Version, app.AppVersion, types.LatestRules, cometVersion(), runtime.Version())
			return nil
		},
	}
}

// cometVersion is the CometBFT module version this binary was built with.
func cometVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/cometbft/cometbft" {
				return d.Version
			}
		}
	}
	return "unknown"
}
