package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/label"
	"github.com/coldtrace/coldtrace/types"
)

// The consumer page of a normal product: facts, certificates, custody
// names and places, temperatures, the verified badge, the proof and QR
// links, and no quantity any business moved.
func TestGatewayCodePageNormal(t *testing.T) {
	s := newServer(t, nil)
	w := get(t, s.Handler(), fx.Seed.Normal)
	body := wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	wantContains(t, body, `lang="zh-CN"`, demo.DomesticName, "中国（CN）", "ZS2026-A", "舟山远洋渔业有限公司",
		"IQ-330900-2026-0318", "DS-330100-2026-0620", "ZJ-ZS-2026-0612", "阴性", "浙江省疾病预防控制中心",
		"流通记录", "杭州西湖海鲜进口有限公司", "杭州水产品批发市场", "西湖生鲜超市", "浙江省杭州市西湖区",
		"赋码入市", "收货入库", "零售售出", `<svg class="chart"`, "−20.5 / −18.6 °C",
		"已验证", `id="height"`, "/proof"+fx.Seed.Normal+".json", "/qr"+fx.Seed.Normal+".svg",
		"https://trace.example.cn"+fx.Seed.Normal, `class="chip active"`, `name="category"`)
	wantLacks(t, body, `id="warning"`, "8 kg", "8000", "2000", "2 kg", "5 kg")
	m := regexp.MustCompile(`id="height">(\d+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no verified height")
	}
	if h, _ := strconv.Atoi(m[1]); h < 2 {
		t.Errorf("verified at height %d", h)
	}

	// English by Accept-Language, by ?lang= (remembered in a cookie).
	body = wantStatus(t, get(t, s.Handler(), fx.Seed.Normal, "Accept-Language", "en-US,en;q=0.9,zh;q=0.5"), http.StatusOK)
	wantContains(t, body, `lang="en"`, "Chain of custody", "China (CN)", "Commissioned", "Received", "Sold", "Verified")
	body = wantStatus(t, get(t, s.Handler(), fx.Seed.Normal, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"), http.StatusOK)
	wantContains(t, body, "流通记录")
	w = get(t, s.Handler(), fx.Seed.Normal+"?lang=en")
	wantContains(t, wantStatus(t, w, http.StatusOK), "Chain of custody")
	var langCookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "lang" {
			langCookie = c
		}
	}
	if langCookie == nil || langCookie.Value != "en" || !langCookie.HttpOnly {
		t.Fatalf("lang cookie %v", langCookie)
	}
	body = wantStatus(t, get(t, s.Handler(), fx.Seed.Normal, "Cookie", "lang=en"), http.StatusOK)
	wantContains(t, body, "Chain of custody")
}

// An imported product shows its customs declaration, the certificate
// given at release and the supervision warehouse in its timeline.
func TestGatewayCodePageImported(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.Seed.ImportedCarton+"?lang=en"), http.StatusOK)
	wantContains(t, body, demo.ImportedName, "Ecuador (EC)", "310120260000654321", "IQ-310100-2026-0042", "DS-330100-2026-0917",
		"EC-2026-1188", "Released by a supervision warehouse", "Entered a supervision warehouse", "杭州冷链食品集中监管仓",
		"Used in the kitchen", "湖畔餐厅", "Guayaquil Seafood S.A.")
	wantLacks(t, body, "15 kg", "15000", "5000")
}

func TestGatewayCodePageHeld(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.Seed.Held), http.StatusOK)
	wantContains(t, body, `id="warning"`, `role="alert"`, "该产品已被监管部门暂扣", demo.HoldReason, "杭州市市场监督管理局", `class="chip held"`, "监管暂扣")
	body = wantStatus(t, get(t, s.Handler(), fx.Seed.Held+"?lang=en"), http.StatusOK)
	wantContains(t, body, "This product is on hold", demo.HoldReason, "On hold")
}

func TestGatewayCodePageRecalled(t *testing.T) {
	s := newServer(t, nil)
	for _, code := range []string{fx.Recalled, fx.Native} {
		body := wantStatus(t, get(t, s.Handler(), code), http.StatusOK)
		wantContains(t, body, `id="warning"`, "该产品已被召回", fx.RecallReason, `class="chip recalled"`, "召回")
	}
	body := wantStatus(t, get(t, s.Handler(), fx.Native+"?lang=en"), http.StatusOK)
	wantContains(t, body, "This product has been recalled", fx.RecallReason, "a recall")
}

// TestGatewayDangerOnEveryCode: a code of a recalled batch keeps the
// warning after its goods were destroyed, on the page and in the JSON API.
func TestGatewayDangerOnEveryCode(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.DestroyedRecalled), http.StatusOK)
	wantContains(t, body, `id="warning"`, `class="chip destroyed"`, "该产品所属批次已被召回：如您持有该产品，请勿食用")
	var api struct {
		Status  string `json:"status"`
		Warning struct{ Kind, Message string }
	}
	if err := json.Unmarshal([]byte(wantStatus(t, get(t, s.Handler(), "/api/v1/code?code="+url.QueryEscape(fx.DestroyedRecalled)), http.StatusOK)), &api); err != nil {
		t.Fatal(err)
	}
	if api.Status != "destroyed" || api.Warning.Kind != "recalled" || !strings.Contains(api.Warning.Message, "if you have this product, do not eat it") {
		t.Fatalf("JSON API: %+v", api)
	}
	wantLacks(t, get(t, s.Handler(), fx.Seed.Imported[0]).Body.String(), `id="warning-danger"`)
}

// TestGatewayReleaseCertificate: a released code names its release
// certificate, whose page lists the codes and the customs certificate.
func TestGatewayReleaseCertificate(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.Seed.Imported[0]), http.StatusOK)
	m := regexp.MustCompile(`href="(/release/RC-[0-9]{6}-[0-9]{8}-[0-9]{6})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the released code's page links no release certificate:\n%s", body)
	}
	body = wantStatus(t, get(t, s.Handler(), m[1]), http.StatusOK)
	wantContains(t, body, `id="certificate-number"`, strings.TrimPrefix(m[1], "/release/"), "IQ-310100-2026-0042", fx.Seed.Imported[0], fx.Seed.Imported[1], "出仓证明")
	wantStatus(t, get(t, s.Handler(), "/release/RC-330100-20260101-999999"), http.StatusNotFound)
	wantStatus(t, get(t, s.Handler(), "/release/<script>"), http.StatusNotFound)
}

