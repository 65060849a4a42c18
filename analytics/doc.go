// Package analytics prepares a PostgreSQL database for the province's
// figures: a non-validator full node writes its blocks' events there through
// CometBFT's own psql event sink, and SQL views answer imports per day,
// warehouse throughput, positives and flows between cities from them.
//
// Init loads CometBFT's schema for the sink (schema_cometbft.sql, a copy of
// CometBFT's file under its Apache-2.0 licence) when its tables are absent,
// then creates or replaces the views (views.sql); it can run again at any
// time. The node side is node.SetAnalytics: config.toml's indexer "psql"
// and app.toml's [analytics], whose figure events the views read (app,
// EnableAnalytics). Both are what `coldtrace analytics init` does.
//
// Usage:
//
//	rep, err := analytics.Init(ctx, "postgres://coldtrace@127.0.0.1:5432/coldtrace?sslmode=disable")
//	// rep.SchemaLoaded: CometBFT's tables were created now; rep.Views: the views in place.
package analytics
