package console

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// maxChallenges bounds the challenges pending at once; beyond, sign-in waits.
const maxChallenges = 10_000

// challenges are the sign-in challenges handed out and not yet used.
type challenges struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]time.Time // challenge → expiry
}

func newChallenges(now func() time.Time) *challenges {
	return &challenges{now: now, m: map[string]time.Time{}}
}

// issue makes a challenge.
func (c *challenges) issue() (string, time.Time, error) {
	b := make([]byte, signin.ChallengeBytes)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, err
	}
	ch := base64.RawURLEncoding.EncodeToString(b)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxChallenges {
		for k, exp := range c.m {
			if now.After(exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxChallenges {
			return "", time.Time{}, errors.New("too many sign-ins are pending: try again in two minutes")
		}
	}
	exp := now.Add(signin.ChallengeTTL)
	c.m[ch] = exp
	return ch, exp, nil
}

// take uses up a challenge: true once, if it was issued and has not expired.
func (c *challenges) take(ch string) bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.m[ch]
	delete(c.m, ch)
	return ok && !now.After(exp)
}

// handleChallenge serves GET /console/challenge: a fresh challenge as JSON.
func (s *Console) handleChallenge(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.signinL.Allow(s.clientIP(r)); !ok {
		web.WriteAPIError(w, web.RetryAfter(w, wait))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	chainID, err := s.v.Client().ChainID(ctx)
	if err != nil {
		web.WriteAPIError(w, web.Classify(nil, err))
		return
	}
	ch, exp, err := s.chs.issue()
	if err != nil {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusServiceUnavailable, Kind: "unavailable", Detail: err.Error()})
		return
	}
	web.WriteJSON(w, http.StatusOK, signin.Challenge{Challenge: ch, ChainID: chainID, Expires: exp.UTC(), SignIn: "/console/signin"})
}

// handleSignIn serves GET /console/signin?c=&k=&s=[&d=][&next=]: the
// one-time link `coldtrace console login` prints. A good link starts a
// session bound to the regulator (or officer) and goes on to next.
func (s *Console) handleSignIn(sessions *sessionStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.signinL.Allow(s.clientIP(r)); !ok {
			s.tooMany(w, r, wait)
			return
		}
		q := r.URL.Query()
		si, err := signin.ParseSignIn(q)
		if err != nil {
			s.signInFailed(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
			return
		}
		// Used up before anything else is checked: a link is good for one
		// try, right or wrong, so nobody can try keys against one challenge.
		if !s.chs.take(si.Challenge) {
			s.signInFailed(w, r, &web.Failure{Status: http.StatusUnauthorized, Kind: "signin",
				Detail: "this sign-in link was used already or has expired (links last " + signin.ChallengeTTL.String() + "): run `coldtrace console login` again"})
			return
		}
		ctx, cancel := s.ctx(r)
		defer cancel()
		id, f := s.identify(ctx, si)
		if f != nil {
			s.signInFailed(w, r, f)
			return
		}
		if c, err := r.Cookie(CookieName); err == nil {
			sessions.end(c.Value)
		}
		sid, err := sessions.create(id)
		if err != nil {
			s.consoleError(w, r, &web.Failure{Status: http.StatusInternalServerError, Kind: "internal"})
			return
		}
		s.log.Info("console sign-in", "role", id.Role.String(), "jurisdiction", id.Prefix, "key", id.Key)
		setSessionCookie(w, r, sid)
		http.Redirect(w, r, si.Next, http.StatusSeeOther)
	}
}

func (s *Console) signInFailed(w http.ResponseWriter, r *http.Request, f *web.Failure) {
	s.log.Info("console sign-in refused", "status", f.Status, "reason", f.Detail)
	l := web.PickLang(nil, r)
	s.render(w, r, f.Status, "console_login", &web.Page{L: l, Title: l.T("con.login"), Console: true, Body: loginView{Refused: f.Detail}})
}

