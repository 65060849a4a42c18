package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The gateway's fuzz targets send what a browser, a scanner or an attacker
// can put on the wire — paths, query strings, form bodies — through the
// real handlers, on the package's fixture node (started once per process by
// TestMain). Every answer must be well formed, and no input may make the
// gateway fail: a 5xx is a finding, except 503 (the node did not answer,
// the documented "unavailable"), which a fuzz run on a busy machine can
// meet.

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
	fuzzErr  error
)

// fuzzServer is one gateway for the whole process, with limits no fuzz run
// reaches (a 429 would hide every handler behind the limiter).
func fuzzServer(t testing.TB) *Server {
	fuzzOnce.Do(func() {
		cfg := testConfig()
		cfg.RateLimit, cfg.RateBurst, cfg.ReportRate, cfg.ReportBurst = 1e9, 1<<30, 1e9, 1<<30
		// Well under the 10 s the fuzzer allows an input: a node slowed
		// down by a loaded machine gives a 503, not a killed worker.
		cfg.QueryTimeout = 4 * time.Second
		fuzzSrv, fuzzErr = New(cfg)
	})
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzSrv
}

// fuzzRequest parses a request as the HTTP server does, from the bytes of
// a request line and headers; ok is false for what the server itself
// refuses before any handler runs.
func fuzzRequest(method, target string, body []byte, hdr ...string) (*http.Request, bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: trace.example.cn\r\n", method, target)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append([]byte(b.String()), body...))))
	if err != nil {
		return nil, false
	}
	r.RemoteAddr = "127.0.0.1:40000"
	r.RequestURI = ""
	return r.WithContext(context.Background()), true
}

// checkResponse is what every answer must be: a status the gateway
// documents, the security headers, a declared type, and a body of that
// type.
func checkResponse(t *testing.T, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	what := fmt.Sprintf("%s %s", r.Method, r.URL.String())
	if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d\n%s", what, w.Code, clip(w.Body.String()))
	}
	if w.Code < 200 || w.Code > 599 {
		t.Fatalf("%s: status %d", what, w.Code)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("%s: status %d without the security headers: %v", what, w.Code, w.Header())
	}
	if w.Code >= 300 && w.Code < 400 {
		loc := w.Header().Get("Location")
		u, err := url.Parse(loc)
		// A redirect stays on this site: an open redirect would send a
		// consumer who scanned a label elsewhere.
		if loc == "" || err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) {
			t.Fatalf("%s: redirect to %q", what, loc)
		}
		return
	}
	body := w.Body.Bytes()
	ct := w.Header().Get("Content-Type")
	switch {
	case len(body) == 0 && r.Method == http.MethodHead:
	case strings.HasPrefix(ct, "application/json"):
		if !json.Valid(body) {
			t.Fatalf("%s: status %d, invalid JSON: %s", what, w.Code, clip(string(body)))
		}
	case strings.HasPrefix(ct, "text/html"):
		if !utf8.Valid(body) || !bytes.Contains(body, []byte("</html>")) {
			t.Fatalf("%s: status %d, not a whole UTF-8 page: %s", what, w.Code, clip(string(body)))
		}
	case strings.HasPrefix(ct, "text/plain"):
		if !utf8.Valid(body) {
			t.Fatalf("%s: status %d, text not UTF-8", what, w.Code)
		}
	case ct == "image/png":
		if !bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("%s: status %d, not a PNG", what, w.Code)
		}
	case ct == "image/svg+xml":
		if !bytes.Contains(body, []byte("<svg")) {
			t.Fatalf("%s: status %d, not an SVG", what, w.Code)
		}
	case strings.HasPrefix(ct, "text/css"), strings.HasPrefix(ct, "text/javascript"), strings.HasPrefix(ct, "application/javascript"),
		strings.HasPrefix(ct, "application/yaml"), strings.HasPrefix(ct, "image/"), strings.HasPrefix(ct, "font/"):
	default:
		t.Fatalf("%s: status %d, Content-Type %q", what, w.Code, ct)
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func serve(t *testing.T, h http.Handler, r *http.Request) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	checkResponse(t, r, w)
}

