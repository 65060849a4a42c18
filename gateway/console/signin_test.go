package console

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/types"
)

// Regulators the sign-in tests add to the fixture: a district under the
// demo's city (330106) and another city (330200), each with a fresh key.
var (
	regsOnce              sync.Once
	regsErr               error
	districtKey, otherKey ed25519.PrivateKey
)

func newKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pubOf(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

func regulators(t *testing.T) {
	t.Helper()
	regsOnce.Do(func() {
		districtKey, otherKey = newKey(t), newKey(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, regsErr = fx.C.Send(ctx, fx.Seed.CityKey, &types.MsgRegisterRegulator{Division: "330106", Name: "西湖区市场监督管理局",
			Keys: [][]byte{pubOf(districtKey)}}); regsErr != nil {
			return
		}
		if _, regsErr = fx.C.Send(ctx, fx.Root, &types.MsgRegisterRegulator{Division: "330200", Name: "宁波市市场监督管理局",
			Keys: [][]byte{pubOf(otherKey)}}); regsErr != nil {
			return
		}
		// A verified answer reads a height whose header is out: wait until
		// the new keys are provable.
		v := testConfig(t).Verifier
		for _, k := range []ed25519.PrivateKey{districtKey, otherKey} {
			for {
				if _, regsErr = v.Query(ctx, "/registry/account/"+hex.EncodeToString(pubOf(k)), &types.Account{}); regsErr == nil || ctx.Err() != nil {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	})
	if regsErr != nil {
		t.Fatal(regsErr)
	}
}

// challenge asks the console for a challenge.
func challenge(t *testing.T, h http.Handler) signin.Challenge {
	t.Helper()
	var ch signin.Challenge
	if err := json.Unmarshal([]byte(wantStatus(t, get(t, h, "/console/challenge"), http.StatusOK)), &ch); err != nil || ch.ChainID != "gateway-test" {
		t.Fatalf("challenge %+v (%v)", ch, err)
	}
	return ch
}

// linkPath is a sign-in link's path and query.
func linkPath(si *signin.SignIn) string { return strings.TrimPrefix(si.Link("http://x"), "http://x") }

// signIn signs in with key (and a delegation) and returns the session cookie.
func signIn(t *testing.T, h http.Handler, key ed25519.PrivateKey, d *signin.Delegation) string {
	t.Helper()
	w := get(t, h, linkPath(signin.Sign(challenge(t, h), key, d)))
	wantStatus(t, w, http.StatusSeeOther)
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName && c.Value != "" {
			return CookieName + "=" + c.Value
		}
	}
	t.Fatal("sign-in set no session cookie")
	return ""
}

func TestSignInRefusals(t *testing.T) {
	regulators(t)
	clk := &fakeClock{t: time.Now()}
	h := newConsole(t, func(c *Config) { c.Now = clk.now }).Handler()

	// A regulator's key: a session bound to its jurisdiction.
	si := signin.Sign(challenge(t, h), fx.Seed.CityKey, nil)
	si.Next = "/console/flows?from=2020-01-01"
	w := get(t, h, linkPath(si))
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/console/flows?from=2020-01-01" {
		t.Errorf("after sign-in: %q", loc)
	}
	// The same link again: the challenge is used up.
	wantContains(t, wantStatus(t, get(t, h, linkPath(si)), http.StatusUnauthorized), "used already or has expired")

	for _, c := range []struct {
		name   string
		link   func() string
		status int
		says   string
	}{
		{"expired challenge", func() string {
			si := signin.Sign(challenge(t, h), fx.Seed.CityKey, nil)
			clk.add(signin.ChallengeTTL + time.Second)
			return linkPath(si)
		}, http.StatusUnauthorized, "used already or has expired"},
		{"another key's signature", func() string {
			si := signin.Sign(challenge(t, h), newKey(t), nil)
			si.Key = pubOf(fx.Seed.CityKey)
			return linkPath(si)
		}, http.StatusUnauthorized, "does not match key"},
		{"signed for another chain", func() string {
			ch := challenge(t, h)
			ch.ChainID = "other-chain"
			return linkPath(signin.Sign(ch, fx.Seed.CityKey, nil))
		}, http.StatusUnauthorized, "does not match key"},
		{"an enterprise's key", func() string {
			return linkPath(signin.Sign(challenge(t, h), fx.Seed.Keys[demo.KeyImporter], nil))
		}, http.StatusForbidden, "belongs to enterprise " + fx.Seed.Importer},
		{"customs' key", func() string { return linkPath(signin.Sign(challenge(t, h), fx.Customs, nil)) }, http.StatusForbidden, "belongs to customs"},
		{"an unknown key", func() string { return linkPath(signin.Sign(challenge(t, h), newKey(t), nil)) }, http.StatusForbidden, "no account on chain has key"},
		{"a made-up challenge", func() string {
			ch := challenge(t, h)
			ch.Challenge = strings.Repeat("A", len(ch.Challenge))
			return linkPath(signin.Sign(ch, fx.Seed.CityKey, nil))
		}, http.StatusUnauthorized, "used already or has expired"},
		{"no signature", func() string {
			return "/console/signin?" + url.Values{"c": {challenge(t, h).Challenge}, "k": {hex.EncodeToString(pubOf(fx.Seed.CityKey))}}.Encode()
		}, http.StatusBadRequest, "signature (s)"},
		{"a part given twice", func() string { return linkPath(signin.Sign(challenge(t, h), fx.Seed.CityKey, nil)) + "&k=00" }, http.StatusBadRequest, "2 times"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantContains(t, wantStatus(t, get(t, h, c.link()), c.status), c.says)
		})
	}
}

func TestJurisdiction(t *testing.T) {
	regulators(t)
	h := newConsole(t, nil).Handler()
	city, district, other := signIn(t, h, fx.Seed.CityKey, nil), signIn(t, h, districtKey, nil), signIn(t, h, otherKey, nil)
	esc := url.QueryEscape
	// fx.Seed.Normal is at the district's supermarket; fx.Recalled never
	// left the city's importer.
	for _, c := range []struct {
		name   string
		cookie string
		path   string
		status int
	}{
		{"city: its market", city, "/console/enterprise/" + fx.Seed.Market, 200},
		{"city: district's shop", city, "/console/enterprise/" + fx.Seed.Shop, 200},
		{"city: a code", city, "/console/code?code=" + esc(fx.Recalled), 200},
		{"district: its shop", district, "/console/enterprise/" + fx.Seed.Shop, 200},
		{"district: the city's market", district, "/console/enterprise/" + fx.Seed.Market, 403},
		{"district: a code sold there", district, "/console/code?code=" + esc(fx.Seed.Normal), 200},
		{"district: a code that never came", district, "/console/code?code=" + esc(fx.Recalled), 403},
		{"district: its batch (it reached the shop)", district, "/console/batch?id=" + esc(fx.Seed.DomesticBatch), 200},
		{"district: a batch that never came", district, "/console/batch?id=" + esc(fx.Seed.Importer+"/RC2026-A"), 403},
		{"district: flows of its own", district, "/console/flows?division=330106", 200},
		{"district: flows of the city", district, "/console/flows?division=3301", 403},
		{"district: flows of the province", district, "/console/flows?division=33", 403},
		{"district: stats API of the city", district, "/api/v1/stats?division=3301", 403},
		{"other city: the market", other, "/console/enterprise/" + fx.Seed.Market, 403},
		{"other city: a code", other, "/console/code?code=" + esc(fx.Seed.Normal), 403},
		{"other city: a batch", other, "/console/batch?id=" + esc(fx.Seed.DomesticBatch), 403},
		{"other city: flows of Hangzhou", other, "/console/flows?division=3301", 403},
		{"other city: a malformed division", other, "/console/flows?division=3x", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := wantStatus(t, get(t, h, c.path, "Cookie", c.cookie), c.status)
			if c.status == 403 {
				wantContains(t, body, "outside the jurisdiction")
			}
		})
	}
	// Lists are the jurisdiction's: no alert, hold or recall of Hangzhou
	// for the other city, by page or by API; the city's alerts are refused
	// one by one too.
	var alerts struct {
		Jurisdiction string
		Alerts       []struct {
			ID       uint64
			Division string
		}
	}
	if err := json.Unmarshal([]byte(wantStatus(t, get(t, h, "/api/v1/alerts", "Cookie", city), 200)), &alerts); err != nil || alerts.Jurisdiction != "3301" || len(alerts.Alerts) == 0 {
		t.Fatalf("city alerts %+v (%v)", alerts, err)
	}
	first := alerts.Alerts[0]
	if err := json.Unmarshal([]byte(wantStatus(t, get(t, h, "/api/v1/alerts", "Cookie", other), 200)), &alerts); err != nil || alerts.Jurisdiction != "3302" || len(alerts.Alerts) != 0 {
		t.Fatalf("other city's alerts %+v (%v)", alerts, err)
	}
	wantStatus(t, get(t, h, "/console/alerts/"+strconv.FormatUint(first.ID, 10), "Cookie", other), 403)
	body := wantStatus(t, get(t, h, "/console/holds", "Cookie", other), 200)
	if strings.Contains(body, fx.Seed.Held) || strings.Contains(body, fx.RecallReason) {
		t.Error("the other city's holds page shows Hangzhou's holds or recalls")
	}
	body = wantStatus(t, get(t, h, "/console", "Cookie", other), 200)
	wantContains(t, body, "宁波市市场监督管理局", "(3302)")
	if strings.Contains(body, "杭州") {
		t.Error("the other city's home page names Hangzhou")
	}
	// Search leads to a page that is refused in turn.
	w := get(t, h, "/console/search?q="+esc(fx.Seed.Market), "Cookie", district)
	wantStatus(t, get(t, h, w.Header().Get("Location"), "Cookie", district), 403)
}