// identify checks a sign-in against the chain, with proofs: the key signed
// the challenge for this chain, and belongs to an active regulator — or it
// is an officer's key that such a regulator's key delegated viewing to.
func (s *Console) identify(ctx context.Context, si *signin.SignIn) (Identity, *web.Failure) {
	chainID, err := s.v.Client().ChainID(ctx)
	if err != nil {
		return Identity{}, web.Classify(nil, err)
	}
	refuse := func(format string, a ...any) (Identity, *web.Failure) {
		return Identity{}, &web.Failure{Status: http.StatusForbidden, Kind: "signin", Detail: fmt.Sprintf(format, a...)}
	}
	keyHex := hex.EncodeToString(si.Key)
	if !ed25519.Verify(si.Key, signin.SignInBytes(chainID, si.Challenge), si.Signature) {
		return Identity{}, &web.Failure{Status: http.StatusUnauthorized, Kind: "signin",
			Detail: "the signature does not match key " + keyHex + " and this challenge on chain " + chainID + ": sign with the key the link names"}
	}
	d := si.Delegation
	if d == nil {
		div, f := s.regulatorKey(ctx, keyHex)
		if f != nil {
			return Identity{}, f
		}
		return Identity{Role: RoleRegulator, Prefix: types.Division(div).Prefix(), Division: div, Key: keyHex, Vouching: keyHex}, nil
	}
	switch {
	case d.ChainID != chainID:
		return refuse("the delegation is for chain %s, this gateway reads chain %s", d.ChainID, chainID)
	case d.OfficerKey != keyHex:
		return refuse("the delegation is for key %s, not %s that signed in", d.OfficerKey, keyHex)
	case d.Expired(s.cfg.Now()):
		return refuse("the delegation expired on %s: ask regulator %s for a new one", d.Expires, d.Regulator)
	}
	// An officer key is nobody's on chain: an enterprise's key may not
	// view the console by a delegation either.
	acct := &types.Account{}
	if v, err := s.v.Query(ctx, "/registry/account/"+keyHex, acct); err == nil {
		if acct.OwnerKind != types.OwnerKind_OWNER_KIND_REGULATOR {
			return refuse("key %s belongs to %s %s on chain: an officer signs in with a key of its own", keyHex, ownerWord(acct.OwnerKind), acct.OwnerId)
		}
	} else if !web.NotFound(v, err) {
		return Identity{}, web.Classify(v, err)
	}
	div, f := s.regulatorKey(ctx, d.RegulatorKey)
	if f != nil {
		f.Detail = "the delegation's signing key: " + f.Detail
		return Identity{}, f
	}
	if div != d.Regulator {
		return refuse("the delegation names regulator %s, but its key belongs to regulator %s", d.Regulator, div)
	}
	return Identity{Role: RoleOfficer, Prefix: types.Division(div).Prefix(), Division: div, Key: keyHex, Expires: d.Expires, Vouching: d.RegulatorKey}, nil
}

// regulatorKey reads a key's account and its regulator, verified, and
// returns the regulator's division if the key may act for it.
func (s *Console) regulatorKey(ctx context.Context, keyHex string) (string, *web.Failure) {
	refuse := func(format string, a ...any) (string, *web.Failure) {
		return "", &web.Failure{Status: http.StatusForbidden, Kind: "signin", Detail: fmt.Sprintf(format, a...)}
	}
	acct := &types.Account{}
	v, err := s.v.Query(ctx, "/registry/account/"+keyHex, acct)
	if err != nil {
		if web.NotFound(v, err) {
			return refuse("no account on chain has key %s: a regulator signs in with a key the chain registers for it (coldtrace tx registry add-key)", keyHex)
		}
		return "", web.Classify(v, err)
	}
	if acct.OwnerKind != types.OwnerKind_OWNER_KIND_REGULATOR {
		return refuse("key %s belongs to %s %s: only regulators and their officers sign in to the console", keyHex, ownerWord(acct.OwnerKind), acct.OwnerId)
	}
	if acct.Revoked {
		return refuse("key %s of regulator %s was revoked on chain", keyHex, acct.OwnerId)
	}
	reg := &types.Regulator{}
	if v, err := s.v.Query(ctx, "/registry/regulator/"+acct.OwnerId, reg); err != nil {
		return "", web.Classify(v, err)
	}
	if reg.Status != types.Status_STATUS_ACTIVE {
		return refuse("regulator %s (%s) is not active on chain", reg.Division, reg.Name)
	}
	return reg.Division, nil
}

func ownerWord(k types.OwnerKind) string {
	switch k {
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		return "enterprise"
	case types.OwnerKind_OWNER_KIND_CUSTOMS:
		return "customs"
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		return "regulator"
	}
	return "an owner of kind " + k.String()
}
