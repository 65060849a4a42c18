package console

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Reports are the consumer reports the gateway keeps for the regulators.
type Reports interface {
	Count() int
	Newest(n int) []web.Report
}

// Config is what the console needs from the gateway that runs it.
type Config struct {
	// Verifier verifies every answer the console shows (the gateway's,
	// from its trust root).
	Verifier *web.Verifier
	// Reports are the consumers' reports.
	Reports Reports
	// Token is the operator token (Authorization: Bearer, or the form).
	Token string
	// Division is the operator view's jurisdiction prefix.
	Division string
	// LoopbackOnly serves loopback clients only.
	LoopbackOnly bool
	// ClientIP names a request's client for the sign-in rate limit.
	ClientIP func(*http.Request) string
	// SignInRate and SignInBurst bound the challenges and sign-in links
	// of one client IP (default one a second, bursts of 10).
	SignInRate  float64
	SignInBurst int
	// QueryTimeout bounds the node queries of one request.
	QueryTimeout time.Duration
	Logger       *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Console is the regulator console's handler and its sessions.
type Console struct {
	cfg      Config
	v        *web.Verifier
	log      *slog.Logger
	tmpl     web.Templates
	loginL   *web.IPLimiter
	signinL  *web.IPLimiter
	chs      *challenges
	token    string
	division string
	reports  Reports
	h        http.Handler
}

// New builds the console from what the gateway gives it.
func New(cfg Config) (*Console, error) {
	if cfg.Verifier == nil || cfg.Reports == nil {
		return nil, errors.New("console: give a verifier and the reports")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 20 * time.Second
	}
	if cfg.SignInRate <= 0 {
		cfg.SignInRate = 1
	}
	if cfg.SignInBurst <= 0 {
		cfg.SignInBurst = 10
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string { return web.ClientIP(r, false) }
	}
	tmpl, err := web.ParseTemplates(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, v: cfg.Verifier, log: cfg.Logger, tmpl: tmpl, loginL: web.NewIPLimiter(0.2, 5),
		signinL: web.NewIPLimiter(cfg.SignInRate, cfg.SignInBurst), chs: newChallenges(cfg.Now),
		token: cfg.Token, division: cfg.Division, reports: cfg.Reports}
	c.h = c.handler()
	return c, nil
}

// Handler serves the console's routes.
func (s *Console) Handler() http.Handler { return s.h }

func (s *Console) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
}

func (s *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) {
	s.tmpl.Render(s.log, w, r, status, name, p)
}

func (s *Console) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	s.consoleError(w, r, web.RetryAfter(w, wait))
}

func (s *Console) clientIP(r *http.Request) string { return s.cfg.ClientIP(r) }

// loopbackOnly says whether the console serves loopback clients only.
func (s *Console) loopbackOnly() bool { return s.cfg.LoopbackOnly }
