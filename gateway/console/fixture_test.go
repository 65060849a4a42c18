package console

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/fixture"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

// The console's tests run on one real in-process node (the gateway's
// fixture: the demo scenario and a few codes more).
var fx *fixture.Fixture

const testToken = "console-test-token"

func TestMain(m *testing.M) { fixture.Main(m, func(f *fixture.Fixture) { fx = f }) }

// memReports are consumer reports kept in memory.
type memReports struct {
	mu   sync.Mutex
	list []web.Report
}

func (m *memReports) Count() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.list) }
func (m *memReports) Newest(n int) []web.Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []web.Report
	for i := len(m.list) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, m.list[i])
	}
	return out
}

// testConfig is a console on the fixture node, verified from its genesis.
func testConfig(t testing.TB) Config {
	c, err := client.Dial(fx.RPC)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Verifier: web.NewVerifier(c, fx.Trust), Reports: &memReports{}, Token: testToken, Division: "33",
		LoopbackOnly: true, SignInRate: 1000, SignInBurst: 1000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func newConsole(t testing.TB, mod func(*Config)) *Console {
	t.Helper()
	cfg := testConfig(t)
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get(t *testing.T, h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return fixture.Get(t, h, target, hdr...)
}

func post(t *testing.T, h http.Handler, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return fixture.Post(t, h, target, form, hdr...)
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	return fixture.WantStatus(t, w, status)
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	fixture.WantContains(t, body, subs...)
}
