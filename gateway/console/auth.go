package console

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

// CookieName carries a signed-in browser's session id (session.go):
// random, kept on the server, ended by logout or expiry; never the token
// nor a key.
const CookieName = "coldtrace_console"

// authorized reads who a request acts as: the operator (the token as Bearer),
// or the regulator or officer of a live session (the cookie).
func (s *Console) authorized(r *http.Request, sessions *sessionStore) (Identity, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok && s.token != "" &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1 {
			return s.operator(), true
		}
		return Identity{}, false
	}
	if c, err := r.Cookie(CookieName); err == nil {
		id, checked, ok := sessions.lookupChecked(c.Value)
		if !ok {
			return Identity{}, false
		}
		now := s.cfg.Now()
		if id.Role == RoleOfficer {
			// A delegation ends on its date even within a session.
			d := signin.Delegation{Expires: id.Expires}
			if d.Expired(now) {
				sessions.end(c.Value)
				return Identity{}, false
			}
		}
		if id.Vouching != "" && now.Sub(checked) > recheckEvery {
			// The key a session stands on may have been revoked, or its
			// regulator suspended, since sign-in: the chain says, again.
			ctx, cancel := s.ctx(r)
			defer cancel()
			div, f := s.regulatorKey(ctx, id.Vouching)
			switch {
			case f == nil && div == id.Division:
				sessions.checkedAt(c.Value, now)
			case f == nil || f.Status == http.StatusForbidden:
				s.log.Info("console session ended: its key no longer vouches for it", "key", id.Vouching, "role", id.Role.String())
				sessions.end(c.Value)
				return Identity{}, false
			}
			// The node not answering ends no session; the next request asks again.
		}
		return id, true
	}
	return Identity{}, false
}

// recheckEvery is how often a session's vouching key is read from the
// chain again: a revoked key or a suspended regulator loses its sessions
// within this time.
const recheckEvery = 5 * time.Minute

func (s *Console) operator() Identity { return Identity{Role: RoleOperator, Prefix: s.division} }

// handler routes the console. Every route but the sign-in ones and the
// static files needs the token or a session.
func (s *Console) handler() http.Handler {
	mux := http.NewServeMux()
	sessions := newSessionStore(s.cfg.Now)
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id, ok := s.authorized(r, sessions)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="coldtrace console"`)
				if strings.HasPrefix(r.URL.Path, "/api/") {
					web.WriteAPIError(w, &web.Failure{Status: http.StatusUnauthorized, Kind: "unauthorized",
						Detail: "sign in with `coldtrace console login`, or give the operator token as Authorization: Bearer TOKEN"})
					return
				}
				s.loginPage(w, r, http.StatusUnauthorized, false)
				return
			}
			// View-only: an officer may read every page, and do nothing
			// that writes or prepares a transaction.
			if id.ViewOnly() && r.Method != http.MethodGet && r.Method != http.MethodHead {
				s.consoleError(w, withIdentity(r, id), &web.Failure{Status: http.StatusForbidden, Kind: "viewonly",
					Detail: "an officer's session is view-only: ask regulator " + id.Division + " to act"})
				return
			}
			h(w, withIdentity(r, id))
		}
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/console", http.StatusSeeOther) })
	mux.HandleFunc("GET /console/login", func(w http.ResponseWriter, r *http.Request) { s.loginPage(w, r, http.StatusOK, false) })
	mux.HandleFunc("POST /console/login", s.handleLogin(sessions))
	mux.HandleFunc("POST /console/logout", s.handleLogout(sessions))
	mux.HandleFunc("GET /console/challenge", s.handleChallenge)
	mux.HandleFunc("GET /console/signin", s.handleSignIn(sessions))
	mux.HandleFunc("GET /console", auth(s.consoleHome))
	mux.HandleFunc("GET /console/{$}", auth(s.consoleHome))
	mux.HandleFunc("GET /console/search", auth(s.consoleSearch))
	mux.HandleFunc("GET /console/code", auth(s.consoleCode))
	mux.HandleFunc("GET /console/batch", auth(s.consoleBatch))
	mux.HandleFunc("GET /console/enterprise/{uscc}", auth(s.consoleEnterprise))
	mux.HandleFunc("GET /console/alerts", auth(s.consoleAlerts))
	mux.HandleFunc("GET /console/alerts/{id}", auth(s.consoleAlert))
	mux.HandleFunc("GET /console/holds", auth(s.consoleHolds))
	mux.HandleFunc("GET /console/flows", auth(s.consoleFlows))
	mux.HandleFunc("GET /console/reports", auth(s.consoleReports))
	mux.HandleFunc("GET /api/v1/alerts", auth(s.apiAlerts))
	mux.HandleFunc("GET /api/v1/stats", auth(s.apiStats))
	mux.Handle("GET /static/", web.StaticHandler())
	mux.HandleFunc("/", auth(func(w http.ResponseWriter, r *http.Request) {
		s.consoleError(w, r, &web.Failure{Status: http.StatusNotFound, Kind: "page"})
	}))
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			http.NotFound(w, r)
			return
		}
		if s.loopbackOnly() && !web.IsLoopbackRemote(r.RemoteAddr) {
			http.Error(w, "the console serves this machine only", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
	return web.Secure(guarded)
}

type loginView struct {
	Bad     bool
	Refused string // why a sign-in link was refused
}

func (s *Console) loginPage(w http.ResponseWriter, r *http.Request, status int, bad bool) {
	l := web.PickLang(w, r)
	s.render(w, r, status, "console_login", &web.Page{L: l, Title: l.T("con.login"), Console: true, Body: loginView{Bad: bad}})
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionAbsolute / time.Second), Secure: r.TLS != nil})
}

// handleLogin signs in with the operator token (the form).
func (s *Console) handleLogin(sessions *sessionStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.loginL.Allow(s.clientIP(r)); !ok {
			s.tooMany(w, r, wait)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.token)) != 1 {
			s.loginPage(w, r, http.StatusUnauthorized, true)
			return
		}
		// A session the browser already had is replaced, not kept beside.
		if c, err := r.Cookie(CookieName); err == nil {
			sessions.end(c.Value)
		}
		id, err := sessions.create(s.operator())
		if err != nil {
			s.consoleError(w, r, &web.Failure{Status: http.StatusInternalServerError, Kind: "internal"})
			return
		}
		setSessionCookie(w, r, id)
		http.Redirect(w, r, "/console", http.StatusSeeOther)
	}
}

// handleLogout ends the session on the server, so its cookie is refused
// even if a copy of it survives in the browser or elsewhere.
func (s *Console) handleLogout(sessions *sessionStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(CookieName); err == nil {
			sessions.end(c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, MaxAge: -1, Secure: r.TLS != nil})
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	}
}
