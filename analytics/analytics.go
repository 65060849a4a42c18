package analytics

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/lib/pq"
)

// CometSchema is CometBFT's schema for its psql event sink.
//
//go:embed schema_cometbft.sql
var CometSchema string

// Views creates or replaces coldtrace's views.
//
//go:embed views.sql
var Views string

// cometTables are the tables CometSchema creates.
var cometTables = []string{"blocks", "tx_results", "events", "attributes"}

// cometColumns are the columns of CometBFT's tables that the sink writes and
// the views read: tables of those names without them are another
// application's.
var cometColumns = map[string][]string{
	"blocks":     {"rowid", "height", "chain_id"},
	"tx_results": {"rowid", "block_id"},
	"events":     {"rowid", "block_id", "tx_id", "type"},
	"attributes": {"event_id", "key", "composite_key", "value"},
}

// Report says what Init did.
type Report struct {
	SchemaLoaded bool     `json:"schema_loaded"` // CometBFT's tables were created now (false: they existed)
	Views        []string `json:"views"`         // the views created or replaced, in order
}

// ViewNames are the views Views defines, in order.
func ViewNames() []string {
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^CREATE OR REPLACE VIEW ([a-z_]+) AS`).FindAllStringSubmatch(Views, -1) {
		names = append(names, m[1])
	}
	return names
}

// lockID serializes concurrent runs of Init on one database.
const lockID = 0x636f6c64 // "cold"

// Init prepares the database conn names (a libpq connection string or a
// postgres:// URL): in one transaction, CometBFT's tables when none of them
// exists, and coldtrace's views. A database with some of CometBFT's tables
// and not others is refused: it is not one the sink wrote.
func Init(ctx context.Context, conn string) (*Report, error) {
	connector, err := pq.NewConnector(conn)
	if err != nil {
		return nil, fmt.Errorf("analytics: the connection string does not parse (%v); give a URL such as postgres://USER@HOST:5432/DB?sslmode=disable", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("analytics: cannot reach the database the connection string names: %w; check host, port, user, password and database name, and that PostgreSQL is running", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID); err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	var present, missing []string
	for _, t := range cometTables {
		var found sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, t).Scan(&found); err != nil {
			return nil, fmt.Errorf("analytics: look for table %s: %w", t, err)
		}
		if found.Valid {
			present = append(present, t)
		} else {
			missing = append(missing, t)
		}
	}
	rep := &Report{}
	switch {
	case len(present) == 0:
		if _, err := tx.ExecContext(ctx, CometSchema); err != nil {
			return nil, fmt.Errorf("analytics: load CometBFT's schema: %w", err)
		}
		rep.SchemaLoaded = true
	case len(missing) > 0:
		return nil, fmt.Errorf("analytics: the database has tables %s but not %s: it is not a database CometBFT's psql sink wrote; give an empty database", strings.Join(present, ", "), strings.Join(missing, ", "))
	default:
		for _, t := range cometTables {
			var lacks []string
			for _, col := range cometColumns[t] {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT attisdropped`, t, col).Scan(&n); err != nil {
					return nil, fmt.Errorf("analytics: look at the columns of table %s: %w", t, err)
				}
				if n == 0 {
					lacks = append(lacks, col)
				}
			}
			if len(lacks) > 0 {
				return nil, fmt.Errorf("analytics: the database's table %s has no column %s: it is not a database CometBFT's psql sink wrote; give an empty database", t, strings.Join(lacks, ", "))
			}
		}
	}
	if err := createViews(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	rep.Views = ViewNames()
	return rep, nil
}

// createViews creates or replaces the views. A view of another coldtrace
// version whose columns differ cannot be replaced (42P16): the views, which
// hold no rows, are then dropped and created afresh, unless views of the
// database's own users are built on them.
func createViews(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT views`); err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	_, err := tx.ExecContext(ctx, Views)
	var pe *pq.Error
	if err == nil || !errors.As(err, &pe) || pe.Code != "42P16" { // invalid_table_definition: a view's columns changed
		if err != nil {
			return fmt.Errorf("analytics: create the views: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT views`); err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	names := ViewNames()
	for i := len(names) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, `DROP VIEW IF EXISTS `+pq.QuoteIdentifier(names[i])); err != nil {
			return fmt.Errorf("analytics: the views of another coldtrace version must be replaced, and other views depend on them (%v); drop those, run init again, then create them again", err)
		}
	}
	if _, err := tx.ExecContext(ctx, Views); err != nil {
		return fmt.Errorf("analytics: create the views: %w", err)
	}
	return nil
}