func TestGatewayCodePageExpired(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.Expired), http.StatusOK)
	wantContains(t, body, `id="warning"`, "该产品已超过保质期", "2024-02-04", `class="chip expired"`)
	body = wantStatus(t, get(t, s.Handler(), fx.Expired+"?lang=en"), http.StatusOK)
	wantContains(t, body, "past its expiry date", "Expired")
}

// A pallet (SSCC) lists its contents; markup in recorded text is escaped.
func TestGatewayCodePageUnitAndEscaping(t *testing.T) {
	s := newServer(t, nil)
	body := wantStatus(t, get(t, s.Handler(), fx.SSCC), http.StatusOK)
	wantContains(t, body, "物流单元", fx.PalletItem)
	body = wantStatus(t, get(t, s.Handler(), fx.PalletItem), http.StatusOK)
	wantContains(t, body, "冷冻鳕鱼 &lt;b&gt;Frozen cod&lt;/b&gt;", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons", "挪威（NO）")
	wantLacks(t, body, "<b>Frozen cod", `<script>alert`)
}

func TestGatewayCodePageNotFoundAndBad(t *testing.T) {
	s := newServer(t, nil)
	missing := strings.Replace(fx.Seed.Normal, "/21/0001", "/21/9999", 1)
	body := wantStatus(t, get(t, s.Handler(), missing), http.StatusNotFound)
	wantContains(t, body, "未找到该追溯码", "已核验")
	for _, bad := range []string{"/01/12345/10/B1", "/01/06971234560019/10/X", "/00/123", "/c/CT-NOPE", "/01/06971234560018"} {
		body := wantStatus(t, get(t, s.Handler(), bad), http.StatusBadRequest)
		wantContains(t, body, "追溯码格式不正确")
	}
	// Markup in a bad code comes back escaped.
	body = wantStatus(t, get(t, s.Handler(), "/c/CT-%3Cscript%3E"), http.StatusBadRequest)
	wantLacks(t, body, "<script>")
	wantStatus(t, get(t, s.Handler(), "/nowhere"), http.StatusNotFound)
	wantStatus(t, request(t, s.Handler(), http.MethodPost, fx.Seed.Normal, nil), http.StatusMethodNotAllowed)
}

// Other spellings of a code redirect to its canonical resolver path; the
// start page's lookup form does the same.
func TestGatewayRedirects(t *testing.T) {
	s := newServer(t, nil)
	short := strings.Replace(fx.Seed.Normal, "/01/0", "/01/", 1) // a GTIN-13
	w := get(t, s.Handler(), short+"?lang=en")
	wantStatus(t, w, http.StatusMovedPermanently)
	if loc := w.Header().Get("Location"); loc != fx.Seed.Normal+"?lang=en" {
		t.Errorf("redirect to %q", loc)
	}
	w = get(t, s.Handler(), "/lookup?code="+url.QueryEscape("https://elsewhere.example/01/06971234560018/10/ZS2026-A/21/0001"))
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != fx.Seed.Normal {
		t.Errorf("lookup redirects to %q", loc)
	}
	wantStatus(t, get(t, s.Handler(), "/lookup?code=nonsense"), http.StatusBadRequest)
	wantContains(t, wantStatus(t, get(t, s.Handler(), "/"), http.StatusOK), `action="/lookup"`)
	wantContains(t, wantStatus(t, get(t, s.Handler(), "/static/style.css"), http.StatusOK), "--blue")
	wantStatus(t, get(t, s.Handler(), "/healthz"), http.StatusOK)
}

// decodeQR reads the QR code in an image.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

var svgRect = regexp.MustCompile(`<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1"/>`)

// rasterizeSVG draws a QR SVG of QRSVG's form, 8 pixels a module.
func rasterizeSVG(t *testing.T, svg string) image.Image {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %.100s", svg)
	}
	n, _ := strconv.Atoi(m[1])
	const k = 8
	img := image.NewGray(image.Rect(0, 0, n*k, n*k))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, r := range svgRect.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for yy := y * k; yy < (y+1)*k; yy++ {
			for xx := x * k; xx < (x+w)*k; xx++ {
				img.Pix[yy*img.Stride+xx] = 0
			}
		}
	}
	return img
}

