package station

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

//go:embed static templates
var files embed.FS

// MaxTxBytes bounds a relayed tx: a station's txs carry a few codes, far
// under the chain's default max_tx_bytes (64 KiB), which this equals.
const MaxTxBytes = 64 << 10

// Config sets up a station.
type Config struct {
	// Verifier reads the node and verifies every answer (shared with the
	// gateway's pages).
	Verifier *web.Verifier
	// ClientIP is the client's address for rate limits.
	ClientIP func(*http.Request) string
	// RelayRate and RelayBurst bound the txs one client IP relays (default
	// 5 a second, bursts of 20).
	RelayRate  float64
	RelayBurst int
	// QueryTimeout bounds the node queries of one request; relayed txs wait
	// for their block up to the client's WaitTimeout on top.
	QueryTimeout time.Duration
	// ConsoleURL is where inspectors open a code's console page ("" when
	// there is no console): the console's own address, often internal.
	ConsoleURL func() string
	Logger     *slog.Logger
	Now        func() time.Time
}

// Station serves /scan.
type Station struct {
	cfg    Config
	relayL *web.IPLimiter
	page   *template.Template
}

// New builds a station.
func New(cfg Config) (*Station, error) {
	if cfg.RelayRate <= 0 {
		cfg.RelayRate = 5
	}
	if cfg.RelayBurst <= 0 {
		cfg.RelayBurst = 20
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string { return web.ClientIP(r, false) }
	}
	page, err := template.ParseFS(files, "templates/scan.html")
	if err != nil {
		return nil, err
	}
	return &Station{cfg: cfg, relayL: web.NewIPLimiter(cfg.RelayRate, cfg.RelayBurst), page: page}, nil
}

// csp lets the page's script reach the gateway (fetch), show the camera
// (blob: and media) and draw QR images; nothing from elsewhere.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves /scan and everything under it.
func (s *Station) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /scan", s.handlePage)
	mux.HandleFunc("GET /scan/{$}", s.handlePage)
	sub, _ := fs.Sub(files, "static")
	static := http.StripPrefix("/scan/static/", http.FileServer(http.FS(sub)))
	mux.HandleFunc("GET /scan/static/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		static.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /scan/sw.js", func(w http.ResponseWriter, r *http.Request) {
		// Its scope is /scan, the page itself, above the script's folder.
		w.Header().Set("Service-Worker-Allowed", "/scan")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		b, _ := files.ReadFile("static/sw.js")
		w.Write(b)
	})
	mux.HandleFunc("POST /scan/api/tx", s.handleRelay)
	mux.HandleFunc("GET /scan/api/tx/{hash}", s.handleTxLookup)
	mux.HandleFunc("GET /scan/api/account/{key}", s.handleAccount)
	mux.HandleFunc("GET /scan/api/parse", s.handleParse)
	mux.HandleFunc("GET /scan/api/code", s.handleCode)
	mux.HandleFunc("GET /scan/api/inbound", s.handleInbound)
	mux.HandleFunc("GET /scan/api/issued", s.handleIssued)
	mux.HandleFunc("GET /scan/api/buyers", s.handleBuyers)
	mux.HandleFunc("GET /scan/api/enterprise/{uscc}", s.handleEnterprise)
	mux.HandleFunc("GET /scan/api/qr", s.handleQR)
	mux.HandleFunc("/scan/", func(w http.ResponseWriter, r *http.Request) {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusNotFound, Kind: "no_route", Detail: "the station serves /scan and /scan/api/…"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	})
}

// IsPath reports whether the station serves p.
func IsPath(p string) bool { return p == "/scan" || len(p) > 6 && p[:6] == "/scan/" }

func (s *Station) handlePage(w http.ResponseWriter, r *http.Request) {
	// Chinese unless English was chosen (?lang=en, remembered): a phone
	// set to English still opens the station its operators read in Chinese.
	l := web.Lang{Tag: "zh"}
	if r.URL.Query().Get("lang") != "" || hasLangCookie(r) {
		l = web.PickLang(w, r)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", l.Tag)
	w.Header().Set("Cache-Control", "no-cache")
	console := ""
	if s.cfg.ConsoleURL != nil {
		console = s.cfg.ConsoleURL()
	}
	if err := s.page.Execute(w, struct{ Lang, Console string }{l.Tag, console}); err != nil {
		s.cfg.Logger.Error("station page", "err", err)
	}
}

func hasLangCookie(r *http.Request) bool {
	_, err := r.Cookie("lang")
	return err == nil
}
