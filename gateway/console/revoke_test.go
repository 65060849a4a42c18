package console

import (
	"context"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/types"
)

// A key revoked on chain loses the sessions it stands on — its own and its
// officers' — within recheckEvery, and cannot sign in again.
func TestRevokedKeyEndsSessions(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	h := newConsole(t, func(c *Config) { c.Now = clk.now }).Handler()
	k1, k2, officer := newKey(t), newKey(t), newKey(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := fx.C.Send(ctx, fx.Seed.CityKey, &types.MsgRegisterRegulator{Division: "330108", Name: "滨江区市场监督管理局",
		Keys: [][]byte{pubOf(k1), pubOf(k2)}}); err != nil {
		t.Fatal(err)
	}
	v := testConfig(t).Verifier
	// waitAccount polls the verified account until ok says it is as wanted.
	waitAccount := func(k []byte, ok func(*types.Account) bool) {
		t.Helper()
		for {
			a := &types.Account{}
			if _, err := v.Query(ctx, "/registry/account/"+hex.EncodeToString(k), a); err == nil && ok(a) {
				return
			}
			if ctx.Err() != nil {
				t.Fatal("the account never showed the change")
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitAccount(pubOf(k1), func(a *types.Account) bool { return true })
	d, err := signin.NewDelegation("gateway-test", "330108", k1, pubOf(officer), types.RulesOf(0).Day(clk.now().AddDate(0, 0, 30)))
	if err != nil {
		t.Fatal(err)
	}
	reg, off := signIn(t, h, k1, nil), signIn(t, h, officer, d)

	// Checked again after recheckEvery: still good.
	clk.add(recheckEvery + time.Minute)
	wantContains(t, wantStatus(t, get(t, h, "/console", "Cookie", reg), http.StatusOK), "(330108)")
	wantStatus(t, get(t, h, "/console", "Cookie", off), http.StatusOK)

	if _, err := fx.C.Send(ctx, fx.Seed.CityKey, &types.MsgRevokeKey{Key: pubOf(k1), Reason: "laptop lost"}); err != nil {
		t.Fatal(err)
	}
	waitAccount(pubOf(k1), func(a *types.Account) bool { return a.Revoked })
	// Until the next check the sessions stand; after it, they are gone.
	wantStatus(t, get(t, h, "/console", "Cookie", reg), http.StatusOK)
	clk.add(recheckEvery + time.Minute)
	wantStatus(t, get(t, h, "/console", "Cookie", reg), http.StatusUnauthorized)
	wantStatus(t, get(t, h, "/console", "Cookie", off), http.StatusUnauthorized)
	// Neither signs in again; the other key of the regulator does.
	wantContains(t, wantStatus(t, get(t, h, linkPath(signin.Sign(challenge(t, h), k1, nil))), http.StatusForbidden), "was revoked")
	wantContains(t, wantStatus(t, get(t, h, linkPath(signin.Sign(challenge(t, h), officer, d))), http.StatusForbidden), "was revoked")
	signIn(t, h, k2, nil)
}
