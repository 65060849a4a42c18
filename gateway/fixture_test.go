package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/coldtrace/coldtrace/gateway/internal/fixture"
)

var fx *fixture.Fixture

const testToken = "console-test-token"

func TestMain(m *testing.M) { fixture.Main(m, func(f *fixture.Fixture) { fx = f }) }

// testConfig is a gateway on the fixture node with limits high enough for
// the tests' bursts.
func testConfig() Config {
	return Config{Listen: "127.0.0.1:0", ConsoleListen: "127.0.0.1:0", NodeRPC: fx.RPC, Trust: fx.Trust,
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

func get(t *testing.T, h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return fixture.Get(t, h, target, hdr...)
}

func post(t *testing.T, h http.Handler, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return fixture.Post(t, h, target, form, hdr...)
}

func request(t *testing.T, h http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return fixture.Request(t, h, method, target, body, hdr...)
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	return fixture.WantStatus(t, w, status)
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	fixture.WantContains(t, body, subs...)
}

func wantLacks(t *testing.T, body string, subs ...string) {
	t.Helper()
	fixture.WantLacks(t, body, subs...)
}

// apiError is the body of every API error.
type apiError struct {
	Error struct {
		Status  int    `json:"status"`
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}
