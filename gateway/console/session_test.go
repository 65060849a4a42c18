package console

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for session expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func randomID() string {
	b := make([]byte, sessionIDBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestSessionStoreExpiry(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []time.Duration // each step: advance, then use the session
		want  []bool
	}{
		{"fresh", []time.Duration{0}, []bool{true}},
		{"idle just under 8 h", []time.Duration{sessionIdle}, []bool{true}},
		{"idle over 8 h", []time.Duration{sessionIdle + time.Second}, []bool{false}},
		{"used every 7 h until 12 h", []time.Duration{7 * time.Hour, 5 * time.Hour, time.Second}, []bool{true, true, false}},
		{"expired stays expired", []time.Duration{sessionIdle + time.Second, 0}, []bool{false, false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
			st := newSessionStore(clk.now)
			id, err := st.create(Identity{Role: RoleOperator, Prefix: "33"})
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range c.steps {
				clk.add(d)
				if got := st.valid(id); got != c.want[i] {
					t.Fatalf("step %d (+%s): valid %v, want %v", i, d, got, c.want[i])
				}
			}
		})
	}
}

func TestSessionStoreEndForgedBound(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	st := newSessionStore(clk.now)
	a, _ := st.create(Identity{Role: RoleOperator, Prefix: "33"})
	b, _ := st.create(Identity{Role: RoleOperator, Prefix: "33"})
	if a == b || len(a) != 43 {
		t.Fatalf("ids %q %q", a, b)
	}
	st.end(a)
	if st.valid(a) || !st.valid(b) {
		t.Fatal("end removed the wrong session")
	}
	for _, forged := range []string{"", "x", randomID(), b[:42], b + "A", "coldtrace"} {
		if st.valid(forged) {
			t.Fatalf("forged id %q accepted", forged)
		}
	}
	// Bounded: beyond maxSessions the least recently used go first.
	for i := 0; i < maxSessions+50; i++ {
		clk.add(time.Second)
		if i == maxSessions/2 {
			st.valid(b) // b is in use: it must survive
		}
		if _, err := st.create(Identity{Role: RoleOperator, Prefix: "33"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.len(); n != maxSessions {
		t.Fatalf("%d sessions kept, bound %d", n, maxSessions)
	}
	if !st.valid(b) {
		t.Fatal("a session in use was evicted before idle ones")
	}
}

// login signs in through the form and returns the session cookie.
func login(t *testing.T, h http.Handler) *http.Cookie {
	t.Helper()
	w := post(t, h, "/console/login", url.Values{"token": {testToken}})
	wantStatus(t, w, http.StatusSeeOther)
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	t.Fatal("login set no session cookie")
	return nil
}

func TestConsoleSessionLifecycle(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	h := newConsole(t, func(c *Config) { c.Now = clk.now }).Handler()
	// An unknown console page answers 404 to a signed-in browser and the
	// login form (401) to anyone else, without asking the node.
	const page = "/console/no-such-page"
	signedIn := func(c *http.Cookie) int { return get(t, h, page, "Cookie", CookieName+"="+c.Value).Code }

	c1 := login(t, h)
	if !c1.HttpOnly || c1.SameSite != http.SameSiteStrictMode || c1.Secure || c1.MaxAge != int(sessionAbsolute/time.Second) {
		t.Fatalf("cookie over plain HTTP: %+v", c1)
	}
	c2 := login(t, h)
	if c1.Value == c2.Value {
		t.Fatal("two logins got the same session id")
	}
	if signedIn(c1) != http.StatusNotFound || signedIn(c2) != http.StatusNotFound {
		t.Fatal("fresh sessions refused")
	}

	// Logout ends the session on the server: the old cookie is refused.
	w := post(t, h, "/console/logout", nil, "Cookie", CookieName+"="+c1.Value)
	wantStatus(t, w, http.StatusSeeOther)
	if got := signedIn(c1); got != http.StatusUnauthorized {
		t.Fatalf("cookie reused after logout: %d", got)
	}
	if signedIn(c2) != http.StatusNotFound {
		t.Fatal("logout of one session ended another")
	}

	// Forged cookies: random, empty, the token itself.
	for _, v := range []string{randomID(), "", testToken, c2.Value + "x"} {
		if got := get(t, h, page, "Cookie", CookieName+"="+v).Code; got != http.StatusUnauthorized {
			t.Fatalf("forged cookie %q: %d", v, got)
		}
	}

	// Idle expiry, by the injected clock.
	clk.add(sessionIdle + time.Minute)
	if got := signedIn(c2); got != http.StatusUnauthorized {
		t.Fatalf("session idle for %s accepted: %d", sessionIdle+time.Minute, got)
	}
	// The bearer token still works: it is not a session.
	if got := get(t, h, page, "Authorization", "Bearer "+testToken).Code; got != http.StatusNotFound {
		t.Fatalf("bearer token: %d", got)
	}

	// Over TLS the cookie is Secure.
	r := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(url.Values{"token": {testToken}}.Encode()))
	r.RemoteAddr, r.TLS = "127.0.0.1:40000", &tls.ConnectionState{}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var secure *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == CookieName {
			secure = c
		}
	}
	if secure == nil || !secure.Secure || !secure.HttpOnly || secure.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over TLS: %+v", secure)
	}
}
