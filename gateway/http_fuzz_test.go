package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/fixture"
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

var (
	fuzzRequest = fixture.FuzzRequest
	serve       = fixture.Serve
)

// pathSeeds are the paths a consumer, a scanner or the API uses, for the
// fixture's codes in every spelling.
func pathSeeds() []string {
	codes := []string{fx.Recalled, fx.Native, fx.Expired, fx.SSCC, fx.PalletItem}
	seeds := []string{
		"/", "/lookup?code=" + url.QueryEscape(fx.Recalled), "/lookup?code=0109521234543213102026%1D210001",
		"/healthz", "/api/v1/openapi.yaml", "/api/v1/nothing", "/static/style.css", "/static/", "/nothing",
		"/01/09521234543213", "/01/9521234543213/10/B/21/1", "/01/09521234543213/22/A/10/B/21/%2F%25",
		"/00/106971234000000012", "/c/CT-91330106MA2CFX8Q1D-1-2", "/c/%00", "/01/%ZZ", "/qr/01/0.png?size=64",
	}
	for _, c := range codes {
		seeds = append(seeds, c, c+"?lang=en", c+"?lang=zh&x=%FF", "/proof"+c+".json", "/qr"+c+".png?size=100", "/qr"+c+".svg",
			"/api/v1/code?code="+url.QueryEscape(c), "/api/v1/history?code="+url.QueryEscape(c)+"&limit=2&offset=1",
			"/api/v1/trace?code="+url.QueryEscape(c)+"&direction=forward", "/api/v1/trace?batch="+url.QueryEscape(fx.Seed.Importer+"/RC2026-A"))
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
	for _, c := range []string{fx.Recalled, fx.Native, "/01/09521234543213", ""} {
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
