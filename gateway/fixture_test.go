package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// fixture is one real in-process node for the whole package, seeded with
// the demo scenario and a few codes more: a recalled batch (with a native
// code), an expired batch-level code and a pallet (SSCC).
type fixture struct {
	home  string
	rpc   string
	c     *client.Client
	trust client.Trust
	seed  *demo.Result

	recalled, native, expired, sscc, palletItem string
	destroyedRecalled                           string // of the recalled batch, destroyed after the recall
	recallReason                                string
	rootDivision                                string
}

var fx *fixture

const testToken = "console-test-token"

func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "gateway-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var n *testnode.Node
	code := func() int {
		f, nn, err := startFixture(home)
		n = nn
		if err != nil {
			fmt.Fprintln(os.Stderr, "gateway test fixture:", err)
			if b, _ := os.ReadFile(filepath.Join(home, "node.log")); len(b) > 0 {
				tail := string(b)
				if len(tail) > 4000 {
					tail = tail[len(tail)-4000:]
				}
				fmt.Fprintln(os.Stderr, tail)
			}
			return 1
		}
		fx = f
		return m.Run()
	}()
	if n != nil {
		n.Stop()
	}
	os.RemoveAll(home)
	os.Exit(code)
}

func startFixture(home string) (*fixture, *testnode.Node, error) {
	start := time.Now()
	n, err := testnode.Launch(home, testnode.Options{ChainID: "gateway-test", NoMetrics: true})
	if err != nil {
		return nil, n, err
	}
	f := &fixture{home: home, rpc: n.RPC, c: n.Client, trust: client.Trust{Genesis: n.Genesis}, rootDivision: "330000"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kr := client.NewKeyring(home)
	root, customs := n.Root, n.Customs
	keyOf := func(name string) (ed25519.PrivateKey, error) {
		if k, err := kr.Get(name); err == nil {
			return k, nil
		}
		return kr.Add(name)
	}
	if f.seed, err = demo.Seed(ctx, f.c, demo.Options{Root: root, RootDivision: f.rootDivision, Customs: customs, Key: keyOf}); err != nil {
		return nil, n, err
	}
	if err := f.extras(ctx); err != nil {
		return nil, n, err
	}
	fmt.Fprintf(os.Stderr, "gateway test fixture ready in %s\n", time.Since(start).Round(time.Millisecond))
	return f, n, nil
}

func gtin13(first13 string) string {
	c, _ := types.GS1CheckDigit(first13)
	return first13 + string(c)
}

// extras adds what the demo does not have: a recall, an expired batch, a
// pallet, and a supplier name full of markup.
func (f *fixture) extras(ctx context.Context) error {
	s := f.seed
	imp := s.Keys[demo.KeyImporter]
	grams := types.QuantityUnit_QUANTITY_UNIT_GRAMS
	// A recalled batch: one GTIN code, one native code.
	g3, g4, g5 := gtin13("0697123456003"), gtin13("0697123456004"), gtin13("0697123456005")
	f.recalled = fmt.Sprintf("/01/%s/10/RC2026-A/21/0001", g3)
	res, err := f.c.Send(ctx, imp, &types.MsgCommission{Batch: "RC2026-A", Facts: &types.ProductFacts{
		Name: "冷冻鱿鱼 Frozen squid", Category: "frozen seafood", Gtin: g3, OriginCountry: "CN", ProductionDate: time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly),
		ShelfLifeDays: 365, Supplier: "宁波海洋食品有限公司"},
		Codes: []*types.NewCode{{Code: f.recalled, Quantity: 5000, Unit: grams}, {Quantity: 5000, Unit: grams}, {Code: fmt.Sprintf("/01/%s/10/RC2026-A/21/0002", g3), Quantity: 3000, Unit: grams}}})
	if err != nil {
		return fmt.Errorf("commission recall batch: %w", err)
	}
	f.destroyedRecalled = fmt.Sprintf("/01/%s/10/RC2026-A/21/0002", g3)
	for _, e := range res.Events {
		for _, a := range e.Attributes {
			if e.Type == "issued_code" && a.Key == "code" {
				f.native = a.Value
			}
		}
	}
	if f.native == "" {
		return fmt.Errorf("no native code issued: %v", res.Events)
	}
	f.recallReason = "同批次产品检出副溶血性弧菌超标"
	if _, err := f.c.Send(ctx, s.CityKey, &types.MsgRecall{Batch: s.Importer + "/RC2026-A", Reason: f.recallReason}); err != nil {
		return fmt.Errorf("recall: %w", err)
	}
	if _, err := f.c.Send(ctx, s.CityKey, &types.MsgDestroy{Code: f.destroyedRecalled, Holder: s.Importer, Quantity: 3000, Method: "incineration"}); err != nil {
		return fmt.Errorf("destroy a recalled code: %w", err)
	}
	// An expired batch, with a batch-level code (no serial).
	f.expired = fmt.Sprintf("/01/%s/10/EX2024-A", g4)
	if _, err := f.c.Send(ctx, imp, &types.MsgCommission{Batch: "EX2024-A", Facts: &types.ProductFacts{
		Name: "冷冻虾仁 Frozen peeled shrimp", Category: "frozen seafood", Gtin: g4, OriginCountry: "CN", ProductionDate: "2024-01-05",
		ShelfLifeDays: 30, Supplier: "湛江水产有限公司"},
		Codes: []*types.NewCode{{Code: f.expired, Quantity: 12_000, Unit: grams}}}); err != nil {
		return fmt.Errorf("commission expired batch: %w", err)
	}
	// A pallet of two cartons, from a supplier whose name is markup.
	ssccBody := "0697123400000001"
	c, _ := types.GS1CheckDigit("0" + ssccBody)
	f.sscc = "/00/0" + ssccBody + string(c)
	f.palletItem = fmt.Sprintf("/01/%s/10/PL2026-A/21/0001", g5)
	if _, err := f.c.Send(ctx, imp, &types.MsgCommission{Batch: "PL2026-A", Facts: &types.ProductFacts{
		Name: "冷冻鳕鱼 <b>Frozen cod</b>", Category: "frozen fish", Gtin: g5, OriginCountry: "NO", ProductionDate: time.Now().UTC().AddDate(0, 0, -5).Format(time.DateOnly),
		ShelfLifeDays: 365, Supplier: `<script>alert("x")</script> & Sons`},
		Codes: []*types.NewCode{{Code: f.palletItem, Quantity: 8000, Unit: grams}, {Code: fmt.Sprintf("/01/%s/10/PL2026-A/21/0002", g5), Quantity: 8000, Unit: grams}}}); err != nil {
		return fmt.Errorf("commission pallet batch: %w", err)
	}
	if _, err := f.c.Send(ctx, imp, &types.MsgAggregate{Unit: f.sscc, Items: []*types.CodeQuantity{
		{Code: f.palletItem, Quantity: 8000}, {Code: fmt.Sprintf("/01/%s/10/PL2026-A/21/0002", g5), Quantity: 8000}}}); err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	return nil
}

// testConfig is a gateway on the fixture node with limits high enough for
// the tests' bursts.
func testConfig() Config {
	return Config{Listen: "127.0.0.1:0", ConsoleListen: "127.0.0.1:0", NodeRPC: fx.rpc, Trust: fx.trust,
		PublicBase: "https://trace.example.cn", ConsoleToken: testToken, RateLimit: 1000, RateBurst: 1000, ReportRate: 1000, ReportBurst: 1000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func newServer(t *testing.T, mod func(*Config)) *Server {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

// request runs one request against h from a loopback client.
func request(t *testing.T, h http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "127.0.0.1:40000"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if method == http.MethodPost && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func get(t *testing.T, h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return request(t, h, http.MethodGet, target, nil, hdr...)
}

func post(t *testing.T, h http.Handler, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return request(t, h, http.MethodPost, target, strings.NewReader(form.Encode()), hdr...)
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	body := w.Body.String()
	if w.Code != status {
		if len(body) > 1500 {
			body = body[:1500]
		}
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, body)
	}
	return body
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

func wantLacks(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("the page shows %q", s)
		}
	}
}
