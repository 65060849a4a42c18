package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/analytics"
	"github.com/coldtrace/coldtrace/node"
)

func newAnalyticsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analytics",
		Short: "Feed a PostgreSQL database with the chain's events, for the province's figures",
		Long: `A non-validator full node can write its blocks' events to PostgreSQL through
CometBFT's own psql event sink; SQL views over them answer imports per day,
warehouse throughput, positives and flows between cities (README, "Analytics on
PostgreSQL"). Validators keep CometBFT's kv indexer.`,
	}
	cmd.AddCommand(newAnalyticsInitCmd(g), newAnalyticsSchemaCmd())
	return cmd
}

func newAnalyticsInitCmd(g *globals) *cobra.Command {
	var conn string
	cmd := &cobra.Command{
		Use:   "init --conn URL",
		Short: "Prepare the database and set this full node to write to it",
		Long: `init loads CometBFT's schema for its psql event sink into the database --conn
names (unless its tables are there already) and creates or replaces coldtrace's
views, in one transaction; then it sets the home's config.toml ([tx_index]
indexer = "psql", psql-conn) and app.toml ([analytics] enabled = true, so the
node's blocks carry the figure events the views read). It refuses the home of a
genesis validator. It can run again at any time (after an upgrade, for new
views). Run it with the node stopped, then start the node; a node that joins
after the chain began replays it from genesis and fills the database.`,
		Example: `  coldtrace analytics init --home ~/.coldtrace-analytics \
    --conn 'postgres://coldtrace@127.0.0.1:5432/coldtrace?sslmode=disable'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if conn == "" {
				return fmt.Errorf("--conn is required: the database's URL, e.g. postgres://coldtrace@127.0.0.1:5432/coldtrace?sslmode=disable")
			}
			var rep *analytics.Report
			err := node.SetAnalytics(g.home, conn, func() error {
				ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
				defer cancel()
				var err error
				rep, err = analytics.Init(ctx, conn)
				return err
			})
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd, rep)
			}
			out := cmd.OutOrStdout()
			if rep.SchemaLoaded {
				fmt.Fprintln(out, "loaded CometBFT's event sink schema")
			} else {
				fmt.Fprintln(out, "CometBFT's event sink tables were there already")
			}
			fmt.Fprintf(out, "views: %s\n", strings.Join(rep.Views, ", "))
			fmt.Fprintf(out, "set %s/config/config.toml ([tx_index] indexer = \"psql\") and app.toml ([analytics] enabled = true); start the node\n", g.home)
			return nil
		},
	}
	cmd.Flags().StringVar(&conn, "conn", "", "PostgreSQL connection URL (postgres://USER[:PASSWORD]@HOST:PORT/DB?sslmode=...) or libpq key=value string")
	return cmd
}

func newAnalyticsSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the SQL init loads: CometBFT's sink schema, then the views",
		Long: `schema prints what 'analytics init' runs, for a database administrator who
applies it by hand: CometBFT's schema for its psql event sink (run once, on an
empty database), then coldtrace's views (rerunnable).`,
		Example: `  coldtrace analytics schema | psql -v ON_ERROR_STOP=1 coldtrace`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.OutOrStdout(), analytics.CometSchema, "\n", analytics.Views)
			return nil
		},
	}
}