// pathSeeds are the paths a consumer, a scanner or the API uses, for the
// fixture's codes in every spelling.
func pathSeeds() []string {
	codes := []string{fx.recalled, fx.native, fx.expired, fx.sscc, fx.palletItem}
	seeds := []string{
		"/", "/lookup?code=" + url.QueryEscape(fx.recalled), "/lookup?code=0109521234543213102026%1D210001",
		"/healthz", "/api/v1/openapi.yaml", "/api/v1/nothing", "/static/style.css", "/static/", "/nothing",
		"/01/09521234543213", "/01/9521234543213/10/B/21/1", "/01/09521234543213/22/A/10/B/21/%2F%25",
		"/00/106971234000000012", "/c/CT-91330106MA2CFX8Q1D-1-2", "/c/%00", "/01/%ZZ", "/qr/01/0.png?size=64",
	}
	for _, c := range codes {
		seeds = append(seeds, c, c+"?lang=en", c+"?lang=zh&x=%FF", "/proof"+c+".json", "/qr"+c+".png?size=100", "/qr"+c+".svg",
			"/api/v1/code?code="+url.QueryEscape(c), "/api/v1/history?code="+url.QueryEscape(c)+"&limit=2&offset=1",
			"/api/v1/trace?code="+url.QueryEscape(c)+"&direction=forward", "/api/v1/trace?batch="+url.QueryEscape(fx.seed.Importer+"/RC2026-A"))
	}
	return seeds
}

// FuzzPublicPaths sends GET requests with any path and query string to the
// public listener: the GS1 Digital Link resolver paths, /qr label images,
// /proof bundles, /lookup and the JSON API.
func FuzzPublicPaths(f *testing.F) {
	for _, s := range pathSeeds() {
		f.Add(s, "")
	}
	f.Add("/01/09521234543213/10/B2026-07/21/0001", "zh-CN,zh;q=0.9")
	f.Add("/api/v1/code", "en;q=abc")
	f.Fuzz(func(t *testing.T, target, lang string) {
		h := fuzzServer(t).Handler()
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			r, ok := fuzzRequest(method, target, nil, "Accept-Language", lang)
			if !ok {
				return
			}
			serve(t, h, r)
		}
	})
}

// FuzzReportForm posts any body as the consumer report form.
func FuzzReportForm(f *testing.F) {
	for _, c := range []string{fx.recalled, fx.native, "/01/09521234543213", ""} {
		for _, cat := range append(append([]string{}, reportCategories...), "", "x") {
			f.Add(url.Values{"code": {c}, "category": {cat}, "text": {"thawed and refrozen\r\n<b>x</b>"}, "lang": {"en"}}.Encode(),
				"application/x-www-form-urlencoded")
		}
	}
	f.Add("code=%ZZ&text="+strings.Repeat("字", 501), "application/x-www-form-urlencoded")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n/c/x\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Add("code=%2F01%2F09521234543213&category=other&text=%FF%FE", "application/x-www-form-urlencoded; charset=gbk")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		h := fuzzServer(t).Handler()
		r, ok := fuzzRequest(http.MethodPost, "/report", []byte(body), "Content-Type", contentType)
		if !ok {
			return
		}
		serve(t, h, r)
	})
}

// consoleSeeds are the console's pages and forms with their query strings.
func consoleSeeds() []string {
	seeds := []string{
		"/console", "/console/", "/console/login", "/console/search?q=" + url.QueryEscape(fx.seed.Importer),
		"/console/search?q=%E5%86%B7", "/console/code?code=" + url.QueryEscape(fx.recalled),
		"/console/batch?batch=" + url.QueryEscape(fx.seed.Importer+"/RC2026-A"), "/console/enterprise/" + fx.seed.Importer,
		"/console/enterprise/%2F..%2F", "/console/alerts", "/console/alerts/1?comment=ok&key=hangzhou", "/console/alerts/-1",
		"/console/alerts/99999999999999999999", "/console/holds", "/console/flows?from=2020-01-01&to=2030-12-31&division=3301",
		"/console/flows?from=0000-00-00", "/console/reports?page=2", "/api/v1/alerts?limit=1", "/console/nothing", "/static/style.css",
	}
	return seeds
}

// FuzzConsolePaths sends GET requests with any path and query string to
// the regulator console, authorized by the token.
func FuzzConsolePaths(f *testing.F) {
	for _, s := range consoleSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		h := fuzzServer(t).ConsoleHandler()
		r, ok := fuzzRequest(http.MethodGet, target, nil, "Authorization", "Bearer "+testToken)
		if !ok {
			return
		}
		serve(t, h, r)
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
		h := fuzzServer(t).ConsoleHandler()
		hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
		if auth {
			hdr = append(hdr, "Authorization", "Bearer "+testToken)
		}
		r, ok := fuzzRequest(http.MethodPost, target, []byte(body), hdr...)
		if !ok {
			return
		}
		serve(t, h, r)
	})
}
