package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/gateway/demo"
)

func TestConsoleAuth(t *testing.T) {
	h := newConsole(t, nil).Handler()
	w := get(t, h, "/console")
	wantContains(t, wantStatus(t, w, http.StatusUnauthorized), `name="token"`, `action="/console/login"`)
	if !strings.Contains(w.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
	}
	wantStatus(t, get(t, h, "/console", "Authorization", "Bearer wrong-token"), http.StatusUnauthorized)
	wantStatus(t, get(t, h, "/console/alerts"), http.StatusUnauthorized)
	wantStatus(t, get(t, h, "/api/v1/alerts"), http.StatusUnauthorized)
	wantStatus(t, get(t, h, "/console", "Cookie", CookieName+"=forged"), http.StatusUnauthorized)
	wantStatus(t, get(t, h, "/console", "Authorization", "Bearer "+testToken), http.StatusOK)

	// The login form sets an HttpOnly, SameSite=Strict session cookie.
	wantStatus(t, post(t, h, "/console/login", url.Values{"token": {"nope"}}), http.StatusUnauthorized)
	w = post(t, h, "/console/login", url.Values{"token": {testToken}})
	wantStatus(t, w, http.StatusSeeOther)
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || strings.Contains(session.Value, testToken) {
		t.Fatalf("session cookie %+v", session)
	}
	wantStatus(t, get(t, h, "/console", "Cookie", CookieName+"="+session.Value), http.StatusOK)

}

func TestConsolePages(t *testing.T) {
	h := newConsole(t, func(c *Config) { c.Division = "3301" }).Handler()
	auth := []string{"Authorization", "Bearer " + testToken, "Accept-Language", "en"}
	body := wantStatus(t, get(t, h, "/console", auth...), http.StatusOK)
	wantContains(t, body, "杭州市市场监督管理局", "Open alerts", `<svg class="bars"`, "Ecuador (EC)", "Hangzhou, Zhejiang (3301)")

	body = wantStatus(t, get(t, h, "/console/alerts", auth...), http.StatusOK)
	wantContains(t, body, "hold", "excursion", "recall")
	m := regexp.MustCompile(`href="/console/alerts/(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no alert link")
	}
	body = wantStatus(t, get(t, h, "/console/alerts/"+m[1]+"?comment="+url.QueryEscape(`it's <done>`)+"&key=hangzhou", auth...), http.StatusOK)
	wantContains(t, body, "coldtrace tx supervision ack "+m[1]+` --comment &#39;it&#39;\&#39;&#39;s &lt;done&gt;&#39; --from hangzhou`, "holds no regulator key")
	wantStatus(t, get(t, h, "/console/alerts/999999", auth...), http.StatusNotFound)
	wantStatus(t, get(t, h, "/console/alerts/x", auth...), http.StatusBadRequest)

	body = wantStatus(t, get(t, h, "/console/holds", auth...), http.StatusOK)
	wantContains(t, body, fx.Seed.Held, fx.Recalled, fx.RecallReason, "5 kg")
	body = wantStatus(t, get(t, h, "/console/flows?from=2020-01-01", auth...), http.StatusOK)
	wantContains(t, body, `<svg class="bars"`, "Ecuador (EC)")
	wantStatus(t, get(t, h, "/console/flows?from=yesterday", auth...), http.StatusBadRequest)

	// Search: a code, a batch, an enterprise; with quantities, here only.
	w := get(t, h, "/console/search?q="+url.QueryEscape("(01)06971234560018(10)ZS2026-A(21)0001"), auth...)
	wantStatus(t, w, http.StatusSeeOther)
	body = wantStatus(t, get(t, h, w.Header().Get("Location"), auth...), http.StatusOK)
	wantContains(t, body, "西湖生鲜超市", "8 kg", "Forward trace")
	w = get(t, h, "/console/search?q="+url.QueryEscape(fx.Seed.DomesticBatch), auth...)
	wantStatus(t, w, http.StatusSeeOther)
	body = wantStatus(t, get(t, h, w.Header().Get("Location"), auth...), http.StatusOK)
	wantContains(t, body, demo.DomesticName, fx.Seed.Domestic[2], "湖畔餐厅")
	body = wantStatus(t, get(t, h, "/console/batch?id="+url.QueryEscape(fx.Seed.Importer+"/RC2026-A"), auth...), http.StatusOK)
	wantContains(t, body, fx.RecallReason, fx.Native)
	w = get(t, h, "/console/search?q="+fx.Seed.Market, auth...)
	wantStatus(t, w, http.StatusSeeOther)
	body = wantStatus(t, get(t, h, w.Header().Get("Location"), auth...), http.StatusOK)
	wantContains(t, body, "杭州水产品批发市场", fx.Seed.Held)
	wantStatus(t, get(t, h, "/console/search?q=hello", auth...), http.StatusBadRequest)
	wantStatus(t, get(t, h, "/console/nothing", auth...), http.StatusNotFound)

	// Outside the jurisdiction: refused.
	narrow := newConsole(t, func(c *Config) { c.Division = "330106" }).Handler()
	wantStatus(t, get(t, narrow, "/console/enterprise/"+fx.Seed.Market, auth...), http.StatusForbidden)
	wantStatus(t, get(t, narrow, "/console/enterprise/"+fx.Seed.Shop, auth...), http.StatusOK)

	// The alerts API.
	var list struct {
		Jurisdiction string
		Alerts       []struct {
			ID   uint64
			Kind string
		}
	}
	w = get(t, h, "/api/v1/alerts", "Authorization", "Bearer "+testToken)
	if err := json.Unmarshal([]byte(wantStatus(t, w, http.StatusOK)), &list); err != nil || list.Jurisdiction != "3301" || len(list.Alerts) < 3 {
		t.Fatalf("alerts %+v (%v)", list, err)
	}
}
