package capture

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

const testToken = "unit-test-token-0123456789"

// fakeChain knows one lot code and commits every tx at height 7.
type fakeChain struct {
	mu   sync.Mutex
	sent [][]proto.Message
}

func (f *fakeChain) Code(_ context.Context, code string) (*types.CodeRecord, error) {
	if code == "/01/09521234543213/10/L1" {
		return &types.CodeRecord{Code: code, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, Commissioned: 20_000}, nil
	}
	return nil, nil
}
func (f *fakeChain) Inbound(context.Context, string) ([]*types.Consignment, error) { return nil, nil }
func (f *fakeChain) Params(context.Context) (*types.Params, error)                 { return types.DefaultParams(), nil }
func (f *fakeChain) Wait(_ context.Context, h []byte) (*client.TxResult, error) {
	return &client.TxResult{Hash: h, Height: 7}, nil
}
func (f *fakeChain) Broadcast(_ context.Context, msgs ...proto.Message) (*client.TxResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, msgs)
	return &client.TxResult{Hash: []byte{byte(len(f.sent))}}, nil
}

func newTestHandler(t testing.TB, dir string, size int, mod func(*Config)) (*Handler, *fakeChain) {
	t.Helper()
	f := &fakeChain{}
	cfg := Config{Enterprise: "91330100MA2CAPTA1C", Chain: f, Sender: f, JobsDir: dir, Token: testToken,
		TxSize: func([]proto.Message) (int, error) { return size, nil }, FileSizeLimit: 4096}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, f
}

func call(h http.Handler, method, path, token string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func sell(kg string) string {
	return `{"type":"ObjectEvent","eventTime":"` + time.Now().UTC().Format(time.RFC3339) + `","action":"OBSERVE","bizStep":"retail_selling","quantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213/10/L1","quantity":` + kg + `,"uom":"KGM"}]}`
}

func doc(events ...string) string {
	return `{"type":"EPCISDocument","schemaVersion":"2.0","epcisBody":{"eventList":[` + strings.Join(events, ",") + `]}}`
}

// TestCaptureHTTP: what is answered at once, by status and problem type.
func TestCaptureHTTP(t *testing.T) {
	h, _ := newTestHandler(t, t.TempDir(), 100, nil)
	big := doc(sell("1")) + strings.Repeat(" ", 5000)
	cases := []struct {
		name, method, token string
		hdr                 map[string]string
		body                string
		status              int
		problem             string
	}{
		{"no token", "POST", "", nil, doc(sell("1")), 401, "SecurityException"},
		{"wrong token", "POST", "x" + testToken, nil, doc(sell("1")), 401, "SecurityException"},
		{"prefix of the token", "POST", testToken[:10], nil, doc(sell("1")), 401, "SecurityException"},
		{"query without token", "GET", "", nil, "", 401, "SecurityException"},
		{"not JSON", "POST", testToken, nil, "{", 400, "ValidationException"},
		{"two values", "POST", testToken, nil, doc(sell("1")) + "{}", 400, "ValidationException"},
		{"no events", "POST", testToken, nil, doc(), 400, "ValidationException"},
		{"not a document", "POST", testToken, nil, `{"type":"ObjectEvent"}`, 400, "ValidationException"},
		{"too large", "POST", testToken, nil, big, 413, "CaptureLimitExceededException"},
		{"behaviour", "POST", testToken, map[string]string{"GS1-Capture-Error-Behaviour": "all"}, doc(sell("1")), 400, "ValidationException"},
		{"media type", "POST", testToken, map[string]string{"Content-Type": "application/xml"}, doc(sell("1")), 415, "UnsupportedMediaType"},
		{"version", "POST", testToken, map[string]string{"GS1-EPCIS-Version": "1.2"}, doc(sell("1")), 406, "NotAcceptable"},
		{"unknown job", "GET", testToken, nil, "", 404, "NoSuchResourceException"},
		{"accepted", "POST", testToken, nil, doc(sell("1")), 202, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/capture"
			if tc.method == "GET" {
				path = "/capture/id0000000000000000"
			}
			w := call(h, tc.method, path, tc.token, tc.hdr, tc.body)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.problem) {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.status, tc.problem)
			}
			if tc.problem != "" && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
			if tc.status == 202 && !strings.HasPrefix(w.Header().Get("Location"), "/capture/id") {
				t.Fatalf("Location %q", w.Header().Get("Location"))
			}
		})
	}
}

