package console

import (
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/types"
)

func TestOfficerViewOnly(t *testing.T) {
	regulators(t)
	clk := &fakeClock{t: time.Now()}
	h := newConsole(t, func(c *Config) { c.Now = clk.now }).Handler()
	officer := newKey(t)
	today := types.RulesOf(0).Date(clk.now())
	until := today.AddDate(0, 0, 7).Format(time.DateOnly)
	d, err := signin.NewDelegation("gateway-test", "330100", fx.Seed.CityKey, officer.Public().(ed25519.PublicKey), until)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signin.ParseDelegation(d.JSON()); err != nil {
		t.Fatalf("a delegation does not read back: %v", err)
	}
	cookie := signIn(t, h, officer, d)

	// It sees the city's pages...
	body := wantStatus(t, get(t, h, "/console", "Cookie", cookie), http.StatusOK)
	wantContains(t, body, "officer", "(3301)")
	wantStatus(t, get(t, h, "/console/enterprise/"+fx.Seed.Market, "Cookie", cookie), http.StatusOK)
	// ... and nothing outside them.
	wantStatus(t, get(t, h, "/console/flows?division=3302", "Cookie", cookie), http.StatusForbidden)

	// View-only: an alert without the acknowledgement, which it may not
	// prepare; no form may be posted but the sign-out.
	alerts := wantStatus(t, get(t, h, "/console/alerts", "Cookie", cookie), http.StatusOK)
	i := strings.Index(alerts, `href="/console/alerts/`)
	if i < 0 {
		t.Fatal("no alert listed")
	}
	id := alerts[i+len(`href="/console/alerts/`):]
	id = id[:strings.IndexByte(id, '"')]
	body = wantStatus(t, get(t, h, "/console/alerts/"+id, "Cookie", cookie), http.StatusOK)
	wantContains(t, body, `id="view-only"`)
	if strings.Contains(body, "coldtrace tx supervision ack") {
		t.Error("an officer is shown the acknowledgement command")
	}
	wantContains(t, wantStatus(t, get(t, h, "/console/alerts/"+id+"?comment=ok&key=hangzhou", "Cookie", cookie), http.StatusForbidden), "view-only")
	wantContains(t, wantStatus(t, post(t, h, "/console/alerts/"+id, nil, "Cookie", cookie), http.StatusForbidden), "view-only")
	// The regulator itself is shown the command.
	reg := signIn(t, h, fx.Seed.CityKey, nil)
	wantContains(t, wantStatus(t, get(t, h, "/console/alerts/"+id+"?comment=ok&key=hangzhou", "Cookie", reg), http.StatusOK), "coldtrace tx supervision ack "+id)
	// Sign-out works for an officer.
	wantStatus(t, post(t, h, "/console/logout", nil, "Cookie", cookie), http.StatusSeeOther)
	wantStatus(t, get(t, h, "/console", "Cookie", cookie), http.StatusUnauthorized)

	// A session ends with its delegation's last day.
	cookie = signIn(t, h, officer, d)
	clk.add(8 * 24 * time.Hour)
	wantStatus(t, get(t, h, "/console", "Cookie", cookie), http.StatusUnauthorized)
	clk.add(-8 * 24 * time.Hour)

	bad := func(name string, mk func() *signin.Delegation, key any, status int, says string) {
		t.Run(name, func(t *testing.T) {
			k := officer
			if kk, ok := key.(ed25519.PrivateKey); ok {
				k = kk
			}
			w := get(t, h, linkPath(signin.Sign(challenge(t, h), k, mk())))
			wantContains(t, wantStatus(t, w, status), says)
		})
	}
	past := today.AddDate(0, 0, -1).Format(time.DateOnly)
	mk := func(chain, div string, by ed25519.PrivateKey, off []byte, exp string) func() *signin.Delegation {
		return func() *signin.Delegation {
			d, err := signin.NewDelegation(chain, div, by, off, exp)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	pub := func(k ed25519.PrivateKey) []byte { return pubOf(k) }
	bad("expired", mk("gateway-test", "330100", fx.Seed.CityKey, pub(officer), past), nil, http.StatusForbidden, "expired on "+past)
	bad("for another officer", mk("gateway-test", "330100", fx.Seed.CityKey, pub(newKey(t)), until), nil, http.StatusForbidden, "is for key")
	bad("for another chain", mk("other-chain", "330100", fx.Seed.CityKey, pub(officer), until), nil, http.StatusForbidden, "for chain other-chain")
	bad("signed by an enterprise", mk("gateway-test", "330100", fx.Seed.Keys[demo.KeyImporter], pub(officer), until), nil, http.StatusForbidden, "belongs to enterprise")
	bad("naming a wider regulator", mk("gateway-test", "330000", fx.Seed.CityKey, pub(officer), until), nil, http.StatusForbidden, "names regulator 330000")
	bad("an enterprise's key as officer", mk("gateway-test", "330100", fx.Seed.CityKey, pub(fx.Seed.Keys[demo.KeyShop]), until),
		fx.Seed.Keys[demo.KeyShop], http.StatusForbidden, "an officer signs in with a key of its own")
	bad("tampered", func() *signin.Delegation {
		d := mk("gateway-test", "330100", fx.Seed.CityKey, pub(officer), until)()
		d.Expires = today.AddDate(5, 0, 0).Format(time.DateOnly)
		return d
	}, nil, http.StatusBadRequest, "does not match its regulator key")
}