func TestGatewayQR(t *testing.T) {
	s := newServer(t, nil)
	for _, code := range []string{fx.Seed.Normal, fx.Native, fx.SSCC, fx.Expired} {
		want := "https://trace.example.cn" + code
		w := get(t, s.Handler(), "/qr"+code+".png")
		wantStatus(t, w, http.StatusOK)
		if w.Header().Get("Content-Type") != "image/png" {
			t.Errorf("png content type %q", w.Header().Get("Content-Type"))
		}
		img, err := png.Decode(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != want {
			t.Errorf("PNG QR of %s decodes to %q, want %q", code, got, want)
		}
		w = get(t, s.Handler(), "/qr"+code+".svg")
		svg := wantStatus(t, w, http.StatusOK)
		if w.Header().Get("Content-Type") != "image/svg+xml" {
			t.Errorf("svg content type %q", w.Header().Get("Content-Type"))
		}
		if got := decodeQR(t, rasterizeSVG(t, svg)); got != want {
			t.Errorf("SVG QR of %s decodes to %q, want %q", code, got, want)
		}
	}
	// Any accepted spelling encodes the canonical URI; sizes are bounded.
	w := get(t, s.Handler(), "/qr/01/6971234560018/10/ZS2026-A/21/0001.png?size=128")
	img, err := png.Decode(bytes.NewReader([]byte(wantStatus(t, w, http.StatusOK))))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 128 || decodeQR(t, img) != "https://trace.example.cn"+fx.Seed.Normal {
		t.Errorf("size %d", img.Bounds().Dx())
	}
	wantStatus(t, get(t, s.Handler(), "/qr"+fx.Seed.Normal+".png?size=5000"), http.StatusBadRequest)
	wantStatus(t, get(t, s.Handler(), "/qr/01/123.png"), http.StatusBadRequest)
	wantStatus(t, get(t, s.Handler(), "/qr"+fx.Seed.Normal+".gif"), http.StatusNotFound)

	// Without a public base, the URI is on the listener's address.
	s2 := newServer(t, func(c *Config) { c.PublicBase = "" })
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(s2.URL() + "/qr" + fx.Seed.Held + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	img, err = png.Decode(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, img); got != s2.URL()+fx.Seed.Held {
		t.Errorf("QR %q, want %q", got, s2.URL()+fx.Seed.Held)
	}
}

// The proof file verifies offline, hash chain included.
func TestGatewayProofBundle(t *testing.T) {
	s := newServer(t, nil)
	w := get(t, s.Handler(), "/proof"+fx.Seed.Normal+".json")
	body := wantStatus(t, w, http.StatusOK)
	if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".json") {
		t.Errorf("content disposition %q", cd)
	}
	b, err := client.ParseBundle([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.Verify()
	if err != nil {
		t.Fatal(err)
	}
	var h types.HistoryPage
	if err := proto.Unmarshal(v.Response.Value, &h); err != nil {
		t.Fatal(err)
	}
	if h.Code.Code != fx.Seed.Normal || len(h.Events) == 0 || uint64(len(h.Events)) != h.Code.Events {
		t.Fatalf("bundle of %s with %d events", h.Code.Code, len(h.Events))
	}
	missing := strings.Replace(fx.Seed.Normal, "/21/0001", "/21/9999", 1)
	wantStatus(t, get(t, s.Handler(), "/proof"+missing+".json"), http.StatusNotFound)
	wantStatus(t, get(t, s.Handler(), "/proof/01/1.json"), http.StatusBadRequest)
	off := newServer(t, func(c *Config) { c.NoProofDownload = true })
	wantStatus(t, get(t, off.Handler(), "/proof"+fx.Seed.Normal+".json"), http.StatusNotFound)
	wantLacks(t, wantStatus(t, get(t, off.Handler(), fx.Seed.Normal), http.StatusOK), "/proof/")
}

// A gateway whose trust root does not match the chain shows nothing.
func TestGatewayUnverifiableWrongTrustRoot(t *testing.T) {
	s := newServer(t, func(c *Config) {
		c.Trust = client.Trust{Height: 1, Hash: bytes.Repeat([]byte{0xAB}, 32)}
		c.ConsoleDivision = "3301"
	})
	for _, p := range []string{fx.Seed.Normal, strings.Replace(fx.Seed.Normal, "/21/0001", "/21/9999", 1)} {
		body := wantStatus(t, get(t, s.Handler(), p), http.StatusBadGateway)
		wantContains(t, body, "无法核验的回答", "verification failed")
		wantLacks(t, body, demo.DomesticName, "舟山")
	}
	w := get(t, s.Handler(), "/api/v1/code?code="+url.QueryEscape(fx.Seed.Normal))
	wantStatus(t, w, http.StatusBadGateway)
	var e apiError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Kind != "unverifiable" {
		t.Fatalf("API error %s (%v)", w.Body.String(), err)
	}
	wantStatus(t, get(t, s.Handler(), "/proof"+fx.Seed.Normal+".json"), http.StatusBadGateway)
	wantStatus(t, get(t, s.ConsoleHandler(), "/console/alerts", "Authorization", "Bearer "+testToken), http.StatusBadGateway)
}

// tamperingProxy forwards RPC to the node and changes one byte of every
// ABCI query answer's value.
func tamperingProxy(t *testing.T, mode string) *httptest.Server {
	t.Helper()
	target, err := url.Parse("http://" + strings.TrimPrefix(fx.RPC, "tcp://"))
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
					switch mode {
					case "value":
						if v, ok := resp["value"].(string); ok && v != "" {
							b := []byte(v)
							if b[0] == 'C' {
								b[0] = 'D'
							} else {
								b[0] = 'C'
							}
							resp["value"] = string(b)
						}
					case "absent":
						// Claim every record is absent, without a proof.
						resp["value"], resp["code"], resp["log"], resp["proofOps"] = nil, types.ErrNotFound.Code, "not found", nil
					}
					raw, _ = json.Marshal(msg)
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

// A node (or a man in the middle) that changes an answer gets a 502, and
// one that claims "not found" without proving it does too.
func TestGatewayUnverifiableTamperedAnswer(t *testing.T) {
	for _, mode := range []string{"value", "absent"} {
		t.Run(mode, func(t *testing.T) {
			proxy := tamperingProxy(t, mode)
			s := newServer(t, func(c *Config) { c.NodeRPC = proxy.URL })
			body := wantStatus(t, get(t, s.Handler(), fx.Seed.Normal), http.StatusBadGateway)
			wantContains(t, body, "无法核验的回答")
			wantLacks(t, body, demo.DomesticName, "舟山")
			wantStatus(t, get(t, s.Handler(), "/api/v1/trace?code="+url.QueryEscape(fx.Seed.Normal)), http.StatusBadGateway)
		})
	}
}

func TestGatewayNodeUnavailable(t *testing.T) {
	s := newServer(t, func(c *Config) { c.NodeRPC = "tcp://127.0.0.1:1"; c.QueryTimeout = 3 * time.Second })
	body := wantStatus(t, get(t, s.Handler(), fx.Seed.Normal), http.StatusServiceUnavailable)
	wantContains(t, body, "暂时无法查询")
}

func TestGatewayRateLimit(t *testing.T) {
	s := newServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 0.5, 3 })
	for i := 0; i < 3; i++ {
		wantStatus(t, get(t, s.Handler(), "/"), http.StatusOK)
	}
	w := get(t, s.Handler(), "/")
	wantContains(t, wantStatus(t, w, http.StatusTooManyRequests), "请求过于频繁")
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 3 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	w = get(t, s.Handler(), "/api/v1/code?code=x")
	wantStatus(t, w, http.StatusTooManyRequests)
	if !strings.Contains(w.Body.String(), `"rate_limited"`) {
		t.Errorf("API 429 body %s", w.Body.String())
	}
	// Another client has its own bucket.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "198.51.100.7:5000"
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("another client: %d", rec.Code)
	}
}

func TestGatewayReports(t *testing.T) {
	dir := t.TempDir()
	s := newServer(t, func(c *Config) { c.DataDir = dir; c.ReportRate, c.ReportBurst = 0.01, 4 })
	text := "包装破损 <script>alert(1)</script>"
	w := post(t, s.Handler(), "/report", url.Values{"code": {fx.Seed.Normal}, "category": {"thawed"}, "text": {text}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != fx.Seed.Normal+"?reported=1#report" {
		t.Errorf("report redirects to %q", loc)
	}
	wantContains(t, wantStatus(t, get(t, s.Handler(), fx.Seed.Normal+"?reported=1"), http.StatusOK), "已收到您的反馈")
	for name, form := range map[string]url.Values{
		"bad category": {"code": {fx.Seed.Normal}, "category": {"gossip"}, "text": {"x"}},
		"empty text":   {"code": {fx.Seed.Normal}, "category": {"other"}, "text": {"   "}},
		"too long":     {"code": {fx.Seed.Normal}, "category": {"other"}, "text": {strings.Repeat("长", maxReportRunes+1)}},
	} {
		if w := post(t, s.Handler(), "/report", form); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	// The report bucket (4) is spent: the 5th POST is refused.
	wantStatus(t, post(t, s.Handler(), "/report", url.Values{"code": {fx.Seed.Normal}, "category": {"other"}, "text": {"x"}}), http.StatusTooManyRequests)
	s2 := newServer(t, func(c *Config) { c.DataDir = dir })
	wantStatus(t, post(t, s2.Handler(), "/report", url.Values{"code": {"/01/1"}, "category": {"other"}, "text": {"x"}}), http.StatusBadRequest)

	// Stored in the data dir, read back by a new gateway, shown escaped in
	// its console and never on public pages.
	raw, err := os.ReadFile(filepath.Join(dir, "reports.jsonl"))
	if err != nil || !strings.Contains(string(raw), `"category":"thawed"`) {
		t.Fatalf("reports file %q (%v)", raw, err)
	}
	body := wantStatus(t, get(t, s2.ConsoleHandler(), "/console/reports", "Authorization", "Bearer "+testToken), http.StatusOK)
	wantContains(t, body, "包装破损 &lt;script&gt;alert(1)&lt;/script&gt;", "解冻或包装破损", fx.Seed.Normal)
	wantLacks(t, body, "<script>alert(1)")
	wantLacks(t, wantStatus(t, get(t, s2.Handler(), fx.Seed.Normal), http.StatusOK), "包装破损 ")
}

func TestGatewayAPI(t *testing.T) {
	s := newServer(t, nil)
	w := get(t, s.Handler(), "/api/v1/code?code="+url.QueryEscape("(01)06971234560018(10)ZS2026-A(21)0001"))
	var view apiCode
	if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusOK)), &view); err != nil {
		t.Fatal(err)
	}
	if view.Code != fx.Seed.Normal || view.Status != "active" || view.Product == nil || view.Product.Name != demo.DomesticName ||
		view.Product.OriginCountry != "CN" || view.Certificates.InspectionQuarantine != "IQ-330900-2026-0318" ||
		view.Certificates.NucleicAcidTest == nil || view.Certificates.NucleicAcidTest.Result != "negative" ||
		len(view.Temperature) != 3 || len(view.Timeline) < 5 || view.Verified.Height < 2 || len(view.Verified.AppHash) != 64 ||
		view.DigitalLink != "https://trace.example.cn"+fx.Seed.Normal {
		t.Fatalf("code view %+v", view)
	}
	if strings.Contains(w.Body.String(), "quantity") {
		t.Error("the public API shows quantities")
	}
	w = get(t, s.Handler(), "/api/v1/code?code="+url.QueryEscape(fx.Seed.Held))
	if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusOK)), &view); err != nil || view.Status != "held" || view.StatusReason != demo.HoldReason {
		t.Fatalf("held view %+v (%v)", view, err)
	}

	var hist struct {
		Code   string
		Head   string
		Events []struct {
			Step   string
			Sensor *apiReading
		}
	}
	w = get(t, s.Handler(), "/api/v1/history?code="+url.QueryEscape(fx.Seed.Normal))
	if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusOK)), &hist); err != nil || hist.Code != fx.Seed.Normal || len(hist.Events) < 8 || hist.Events[0].Step != "commissioning" {
		t.Fatalf("history %+v (%v)", hist, err)
	}
	sensors := 0
	for _, e := range hist.Events {
		if e.Sensor != nil {
			sensors++
		}
	}
	if sensors != 3 || strings.Contains(w.Body.String(), "quantity") {
		t.Errorf("%d sensor readings", sensors)
	}

	var tr struct {
		Steps []struct {
			Step string
			To   apiParty
		}
		Enterprises []string
	}
	w = get(t, s.Handler(), "/api/v1/trace?code="+url.QueryEscape(fx.Seed.Normal))
	if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusOK)), &tr); err != nil || len(tr.Enterprises) != 3 || tr.Steps[0].To.Name != "杭州西湖海鲜进口有限公司" {
		t.Fatalf("trace %+v (%v)", tr, err)
	}

	missing := url.QueryEscape(strings.Replace(fx.Seed.Normal, "/21/0001", "/21/9999", 1))
	for _, p := range []string{"/api/v1/code?code=", "/api/v1/history?code=", "/api/v1/trace?code="} {
		wantStatus(t, get(t, s.Handler(), p+missing), http.StatusNotFound)
		w := get(t, s.Handler(), p+"nonsense")
		var e apiError
		if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusBadRequest)), &e); err != nil || e.Error.Kind != "bad_request" || e.Error.Message == "" {
			t.Errorf("%s: %s", p, w.Body.String())
		}
	}
	wantStatus(t, get(t, s.Handler(), "/api/v1/nothing"), http.StatusNotFound)
	// Alerts are console data: not on the public listener.
	wantStatus(t, get(t, s.Handler(), "/api/v1/alerts"), http.StatusNotFound)
	spec := wantStatus(t, get(t, s.Handler(), "/api/v1/openapi.yaml"), http.StatusOK)
	wantContains(t, spec, "openapi: 3.0.3", "/api/v1/code:", "/api/v1/history:", "/api/v1/trace:", "/api/v1/alerts:", "bearer")
}

