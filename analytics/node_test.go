package analytics_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/analytics"
	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("coldtrace analytics key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

func mkUSCC(body string) string {
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// startFullNode joins a non-validator full node to v's chain, prepares its
// home for analytics on conn (as `coldtrace analytics init` does) and
// starts it.
func startFullNode(t *testing.T, v *testnode.Node, conn string) *client.Client {
	t.Helper()
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "analytics")
	ports := testnode.FreePorts(t, 3)
	peer := fmt.Sprintf("%s@%s", v.Node.Node.NodeInfo().ID(), strings.TrimPrefix(v.Node.Node.Config().P2P.ListenAddress, "tcp://"))
	if _, err := node.JoinHome(ctx, home, node.JoinOptions{
		Genesis: filepath.Join(v.Home, "config", "genesis.json"), Peers: peer, Backend: client.BackendTest,
		P2PListen: fmt.Sprintf("127.0.0.1:%d", ports[0]), RPCListen: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		MetricsListen: fmt.Sprintf("127.0.0.1:%d", ports[2]), TimeoutCommit: 100 * time.Millisecond,
	}); err != nil {
		t.Fatal(err)
	}
	var rep *analytics.Report
	if err := node.SetAnalytics(home, conn, func() (err error) {
		rep, err = analytics.Init(ctx, conn)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !rep.SchemaLoaded || !slices.Equal(rep.Views, analytics.ViewNames()) || len(rep.Views) != 6 {
		t.Fatalf("first init: %+v", rep)
	}
	conf, err := node.LoadCometConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := node.LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if conf.TxIndex.Indexer != "psql" || conf.TxIndex.PsqlConn != conn || !ac.Analytics.Enabled {
		t.Fatalf("after init: indexer %q conn %q analytics %v", conf.TxIndex.Indexer, conf.TxIndex.PsqlConn, ac.Analytics.Enabled)
	}
	logFile, err := os.Create(filepath.Join(home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, log.NewTMLogger(log.NewSyncWriter(logFile)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Stop()
		logFile.Close()
	})
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[1]))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAnalyticsOnPostgres: a validator runs the chain; a non-validator full
// node, prepared by analytics init, writes its blocks' events into a real
// PostgreSQL through CometBFT's psql sink. After imports through a
// supervision warehouse, a dispatch from Hangzhou to Ningbo and a positive
// test, every view's rows are exactly the chain's own figures
// (/supervision/stats), the validator's events carry no figure events, and
// running init again changes nothing.
func TestAnalyticsOnPostgres(t *testing.T) {
	conn := startPostgres(t)
	v := testnode.Start(t, "analytics-e2e")
	if err := node.SetAnalytics(v.Home, conn, nil); err == nil || !strings.Contains(err.Error(), "is a validator") {
		t.Fatalf("analytics on the validator's home: %v", err)
	}
	full := startFullNode(t, v, conn)
	db := openDB(t, conn)

	ctx := context.Background()
	c := v.Client
	var sent []*client.TxResult
	must := func(res *client.TxResult, err error) *client.TxResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, res)
		return res
	}
	hz, nb := testKey("hangzhou"), testKey("ningbo")
	imp, wh, market, shop := testKey("importer"), testKey("warehouse"), testKey("market"), testKey("shop")
	impU, whU, marketU, shopU := mkUSCC("91330100MA2KAAAA1"), mkUSCC("91330100MA2KBBBB1"), mkUSCC("91330100MA2KCCCC1"), mkUSCC("91330203MA2KDDDD1")
	reg := func(u string, kind types.EnterpriseKind, div string, k ed25519.PrivateKey) *types.MsgRegisterEnterprise {
		return &types.MsgRegisterEnterprise{Uscc: u, Name: "E " + u, Kind: kind, Division: div, Keys: [][]byte{pub(k)}}
	}
	must(c.Send(ctx, v.Root,
		&types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{pub(hz)}},
		&types.MsgRegisterRegulator{Division: "330200", Name: "Ningbo", Keys: [][]byte{pub(nb)}}))
	must(c.Send(ctx, hz,
		reg(impU, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, "330100", imp),
		reg(whU, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, "330100", wh),
		reg(marketU, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, "330100", market)))
	must(c.Send(ctx, nb, reg(shopU, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, "330203", shop)))

	const decl, batch = "310120260000123456", "EC-PG"
	today := time.Now().UTC()
	must(c.Send(ctx, v.Customs, &types.MsgDeclare{Number: decl, Port: "Shanghai Yangshan", Date: today.AddDate(0, 0, -20).Format(time.DateOnly),
		Goods: "frozen white shrimp", Gtin: "09521234543213", Quantity: 60_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, OriginCountry: "EC", Importer: impU}))
	facts := &types.ProductFacts{Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: "09521234543213", OriginCountry: "EC",
		ProductionDate: today.AddDate(0, 0, -30).Format(time.DateOnly), ShelfLifeDays: 730, Supplier: "Guayaquil Seafood S.A.",
		CertificateOfOrigin: "EC-2026-1188", CustomsDeclaration: decl,
		NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Shanghai Port Lab",
			Date: today.AddDate(0, 0, -19).Format(time.DateOnly), DocumentHash: make([]byte, 32)}}
	code := func(i int) string { return fmt.Sprintf("/01/09521234543213/10/%s/21/%04d", batch, i) }
	com := &types.MsgCommission{Batch: batch, Facts: facts}
	for i := 1; i <= 3; i++ {
		com.Codes = append(com.Codes, &types.NewCode{Code: code(i), Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	}
	must(c.Send(ctx, imp, com))
	cq := func(code string, q uint64) *types.CodeQuantity { return &types.CodeQuantity{Code: code, Quantity: q} }
	consignment := func(res *client.TxResult) []byte {
		for _, e := range res.Events {
			for _, a := range e.Attributes {
				if e.Type == "dispatch" && a.Key == "consignment" {
					b, err := hex.DecodeString(a.Value)
					if err != nil {
						t.Fatal(err)
					}
					return b
				}
			}
		}
		t.Fatalf("no consignment in %v", res.Events)
		return nil
	}
	all := []*types.CodeQuantity{cq(code(1), 20_000), cq(code(2), 20_000), cq(code(3), 20_000)}
	toWH := consignment(must(c.Send(ctx, imp, &types.MsgDispatch{Buyer: whU, Items: all})))
	must(c.Send(ctx, wh, &types.MsgReceive{Consignment: toWH, Received: all}))
	must(c.Send(ctx, wh, &types.MsgWarehouseEntry{Codes: []string{code(1), code(2), code(3)}}))
	must(c.Send(ctx, wh, &types.MsgRecordTest{Batch: impU + "/" + batch, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}))
	must(c.Send(ctx, v.Customs, &types.MsgRecordTest{Batch: impU + "/" + batch, Kind: types.TestKind_TEST_KIND_INSPECTION,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou Customs", TestName: "inspection and quarantine", Certificate: "IQ-310100-2026-0042"}))
	must(c.Send(ctx, wh, &types.MsgRelease{Codes: []string{code(1), code(2)}, DisinfectionCertificate: "DS-330100-2026-0917"}))
	toMarket := consignment(must(c.Send(ctx, wh, &types.MsgDispatch{Buyer: marketU, Items: []*types.CodeQuantity{cq(code(1), 20_000)}})))
	must(c.Send(ctx, market, &types.MsgReceive{Consignment: toMarket, Received: []*types.CodeQuantity{cq(code(1), 20_000)}}))
	toShop := consignment(must(c.Send(ctx, market, &types.MsgDispatch{Buyer: shopU, Items: []*types.CodeQuantity{cq(code(1), 8_000)}})))
	must(c.Send(ctx, shop, &types.MsgReceive{Consignment: toShop, Received: []*types.CodeQuantity{cq(code(1), 8_000)}}))
	last := must(c.Send(ctx, wh, &types.MsgRecordTest{Codes: []string{code(3)}, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_POSITIVE, Lab: "Hangzhou CDC", SampleId: "S-0815-03", TestName: "SARS-CoV-2 nucleic acid"}))

	for _, res := range sent {
		for _, e := range res.Events {
			if strings.HasPrefix(e.Type, "figures") {
				t.Fatalf("the validator's tx at height %d carries a %s event", res.Height, e.Type)
			}
		}
	}
	// The sink indexes a height's block, then its txs, then the next
	// height's block: a block past the last tx's means all is in.
	waitFor(t, 60*time.Second, "the full node's database reaches the last tx's block", func() (bool, string) {
		var h int64
		if err := db.QueryRow(`SELECT coalesce(max(height), 0) FROM blocks`).Scan(&h); err != nil {
			return false, err.Error()
		}
		return h > last.Height, fmt.Sprintf("database at height %d, last tx at %d", h, last.Height)
	})
	var stats types.StatsList
	if _, err := full.QueryInto(ctx, "/supervision/stats/33?by=day", &stats); err != nil {
		t.Fatal(err)
	}

	// The chain's figures, in the views' row form.
	var wantImports, wantWarehouse, wantPositives, wantDivision []string
	wantFlows := map[string]uint64{}
	for _, d := range stats.Days {
		for _, f := range d.Imports {
			wantImports = append(wantImports, fmt.Sprintf("%s %s %s %s %d %d", d.Day, d.Division, f.OriginCountry, f.Port, f.DeclaredGrams, f.CommissionedGrams))
		}
		if d.WarehouseEnteredGrams+d.WarehouseReleasedGrams > 0 {
			// One supervision warehouse on this chain: its division's figures are its own.
			wantWarehouse = append(wantWarehouse, fmt.Sprintf("%s %s %s %d %d", d.Day, whU, d.Division, d.WarehouseEnteredGrams, d.WarehouseReleasedGrams))
		}
		if d.Positives+d.PositivesStaff+d.PositivesEnvironment > 0 {
			wantPositives = append(wantPositives, fmt.Sprintf("%s %s %d %d %d %d %d", d.Day, d.Division, d.Positives, d.PositivesStaff, d.PositivesEnvironment, d.Holds, d.BlockedGrams))
		}
		for _, f := range d.Flows {
			wantFlows[fmt.Sprintf("%s %s00 %s00 %s", d.Day, f.SourceDivision[:4], d.Division[:4], f.OriginCountry)] += f.Quantity
		}
		counters := []uint64{d.CodesCommissioned, d.CommissionedGrams, d.QuantityReceivedFromOutside, d.QuantitySold, d.WarehouseEnteredGrams,
			d.WarehouseReleasedGrams, d.DestroyedGrams, d.BlockedGrams, d.Holds, d.Positives, d.PositivesStaff, d.PositivesEnvironment, d.Alerts}
		if slices.ContainsFunc(counters, func(n uint64) bool { return n > 0 }) {
			s := d.Day + " " + d.Division
			for _, n := range counters {
				s += fmt.Sprintf(" %d", n)
			}
			wantDivision = append(wantDivision, s)
		}
	}
	var flows []string
	for k, q := range wantFlows {
		flows = append(flows, fmt.Sprintf("%s %d", k, q))
	}
	for _, tc := range []struct {
		view  string
		query string
		want  []string
		has   string // a row the scenario must produce, so an empty match fails
	}{
		{"imports_per_day", `SELECT day, division, origin, port, declared_grams, commissioned_grams FROM imports_per_day`,
			wantImports, "330100 EC Shanghai Yangshan 60000 60000"},
		{"warehouse_throughput", `SELECT day, warehouse, division, entered_grams, released_grams FROM warehouse_throughput`,
			wantWarehouse, whU + " 330100 60000 40000"},
		{"positives_per_day", `SELECT day, division, positives, positives_staff, positives_environment, holds, blocked_grams FROM positives_per_day`,
			wantPositives, "330100 1 0 0"},
		{"city_flows", `SELECT day, from_city, to_city, origin, quantity FROM city_flows`,
			flows, "330100 330200 EC 8000"},
		{"division_day_figures", `SELECT day, division, codes_commissioned, commissioned_grams, quantity_received_from_outside, quantity_sold,
			warehouse_entered_grams, warehouse_released_grams, destroyed_grams, blocked_grams, holds, positives, positives_staff, positives_environment, alerts
			FROM division_day_figures`, wantDivision, "330203 0 0 8000"},
	} {
		t.Run(tc.view, func(t *testing.T) {
			got := rows(t, db, tc.query)
			for i, r := range got {
				got[i] = strings.Replace(r, "T00:00:00Z", "", 1) // a date column reads as a timestamp
			}
			slices.Sort(got)
			slices.Sort(tc.want)
			t.Logf("%s: %q", tc.view, got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s:\n got %q\nwant %q (the chain's /supervision/stats)", tc.view, got, tc.want)
			}
			if !slices.ContainsFunc(got, func(r string) bool { return strings.Contains(r, tc.has) }) {
				t.Fatalf("%s has no row with %q: %q", tc.view, tc.has, got)
			}
		})
	}

	// init again: the tables stay, the views are replaced, nothing is lost.
	count := func() string {
		return strings.Join(rows(t, db, `SELECT (SELECT count(*) FROM blocks), (SELECT count(*) FROM events), (SELECT count(*) FROM attributes)`), "")
	}
	before := count()
	rep, err := analytics.Init(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaLoaded || !slices.Equal(rep.Views, analytics.ViewNames()) {
		t.Fatalf("second init: %+v", rep)
	}
	if after := count(); after < before || rows(t, db, `SELECT count(*) FROM figure_events`)[0] == "0" {
		t.Fatalf("rows before init %s, after %s", before, after)
	}
}

// TestInitRefuses: a connection string that does not parse, a database
// that does not answer and one with some other tables named like CometBFT's
// are refused with errors that say what to fix.
func TestInitRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, conn, want string }{
		{"bad URL", "postgres://%zz@127.0.0.1/db", "does not parse"},
		{"unterminated quote", "host=127.0.0.1 password='secret", "does not parse"},
		{"nobody listens", fmt.Sprintf("postgres://coldtrace@127.0.0.1:%d/coldtrace?sslmode=disable&connect_timeout=5", testnode.FreePorts(t, 1)[0]), "cannot reach the database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := analytics.Init(ctx, tc.conn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Init(%q): %v, want an error with %q", tc.conn, err, tc.want)
			}
		})
	}
	t.Run("foreign tables", func(t *testing.T) {
		conn := startPostgres(t)
		if _, err := openDB(t, conn).Exec(`CREATE TABLE blocks (id int)`); err != nil {
			t.Fatal(err)
		}
		_, err := analytics.Init(ctx, conn)
		if err == nil || !strings.Contains(err.Error(), "has tables blocks but not tx_results, events, attributes") {
			t.Fatalf("Init on a database with another blocks table: %v", err)
		}
	})
	// Another application's four tables of those names: refused as not
	// the sink's, whichever of CometBFT's columns they lack, and nothing is
	// added to them.
	for _, tc := range []struct{ name, tables string }{
		{"foreign tables of every name", `CREATE TABLE blocks (id int); CREATE TABLE tx_results (id int);
			CREATE TABLE events (id int, name text); CREATE TABLE attributes (id int)`},
		{"foreign tables with a type column", `CREATE TABLE blocks (rowid int, height int); CREATE TABLE tx_results (rowid int);
			CREATE TABLE events (rowid int, block_id int, tx_id int, type text); CREATE TABLE attributes (id int, note text)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := startPostgres(t)
			db := openDB(t, conn)
			if _, err := db.Exec(tc.tables); err != nil {
				t.Fatal(err)
			}
			_, err := analytics.Init(ctx, conn)
			if err == nil || !strings.Contains(err.Error(), "not a database CometBFT's psql sink wrote") {
				t.Fatalf("Init on another application's tables: %v", err)
			}
			if got := rows(t, db, `SELECT indexname FROM pg_indexes WHERE tablename = 'events'`); len(got) != 0 {
				t.Fatalf("indexes on the other events table: %v", got)
			}
		})
	}
}
