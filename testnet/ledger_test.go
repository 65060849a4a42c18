package testnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// ledgerRow is what the test reads back of a CSV row.
type ledgerRow struct {
	received, sender, name, product, batch, code string
	dispatched, got                              uint64
	shortfall, release, inspection, declaration  string
}

// readLedger runs `coldtrace export ledger` and parses its CSV: the
// preamble as key → cells, and the rows.
func readLedger(t *testing.T, bin, home string, args ...string) (map[string][]string, []ledgerRow) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ledger.csv")
	mustCLI(t, bin, home, append([]string{"export", "ledger", "--out", out}, args...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV has no byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	pre := map[string][]string{}
	var rows []ledgerRow
	inRows := false
	for _, rec := range recs {
		switch {
		case strings.HasPrefix(rec[0], "收货时间"):
			inRows = true
		case inRows:
			if len(rec) != 19 {
				t.Fatalf("row of %d cells: %q", len(rec), rec)
			}
			d, _ := strconv.ParseUint(rec[8], 10, 64)
			g, _ := strconv.ParseUint(rec[9], 10, 64)
			rows = append(rows, ledgerRow{received: rec[0], sender: rec[1], name: rec[2], product: rec[3], batch: rec[6], code: rec[7],
				dispatched: d, got: g, shortfall: rec[10], declaration: rec[12], inspection: rec[13], release: rec[15]})
		case len(rec) > 1:
			pre[rec[0]] = rec[1:]
		}
	}
	return pre, rows
}

// TestLedgerExportOnNode: on a real node seeded with the demo, plus a
// consignment received short and one left open, the market's and the
// restaurant's ledgers list every code they received, with the right
// suppliers, quantities and certificates, verified at a height whose app
// hash the file states; the days filter excludes what was received
// outside them; an answer changed on its way fails verification.
func TestLedgerExportOnNode(t *testing.T) {
	bin := sharedBinary(t)
	n := testnode.Start(t, "ledger-e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kr := client.NewKeyring(n.Home)
	seed, err := demo.Seed(ctx, n.Client, demo.Options{Root: n.Root, RootDivision: "330000", Customs: n.Customs,
		Key: func(name string) (ed25519.PrivateKey, error) {
			if k, err := kr.Get(name); err == nil {
				return k, nil
			}
			return kr.Add(name)
		}})
	if err != nil {
		t.Fatal(err)
	}
	imp, market := seed.Keys[demo.KeyImporter], seed.Keys[demo.KeyMarket]
	// A new domestic batch: two cartons to the market, one received 1.5 kg
	// short; a third dispatched and not yet received.
	g := "06971234560094"
	if c, err := types.GS1CheckDigit(g[:13]); err == nil {
		g = g[:13] + string(c)
	}
	short := []string{fmt.Sprintf("/01/%s/10/LG2026-A/21/0001", g), fmt.Sprintf("/01/%s/10/LG2026-A/21/0002", g), fmt.Sprintf("/01/%s/10/LG2026-A/21/0003", g)}
	com := &types.MsgCommission{Batch: "LG2026-A", Facts: &types.ProductFacts{Name: "冷冻鲳鱼 Frozen pomfret", Category: "frozen fish", Gtin: g, OriginCountry: "CN",
		ProductionDate: time.Now().In(types.China).AddDate(0, 0, -5).Format(time.DateOnly), ShelfLifeDays: 365, InspectionCertificate: "IQ-330900-2026-0999"}}
	for _, c := range short {
		com.Codes = append(com.Codes, &types.NewCode{Code: c, Quantity: 10_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	}
	if _, err := n.Client.Send(ctx, imp, com); err != nil {
		t.Fatal(err)
	}
	res, err := n.Client.Send(ctx, imp, &types.MsgDispatch{Buyer: seed.Market, Items: []*types.CodeQuantity{{Code: short[0], Quantity: 10_000}, {Code: short[1], Quantity: 10_000}}})
	if err != nil {
		t.Fatal(err)
	}
	con, _ := hex.DecodeString(eventValue(t, res, "dispatch", "consignment"))
	if _, err := n.Client.Send(ctx, market, &types.MsgReceive{Consignment: con,
		Received: []*types.CodeQuantity{{Code: short[0], Quantity: 10_000}, {Code: short[1], Quantity: 8_500}}}); err != nil {
		t.Fatal(err)
	}
	last, err := n.Client.Send(ctx, imp, &types.MsgDispatch{Buyer: seed.Market, Items: []*types.CodeQuantity{{Code: short[2], Quantity: 10_000}}})
	if err != nil {
		t.Fatal(err)
	}
	// The ledger reads the state under the newest header: wait until it
	// holds the last tx.
	testnode.WaitCommitted(t, n.Client, last.Height+2, 20*time.Second)
	rec := &types.Consignment{}
	if _, err := n.Client.QueryInto(ctx, "/trace/consignment/"+hex.EncodeToString(con), rec); err != nil {
		t.Fatal(err)
	}
	day := time.UnixMilli(rec.ReceivedTimeMs).In(types.China)
	today := day.Format(time.DateOnly)

	pre, rows := readLedger(t, bin, n.Home, "--enterprise", seed.Market, "--from", today, "--to", today)
	// What the market received: the 3 domestic cartons from the importer,
	// 2 released imported cartons from the warehouse, and the 2 new ones.
	type want struct {
		sender       string
		q, got       uint64
		release, dec string
	}
	wants := map[string]want{short[0]: {seed.Importer, 10_000, 10_000, "", ""}, short[1]: {seed.Importer, 10_000, 8_500, "", ""}}
	for _, c := range seed.Domestic {
		wants[c] = want{seed.Importer, 10_000, 10_000, "", ""}
	}
	for _, c := range seed.Imported[:2] {
		wants[c] = want{seed.Warehouse, 20_000, 20_000, "rel", "310120260000654321"}
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(wants), rows)
	}
	for _, r := range rows {
		w, ok := wants[r.code]
		if !ok {
			t.Fatalf("row of a code the market did not receive: %+v", r)
		}
		delete(wants, r.code)
		if r.sender != w.sender || r.name != seed.Names[w.sender] || r.dispatched != w.q || r.got != w.got || r.declaration != w.dec || !strings.HasPrefix(r.received, today) {
			t.Errorf("row %+v, want %+v", r, w)
		}
		if (w.release != "") != (r.release != "") {
			t.Errorf("%s: release certificate %q", r.code, r.release)
		}
		if want := map[bool]string{true: "1500", false: ""}[r.code == short[1]]; r.shortfall != want {
			t.Errorf("%s: shortfall %q, want %q", r.code, r.shortfall, want)
		}
		if strings.Contains(r.code, "EC2026-A") && (r.inspection != "IQ-310100-2026-0042" || r.product != demo.ImportedName) {
			t.Errorf("imported row %+v", r)
		}
	}
	// The file states the chain, the height and the app hash, which the
	// header after that height carries.
	if pre["链 Chain"][0] != "ledger-e2e" {
		t.Fatalf("chain %q", pre["链 Chain"])
	}
	h, err := strconv.ParseInt(pre["核验高度 Verified at height"][0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := n.Client.RPC().Commit(ctx, &[]int64{h + 1}[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := pre["应用哈希 App hash"][0]; got != fmt.Sprintf("%X", []byte(hdr.AppHash)) {
		t.Fatalf("app hash %s, header %d has %X", got, h+1, hdr.AppHash)
	}

	// The days filter: nothing the day before or after.
	for _, f := range [][]string{{"--to", day.AddDate(0, 0, -1).Format(time.DateOnly)}, {"--from", day.AddDate(0, 0, 1).Format(time.DateOnly)}} {
		if _, rows := readLedger(t, bin, n.Home, append([]string{"--enterprise", seed.Market}, f...)...); len(rows) != 0 {
			t.Errorf("%v: %d rows", f, len(rows))
		}
	}

	// The restaurant: one domestic and one imported carton from the market.
	_, rows = readLedger(t, bin, n.Home, "--enterprise", seed.Restaurant)
	if len(rows) != 2 || rows[0].sender != seed.Market || rows[1].sender != seed.Market {
		t.Fatalf("restaurant rows %+v", rows)
	}
	got := map[string]bool{rows[0].code: true, rows[1].code: true}
	if !got[seed.Domestic[1]] || !got[seed.Imported[0]] {
		t.Fatalf("restaurant codes %v", got)
	}

	// The PDF: the label font embedded, the rows printed.
	pdf := filepath.Join(t.TempDir(), "ledger.pdf")
	mustCLI(t, bin, n.Home, "export", "ledger", "--enterprise", seed.Restaurant, "--format", "pdf", "--out", pdf)
	b, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) || !bytes.Contains(b, []byte("/FontFile2")) {
		t.Fatalf("not a PDF with an embedded font (%v)", err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil || os.Getenv("CI") != "" {
		text, err := exec.Command("pdftotext", pdf, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v: %s", err, text)
		}
		for _, w := range []string{"湖畔餐厅", "杭州水产品批发市场", "冷冻白虾", "IQ-310100-2026-0042", "ledger-e2e"} {
			if !strings.Contains(string(text), w) {
				t.Errorf("the PDF does not print %q", w)
			}
		}
	}

	// A node (or a man in the middle) that changes a record fails.
	proxy := ledgerTamperingProxy(t, n.RPC)
	_, errOut, err := cli(t, bin, n.Home, "export", "ledger", "--enterprise", seed.Market, "--node", proxy.URL, "--out", filepath.Join(t.TempDir(), "x.csv"))
	if err == nil || !strings.Contains(errOut, "verification failed") {
		t.Fatalf("a tampered answer: %v\n%s", err, errOut)
	}
}

// ledgerTamperingProxy forwards RPC to the node and changes one byte of
// every ABCI query answer's value.
func ledgerTamperingProxy(t *testing.T, rpc string) *httptest.Server {
	t.Helper()
	target, err := url.Parse("http://" + strings.TrimPrefix(rpc, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(res *http.Response) error {
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		var msg map[string]any
		if json.Unmarshal(raw, &msg) == nil {
			if result, ok := msg["result"].(map[string]any); ok {
				if resp, ok := result["response"].(map[string]any); ok {
					if v, ok := resp["value"].(string); ok && v != "" {
						b := []byte(v)
						if b[0] == 'C' {
							b[0] = 'D'
						} else {
							b[0] = 'C'
						}
						resp["value"] = string(b)
						raw, _ = json.Marshal(msg)
					}
				}
			}
		}
		res.Body = io.NopCloser(bytes.NewReader(raw))
		res.ContentLength = int64(len(raw))
		res.Header.Set("Content-Length", strconv.Itoa(len(raw)))
		return nil
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv
}

// TestReadmeLedger: the README's ledger section works when pasted after
// `coldtrace demo` on a home made as `make run` makes it.
func TestReadmeLedger(t *testing.T) {
	const from, to = "## An operator's goods-received ledger", "## Enterprise systems: EPCIS 2.0 capture"
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, from), strings.Index(text, to)
	if i < 0 || j < i {
		t.Fatalf("README has no section %q", from)
	}
	var script strings.Builder
	for _, l := range strings.Split(text[i:j], "\n") {
		if strings.HasPrefix(l, "    ") {
			script.WriteString(strings.TrimPrefix(l, "    ") + "\n")
		}
	}
	if !strings.Contains(script.String(), "export ledger") {
		t.Fatalf("no ledger command in the section:\n%s", script.String())
	}
	bin := sharedBinary(t)
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(work, "build", "coldtrace")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, bin, home, "init", "--keyring-backend", "test", "--block-time", "200ms",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)
	mustCLI(t, bin, home, "demo")
	cmd := exec.Command("bash", "-c", "set -eu\n"+script.String())
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "COLDTRACE_HOME="+home, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's ledger section: %v\n%s", err, out)
	}
	csvOut, err := os.ReadFile(filepath.Join(work, "market-ledger.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The market received 3 domestic and 2 imported cartons today.
	for _, want := range []string{"/ZS2026-A/21/0001", "/ZS2026-A/21/0003", "/EC2026-A/21/0002", "杭州冷链食品集中监管仓"} {
		if !strings.Contains(string(csvOut), want) {
			t.Errorf("market-ledger.csv lacks %q:\n%s", want, csvOut)
		}
	}
	pdf, err := os.ReadFile(filepath.Join(work, "restaurant-ledger.pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("restaurant-ledger.pdf: %v", err)
	}
	if !strings.Contains(string(out), "wrote market-ledger.csv: 5 rows") {
		t.Errorf("the command's report:\n%s", out)
	}
}