// The console answers on its own listener, to loopback clients only, and
// never on the public listener unless it shares it (then loopback only).
func TestGatewayConsoleListeners(t *testing.T) {
	s := newServer(t, nil)
	h := s.ConsoleHandler()
	wantStatus(t, get(t, h, "/console", "Authorization", "Bearer "+testToken), http.StatusOK)
	// Loopback clients only; and never on the public listener.
	r := httptest.NewRequest(http.MethodGet, "/console", nil)
	r.RemoteAddr = "203.0.113.9:4444"
	r.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("console from a remote address: %d", rec.Code)
	}
	wantStatus(t, get(t, s.Handler(), "/console", "Authorization", "Bearer "+testToken), http.StatusNotFound)

	// The console on the public listener: loopback clients only.
	ports := testnode.FreePorts(t, 1)
	same := newServer(t, func(c *Config) {
		c.Listen = "127.0.0.1:" + strconv.Itoa(ports[0])
		c.ConsoleListen = c.Listen
	})
	wantStatus(t, get(t, same.Handler(), "/console", "Authorization", "Bearer "+testToken), http.StatusOK)
	r = httptest.NewRequest(http.MethodGet, "/console", nil)
	r.RemoteAddr = "203.0.113.9:4444"
	r.Header.Set("Authorization", "Bearer "+testToken)
	rec = httptest.NewRecorder()
	same.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("combined console from a remote address: %d", rec.Code)
	}
	wantStatus(t, get(t, same.Handler(), fx.Seed.Normal), http.StatusOK)
}

