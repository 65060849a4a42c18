package analytics_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/analytics"
)

// sinkEvent writes one event with its attributes as CometBFT's psql sink
// does (a block row per height; a tx row when tx is true).
func sinkEvent(t *testing.T, db *sql.DB, height int64, tx bool, typ string, attrs ...string) {
	t.Helper()
	var block int64
	if err := db.QueryRow(`INSERT INTO blocks (height, chain_id, created_at) VALUES ($1, 'views-test', now())
		ON CONFLICT (height, chain_id) DO UPDATE SET height = EXCLUDED.height RETURNING rowid`, height).Scan(&block); err != nil {
		t.Fatal(err)
	}
	var txID sql.NullInt64
	if tx {
		if err := db.QueryRow(`INSERT INTO tx_results (block_id, index, created_at, tx_hash, tx_result)
			VALUES ($1, (SELECT count(*) FROM tx_results WHERE block_id = $1), now(), 'AB', '\x00') RETURNING rowid`, block).Scan(&txID); err != nil {
			t.Fatal(err)
		}
	}
	var ev int64
	if err := db.QueryRow(`INSERT INTO events (block_id, tx_id, type) VALUES ($1, $2, $3) RETURNING rowid`, block, txID, typ).Scan(&ev); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		if _, err := db.Exec(`INSERT INTO attributes (event_id, key, composite_key, value) VALUES ($1, $2, $3, $4)`,
			ev, attrs[i], typ+"."+attrs[i], attrs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestViewsLargeQuantities: a counter of a division's day can reach
// 2^64-1 (it saturates there), and a view that sums over several divisions
// (a city's flows) goes past any fixed width: its rows must still be the
// exact sums, not an error that fails the whole query. Counters past 2^31
// and 2^63 are summed exactly everywhere.
func TestViewsLargeQuantities(t *testing.T) {
	conn := startPostgres(t)
	if _, err := analytics.Init(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, conn)
	const max = "18446744073709551615" // 2^64-1
	districts := []string{"330102", "330105", "330106", "330108", "330109", "330110"}
	for i, d := range districts {
		sinkEvent(t, db, int64(1+i), true, "figures_flow", "division", d, "day", "2026-11-27", "origin", "EC", "source", "330203", "quantity", max, "signer", d)
	}
	sinkEvent(t, db, 7, true, "figures", "division", "330106", "day", "2026-11-27", "commissioned_grams", "3000000000", "signer", "x")
	sinkEvent(t, db, 8, true, "figures", "division", "330106", "day", "2026-11-27", "commissioned_grams", "9223372036854775808", "signer", "x")
	sinkEvent(t, db, 9, false, "figures", "division", "330106", "day", "2026-11-27", "alerts", "2147483648")

	if got, want := rows(t, db, `SELECT from_city, to_city, origin, quantity FROM city_flows`),
		[]string{"330200 330100 EC 110680464442257309690"}; !slices.Equal(got, want) {
		t.Fatalf("city_flows %v, want %v", got, want)
	}
	if got, want := rows(t, db, `SELECT commissioned_grams, alerts FROM division_day_figures WHERE division = '330106'`),
		[]string{"9223372039854775808 2147483648"}; !slices.Equal(got, want) {
		t.Fatalf("division_day_figures %v, want %v", got, want)
	}
}

// TestInitReplacesOlderViews: init runs again after an upgrade whose views
// have other columns (here city_flows' quantity, numeric(20) before): the
// old views are replaced, the sink's rows kept; a view of the database's
// own built on them stops it with an error that says what to do.
func TestInitReplacesOlderViews(t *testing.T) {
	ctx := context.Background()
	conn := startPostgres(t)
	if _, err := analytics.Init(ctx, conn); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, conn)
	sinkEvent(t, db, 1, true, "figures_flow", "division", "330106", "day", "2026-11-27", "origin", "EC", "source", "330203", "quantity", "5")
	older := `DROP VIEW city_flows; CREATE VIEW city_flows AS SELECT 'c'::varchar AS chain_id, '2026-11-27'::date AS day,
		'330200'::text AS from_city, '330100'::text AS to_city, 'EC'::varchar AS origin, 1::numeric(20) AS quantity`
	if _, err := db.Exec(older); err != nil {
		t.Fatal(err)
	}
	if _, err := analytics.Init(ctx, conn); err != nil {
		t.Fatalf("init over older views: %v", err)
	}
	if got := rows(t, db, `SELECT from_city, to_city, quantity FROM city_flows`); !slices.Equal(got, []string{"330200 330100 5"}) {
		t.Fatalf("city_flows after init: %v", got)
	}
	if _, err := db.Exec(older + `; CREATE VIEW my_report AS SELECT * FROM city_flows`); err != nil {
		t.Fatal(err)
	}
	_, err := analytics.Init(ctx, conn)
	if err == nil || !strings.Contains(err.Error(), "other views depend on them") {
		t.Fatalf("init under a view of the database's own: %v", err)
	}
}
