package console

import (
	"crypto/ed25519"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/internal/fixture"
)

// The console's fuzz targets send what a browser or an attacker can put on
// the wire through the real handlers, on the fixture node: every answer
// must be well formed (fixture.CheckResponse), and no 5xx but 503 (the
// node did not answer in time).

var (
	fuzzOnce sync.Once
	fuzzCon  *Console
)

func fuzzConsole(t testing.TB) *Console {
	fuzzOnce.Do(func() {
		fuzzCon = newConsole(t, func(c *Config) { c.QueryTimeout = 4 * time.Second })
	})
	return fuzzCon
}

// consoleSeeds are the console's pages and forms with their query strings.
func consoleSeeds() []string {
	return []string{
		"/console", "/console/", "/console/login", "/console/search?q=" + url.QueryEscape(fx.Seed.Importer),
		"/console/search?q=%E5%86%B7", "/console/code?code=" + url.QueryEscape(fx.Recalled),
		"/console/batch?batch=" + url.QueryEscape(fx.Seed.Importer+"/RC2026-A"), "/console/enterprise/" + fx.Seed.Importer,
		"/console/enterprise/%2F..%2F", "/console/alerts", "/console/alerts/1?comment=ok&key=hangzhou", "/console/alerts/-1",
		"/console/alerts/99999999999999999999", "/console/holds", "/console/flows?from=2020-01-01&to=2030-12-31&division=3301",
		"/console/flows?from=0000-00-00", "/console/reports?page=2", "/api/v1/alerts?limit=1", "/console/nothing", "/static/style.css",
		"/console/flows?division=3302", "/console/flows?division=33&from=2020-01-01", "/api/v1/stats?division=3301&from=2020-01-01",
		"/console/challenge", "/console/signin?c=AAAA&k=00&s=00", "/console/signin?next=%2F%2Fevil.example",
		strings.TrimPrefix(signin.Sign(signin.Challenge{Challenge: strings.Repeat("A", 43), ChainID: "gateway-test"}, ed25519.NewKeyFromSeed(make([]byte, 32)), nil).Link("http://x"), "http://x"),
	}
}

// FuzzConsolePaths sends GET requests with any path and query string to
// the regulator console, authorized by the token.
func FuzzConsolePaths(f *testing.F) {
	for _, s := range consoleSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		h := fuzzConsole(t).Handler()
		r, ok := fixture.FuzzRequest(http.MethodGet, target, nil, "Authorization", "Bearer "+testToken)
		if !ok {
			return
		}
		fixture.Serve(t, h, r)
	})
}

// FuzzConsoleForms posts any body to the console's forms (login, logout)
// and to paths that take no form, with and without the token.
func FuzzConsoleForms(f *testing.F) {
	for _, p := range []string{"/console/login", "/console/logout", "/console/alerts/1", "/console"} {
		f.Add(p, url.Values{"token": {testToken}}.Encode(), true)
		f.Add(p, url.Values{"token": {"wrong"}}.Encode(), false)
		f.Add(p, "token=%ZZ&token=x", false)
	}
	f.Fuzz(func(t *testing.T, target, body string, auth bool) {
		h := fuzzConsole(t).Handler()
		hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
		if auth {
			hdr = append(hdr, "Authorization", "Bearer "+testToken)
		}
		r, ok := fixture.FuzzRequest(http.MethodPost, target, []byte(body), hdr...)
		if !ok {
			return
		}
		fixture.Serve(t, h, r)
	})
}