// Start binds both listeners; the console answers on its own address only.
func TestGatewayStartShutdown(t *testing.T) {
	dir := t.TempDir()
	s := newServer(t, func(c *Config) { c.ConsoleToken = ""; c.DataDir = dir })
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	tok, err := os.ReadFile(filepath.Join(dir, "console.token"))
	if err != nil || strings.TrimSpace(string(tok)) != s.ConsoleToken() || len(s.ConsoleToken()) < 16 {
		t.Fatalf("token file %q (%v), token %q", tok, err, s.ConsoleToken())
	}
	res, err := http.Get(s.URL() + fx.Seed.Normal)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("public page: %v %v", res, err)
	}
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, s.ConsoleURL(), nil)
	req.Header.Set("Authorization", "Bearer "+s.ConsoleToken())
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("console: %v %v", res, err)
	}
	res.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(s.URL() + "/"); err == nil {
		t.Error("the listener still answers after Shutdown")
	}
	// A new gateway on the same data dir keeps the token.
	s2 := newServer(t, func(c *Config) { c.ConsoleToken = ""; c.DataDir = dir })
	if s2.ConsoleToken() != s.ConsoleToken() {
		t.Error("the generated token changed")
	}
}

func TestGatewayConfig(t *testing.T) {
	if _, err := New(Config{NodeRPC: fx.RPC}); err == nil {
		t.Error("a gateway without a trust root")
	}
	if _, err := New(Config{Trust: fx.Trust}); err == nil {
		t.Error("a gateway without a node")
	}
	if _, err := New(Config{NodeRPC: fx.RPC, Trust: fx.Trust, PublicBase: "ftp://x"}); err == nil {
		t.Error("an ftp public base")
	}
	if _, err := New(Config{NodeRPC: fx.RPC, Trust: fx.Trust, ConsoleDivision: "33x"}); err == nil {
		t.Error("a bad console division")
	}
	s, err := New(Config{NodeRPC: fx.RPC, Trust: fx.Trust})
	if err != nil {
		t.Fatal(err)
	}
	if s.Division() != "33" {
		t.Errorf("default jurisdiction %q, want the genesis root's 33", s.Division())
	}
}