// TestCaptureRollbackTooLarge: a document whose one tx exceeds
// params.max_tx_bytes is refused with 413 and nothing is sent; proceed
// takes it.
func TestCaptureRollbackTooLarge(t *testing.T) {
	h, f := newTestHandler(t, t.TempDir(), int(types.DefaultParams().MaxTxBytes)+1, nil)
	w := call(h, "POST", "/capture", testToken, nil, doc(sell("1"), sell("2")))
	if w.Code != 413 || !strings.Contains(w.Body.String(), "max_tx_bytes") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = call(h, "POST", "/capture", testToken, map[string]string{"GS1-Capture-Error-Behaviour": "proceed"}, doc(sell("1"), sell("2")))
	if w.Code != 202 {
		t.Fatalf("proceed: %d %s", w.Code, w.Body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if j, _ := h.jobs.get(strings.TrimPrefix(w.Header().Get("Location"), "/capture/")); !j.Running {
			if !j.Success || j.Events[1].Status != StatusCommitted || j.Events[1].Height != 7 {
				t.Fatalf("%+v", j.Events[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not finish")
		}
	}
	if len(f.sent) != 2 {
		t.Fatalf("sent %d txs, want 2 (proceed only)", len(f.sent))
	}
}

// TestCaptureOptions: OPTIONS states the limits the bindings define.
func TestCaptureOptions(t *testing.T) {
	h, _ := newTestHandler(t, t.TempDir(), 100, nil)
	w := call(h, "OPTIONS", "/capture", testToken, nil, "")
	want := map[string]string{"GS1-EPCIS-Capture-Limit": "500", "GS1-EPCIS-Capture-File-Size-Limit": "4096", "GS1-Capture-Error-Behaviour": "all",
		"GS1-EPCIS-Version": "2.0.0", "Allow": "OPTIONS, POST, GET", "Coldtrace-Rollback-Capture-Limit": "100", "Coldtrace-Max-Tx-Bytes": "65536"}
	if w.Code != 204 {
		t.Fatalf("%d", w.Code)
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestCaptureInterrupted: a job a stopped server left running is closed on
// the next start, each event saying whether it reached the chain.
func TestCaptureInterrupted(t *testing.T) {
	dir := t.TempDir()
	j := &Job{CaptureID: "id00112233445566aa", CreatedAt: "2026-11-26T08:00:00Z", Running: true, Success: true, CaptureErrorBehaviour: Proceed, Errors: []*Problem{},
		Events: []*Result{{Index: 0, Status: StatusCommitted, TxHash: "aa", Height: 3}, {Index: 1, Status: StatusPending, TxHash: "bb"}, {Index: 2, Status: StatusPending}}}
	b, _ := json.Marshal(j)
	if err := os.WriteFile(filepath.Join(dir, j.CaptureID+".json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _ := newTestHandler(t, dir, 100, nil)
	w := call(h, "GET", "/capture/"+j.CaptureID, testToken, nil, "")
	got := &Job{}
	if err := json.Unmarshal(w.Body.Bytes(), got); err != nil {
		t.Fatal(err)
	}
	if got.Running || got.Success || got.Events[0].Status != StatusCommitted || got.Events[1].Status != StatusFateUnknown || got.Events[2].Status != StatusNotRecorded || len(got.Errors) != 1 {
		t.Fatalf("%s", w.Body)
	}
	// Written back: a second start reads it closed.
	b, _ = os.ReadFile(filepath.Join(dir, j.CaptureID+".json"))
	if bytes.Contains(b, []byte(`"running": true`)) {
		t.Fatalf("the file still says running: %s", b)
	}
	if err := os.WriteFile(filepath.Join(dir, "id0123456789abcdef.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Enterprise: "x", Chain: &fakeChain{}, Sender: &fakeChain{}, TxSize: func([]proto.Message) (int, error) { return 0, nil }, JobsDir: dir, Token: testToken}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("a damaged job file: %v", err)
	}
}

// TestCaptureClientCertificates: with client certificates required, a
// caller presenting one the CA issued is served, one without gets 401.
func TestCaptureClientCertificates(t *testing.T) {
	h, _ := newTestHandler(t, t.TempDir(), 100, func(c *Config) { c.Token, c.ClientCerts = "", true })
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	cliKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cliTpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "erp"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	cliDER, _ := x509.CreateCertificate(rand.Reader, cliTpl, ca, &cliKey.PublicKey, caKey)

	srv := httptest.NewUnstartedServer(h)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv.TLS = &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	defer srv.Close()
	for name, certs := range map[string][]tls.Certificate{"without": nil, "with": {{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}}} {
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.Certificates = certs
		req, _ := http.NewRequest("OPTIONS", srv.URL+"/capture", nil)
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		want := 401
		if name == "with" {
			want = 204
		}
		if res.StatusCode != want {
			t.Errorf("%s a certificate: %d, want %d", name, res.StatusCode, want)
		}
	}
}

// TestQueryRefusals: a query without a code or lot to anchor it, or with a
// parameter the interface does not serve, is a 400 that says why.
func TestQueryRefusals(t *testing.T) {
	q := QueryHandler(QueryConfig{Reader: nil, ChainID: func(context.Context) (string, error) { return "c", nil }})
	for path, want := range map[string]string{
		"/epcis/events?EQ_bizStep=shipping":           "MATCH_epc",
		"/epcis/events?MATCH_epc=x":                   "MATCH_epc x",
		"/epcis/events?EQ_readPoint=x&MATCH_epc=x":    "EQ_readPoint",
		"/epcis/events?perPage=0&MATCH_epcClass=x":    "perPage",
		"/epcis/events?MATCH_epcClass=https://x/lot/": "MATCH_epcClass",
	} {
		w := call(q, "GET", path, "", nil, "")
		if w.Code != 400 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), "epcisException:Query") {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
}

// TestDocsEPCIS: docs/EPCIS.md names every query parameter served.
func TestDocsEPCIS(t *testing.T) {
	b, err := os.ReadFile("../docs/EPCIS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range QueryParams() {
		if !strings.Contains(string(b), "`"+p+"`") {
			t.Errorf("docs/EPCIS.md does not name the query parameter %s", p)
		}
	}
	for _, s := range []string{StatusCommitted, StatusRefused, StatusNotRecorded, StatusFateUnknown} {
		if !strings.Contains(string(b), "`"+s+"`") {
			t.Errorf("docs/EPCIS.md does not name the status %s", s)
		}
	}
}
