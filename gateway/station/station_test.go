package station

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

func newStation(t *testing.T, n *testnode.Node, cfg Config) http.Handler {
	t.Helper()
	c, err := client.Dial(n.RPC)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Verifier = web.NewVerifier(c, client.Trust{Genesis: n.Genesis})
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler()
}

func do(t *testing.T, h http.Handler, method, target string, body []byte, hdr ...string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.RemoteAddr = "192.0.2.7:4000"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out map[string]any
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: the answer is not JSON: %v\n%s", method, target, err, w.Body.String())
		}
	}
	return w, out
}

// TestRelay sends signed bytes through the gateway: a good tx is committed,
// a stale sequence is refused at CheckTx (its sequence unused, the
// expected one given), so is a registration already made (what to do, in
// both languages), garbage and oversized
// bodies never reach the node, and a client IP over its rate gets 429.
func TestRelay(t *testing.T) {
	n := testnode.StartWith(t, testnode.Options{ChainID: "station-relay", NoMetrics: true})
	h := newStation(t, n, Config{RelayRate: 0.01, RelayBurst: 6})
	ctx := context.Background()
	acct, err := n.Client.Account(ctx, n.Root.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(seq uint64) []byte {
		raw, err := client.SignTx(n.Root, "station-relay", seq, "", &types.MsgRegisterEnterprise{Uscc: "91330106MA2KKKK02Y", Name: "西湖超市",
			Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: "330106", Keys: [][]byte{pubOf(seq)}})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	raw := sign(acct.Sequence)
	w, out := do(t, h, "POST", "/scan/api/tx", raw)
	if w.Code != 200 || out["status"] != "committed" || out["hash"] != strings.ToUpper(hex.EncodeToString(client.TxHash(raw))) || out["sequence_used"] != true {
		t.Fatalf("a good tx: %d %v", w.Code, out)
	}
	w, out = do(t, h, "GET", "/scan/api/tx/"+out["hash"].(string), nil)
	if w.Code != 200 || out["status"] != "committed" || out["height"].(float64) <= 0 {
		t.Fatalf("looking the tx up: %d %v", w.Code, out)
	}
	// The same enterprise again: refused at CheckTx (code 19), its sequence unused.
	w, out = do(t, h, "POST", "/scan/api/tx", sign(acct.Sequence+1))
	if w.Code != 200 || out["status"] != "refused" || out["code"] != float64(19) || out["sequence_used"] != false || out["height"] != nil {
		t.Fatalf("a tx refused in its block: %d %v", w.Code, out)
	}
	if hint := out["hint"].(map[string]any); hint["zh"] != hintsZH[19] || !strings.Contains(hint["en"].(string), "already registered") {
		t.Fatalf("the refusal's hint: %v", hint)
	}
	stale, err := client.SignTx(n.Root, "station-relay", acct.Sequence, "stale", &types.MsgRegisterEnterprise{Uscc: "91330106MA2KKKK02Y", Name: "西湖超市",
		Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: "330106", Keys: [][]byte{pubOf(9)}})
	if err != nil {
		t.Fatal(err)
	}
	w, out = do(t, h, "POST", "/scan/api/tx", stale)
	if w.Code != 200 || out["status"] != "refused" || out["code"] != float64(6) || out["sequence_used"] != false || out["expected_sequence"] != float64(acct.Sequence+1) {
		t.Fatalf("a replayed sequence: %d %v", w.Code, out)
	}
	w, out = do(t, h, "POST", "/scan/api/tx", []byte("not a tx"))
	if w.Code != 422 || out["code"] != float64(3) {
		t.Fatalf("garbage: %d %v", w.Code, out)
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-1] ^= 1
	if w, out = do(t, h, "POST", "/scan/api/tx", bad); w.Code != 422 || out["code"] != float64(4) {
		t.Fatalf("a broken signature: %d %v", w.Code, out)
	}
	if w, _ = do(t, h, "POST", "/scan/api/tx", make([]byte, MaxTxBytes+1)); w.Code != 413 {
		t.Fatalf("an oversized body: %d", w.Code)
	}
	if w, _ = do(t, h, "POST", "/scan/api/tx", nil); w.Code != 429 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over the rate: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func pubOf(seq uint64) []byte {
	seed := make([]byte, 32)
	seed[0] = byte(seq)
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// TestSignedReads: quantities are answered only to a request signed by a
// registered key, now, for that very path.
func TestSignedReads(t *testing.T) {
	n := testnode.StartWith(t, testnode.Options{ChainID: "station-reads", NoMetrics: true})
	h := newStation(t, n, Config{})
	now := time.Now()
	stranger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	cases := []struct {
		name   string
		auth   string
		status int
		kind   string
	}{
		{"no header", "", 401, "unauthorized"},
		{"malformed", "abc", 401, "unauthorized"},
		{"signed for another path", ReadAuth(n.Root, now, "/scan/api/code?code=x"), 401, "unauthorized"},
		{"signed an hour ago", ReadAuth(n.Root, now.Add(-time.Hour), "/scan/api/inbound"), 401, "unauthorized"},
		{"a key nobody registered", ReadAuth(stranger, now, "/scan/api/inbound"), 403, "not_enrolled"},
		{"the root regulator's key", ReadAuth(n.Root, now, "/scan/api/inbound"), 200, ""},
	}
	for _, tc := range cases {
		w, out := do(t, h, "GET", "/scan/api/inbound", nil, "X-Station-Auth", tc.auth)
		if w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body.String(), tc.status)
			continue
		}
		if tc.kind != "" && out["error"].(map[string]any)["kind"] != tc.kind {
			t.Errorf("%s: %v, want kind %s", tc.name, out, tc.kind)
		}
	}
	w, out := do(t, h, "GET", "/scan/api/account/"+hex.EncodeToString(n.Root.Public().(ed25519.PublicKey)), nil)
	if w.Code != 200 || out["enrolled"] != true || out["owner_kind"] != "regulator" || out["chain_id"] != "station-reads" || out["time_ms"].(float64) <= 0 {
		t.Fatalf("the root's account: %d %v", w.Code, out)
	}
	w, out = do(t, h, "GET", "/scan/api/parse?code="+strings.ReplaceAll("]d2010952123454321310B1\x1d21S1", "\x1d", "%1D"), nil)
	if w.Code != 200 || out["code"] != "/01/09521234543213/10/B1/21/S1" {
		t.Fatalf("parse: %d %v", w.Code, out)
	}
	w, _ = do(t, h, "GET", "/scan", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "扫码工作站") || !strings.Contains(w.Header().Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Fatalf("the page: %d %s", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	w, _ = do(t, h, "GET", "/scan?lang=en", nil)
	if !strings.Contains(w.Body.String(), "Scan station") {
		t.Fatal("the page in English lacks its title")
	}
}

// TestHintsCoverEveryCode: every refusal the chain can give has a Chinese
// hint for the operator beside types' English one.
func TestHintsCoverEveryCode(t *testing.T) {
	for _, e := range types.Errors() {
		if hintsZH[e.Code] == "" {
			t.Errorf("code %d (%s) has no Chinese hint", e.Code, e.Name)
		}
		if h := HintFor(e.Code); h.EN != e.Desc {
			t.Errorf("code %d: English hint %q, want types' %q", e.Code, h.EN, e.Desc)
		}
	}
}

// TestScriptBudget: the station's script stays light for phones on a weak
// signal (docs/PERFORMANCE.md): at most 200 KB compressed.
func TestScriptBudget(t *testing.T) {
	js, err := files.ReadFile("static/station.js")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	if buf.Len() > 200<<10 || len(js) < 10<<10 {
		t.Fatalf("station.js is %d bytes, %d compressed: want a built bundle of at most 200 KB compressed (make station-js)", len(js), buf.Len())
	}
	t.Logf("station.js: %d bytes, %d gzipped", len(js), buf.Len())
}