func TestGatewayLabels(t *testing.T) {
	ctx := context.Background()
	h, err := fx.C.NewHeaders(ctx, fx.Trust)
	if err != nil {
		t.Fatal(err)
	}
	labels, v, err := label.BatchLabels(ctx, fx.C, h, fx.Seed.DomesticBatch, "https://trace.example.cn")
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 3 || v.Height < 1 || labels[0].Code != fx.Seed.Domestic[0] || labels[0].URI != "https://trace.example.cn"+fx.Seed.Domestic[0] || labels[0].Name != demo.DomesticName {
		t.Fatalf("labels %+v", labels)
	}
	var pdf bytes.Buffer
	if err := label.LabelsPDF(&pdf, labels, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || pdf.Len() < 2000 {
		t.Fatalf("PDF of %d bytes", pdf.Len())
	}
	sheets, err := label.LabelsPNG(labels[:1])
	if err != nil || len(sheets) != 1 {
		t.Fatalf("%d sheets (%v)", len(sheets), err)
	}
	img, err := png.Decode(bytes.NewReader(sheets[0]))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, img); got != labels[0].URI {
		t.Errorf("label QR %q", got)
	}
	many := make([]label.Label, 30)
	for i := range many {
		many[i] = labels[i%3]
	}
	if sheets, err := label.LabelsPNG(many); err != nil || len(sheets) != 2 {
		t.Errorf("30 labels: %d sheets (%v)", len(sheets), err)
	}
}

// Running the demo again on the same node changes nothing and fails nowhere.
func TestGatewayDemoRunsTwice(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before, err := fx.C.RPC().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kr := client.NewKeyring(fx.Home)
	root, _ := kr.Get("regulator")
	customs, _ := kr.Get("customs")
	r, err := demo.Seed(ctx, fx.C, demo.Options{Root: root, Customs: customs, RootDivision: fx.RootDivision, Key: kr.Get})
	if err != nil {
		t.Fatal(err)
	}
	if r.Normal != fx.Seed.Normal || r.Held != fx.Seed.Held {
		t.Errorf("second run names %s and %s", r.Normal, r.Held)
	}
	var rec types.CodeRecord
	if _, err := fx.C.QueryInto(ctx, "/trace/code?code="+url.QueryEscape(r.Normal), &rec); err != nil {
		t.Fatal(err)
	}
	var hist types.HistoryPage
	if _, err := fx.C.QueryInto(ctx, "/trace/history?limit=1000&code="+url.QueryEscape(r.Normal), &hist); err != nil {
		t.Fatal(err)
	}
	for _, e := range hist.Events {
		if e.Height > before.SyncInfo.LatestBlockHeight {
			t.Errorf("the second run added a %s event at height %d", e.BizStep, e.Height)
		}
	}
}

// TestGatewayProvinces: a code of another province resolves to this chain's
// code; the page says where goods that left the province went.
func TestGatewayProvinces(t *testing.T) {
	s := newServer(t, nil)
	w := get(t, s.Handler(), "/lookup?code="+url.QueryEscape(fx.JiangsuCode))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != fx.FromJiangsu {
		t.Fatalf("lookup of the Jiangsu code: %d %q, want 303 to %s", w.Code, w.Header().Get("Location"), fx.FromJiangsu)
	}
	body := wantStatus(t, get(t, s.Handler(), fx.FromJiangsu), http.StatusOK)
	wantContains(t, body, "已销往省外", "上海浦东水产有限公司")
	wantStatus(t, get(t, s.Handler(), "/lookup?code="+url.QueryEscape("https://trace.jiangsu.example/c/none")), http.StatusBadRequest)
}

// TestGatewayLegacyLabels: a scan of an earlier label, on a host the
// operator named, lands on this chain's code for the goods; other hosts
// get no lookup.
func TestGatewayLegacyLabels(t *testing.T) {
	s := newServer(t, func(c *Config) { c.LegacyLabelHosts = []string{"trace.jiangsu.example"} })
	req := httptest.NewRequest(http.MethodGet, "/c/JS-320100-000123", nil)
	req.Host = "trace.jiangsu.example"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusFound || !strings.HasSuffix(w.Header().Get("Location"), fx.FromJiangsu) {
		t.Fatalf("legacy label: %d %q", w.Code, w.Header().Get("Location"))
	}
	req = httptest.NewRequest(http.MethodGet, "/c/JS-320100-000123", nil)
	req.Host = "elsewhere.example"
	w = httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code == http.StatusFound {
		t.Fatal("a host not named resolved a legacy label")
	}
}
