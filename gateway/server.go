package gateway

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/console"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/gateway/station"
	"github.com/coldtrace/coldtrace/types"
)

// DefaultListen is the public listener's default address.
const DefaultListen = "127.0.0.1:8080"

// DefaultConsoleListen is the console listener's default address: loopback.
const DefaultConsoleListen = "127.0.0.1:8081"

// ConsoleOff as Config.ConsoleListen runs no console.
const ConsoleOff = "off"

// Config sets up a gateway.
type Config struct {
	// Listen is the public listener (consumer pages, QR images, proofs, the
	// JSON API). Default DefaultListen.
	Listen string
	// NodeRPC is the node's RPC address, tcp://host:port or http://host:port.
	NodeRPC string
	// Trust is the root every answer is verified from: the genesis the
	// operator trusts, or a trusted height and header hash.
	Trust client.Trust
	// PublicBase is the scheme and host printed in QR codes and links
	// (https://trace.example.gov.cn). Default "http://" + the public
	// listener's address.
	PublicBase string
	// LegacyLabelHosts are the hosts of the province's earlier labels
	// (http://HOST/...{code}) still in circulation: a request to such a
	// host for a path the gateway does not serve is looked up as the origin
	// code "http://HOST/PATH" (or https) the goods were commissioned with,
	// and sent to this chain's code. Point those hosts' DNS at the gateway.
	LegacyLabelHosts []string

	// ConsoleListen is the regulator console's own listener. Default
	// DefaultConsoleListen; ConsoleOff runs none. The same address as
	// Listen serves the console on the public listener, to loopback
	// clients only. A loopback address serves loopback clients only.
	ConsoleListen string
	// ConsoleToken is the console's access token (Authorization: Bearer, or
	// the login form). Empty: a random one is made and, with DataDir, kept
	// in DataDir/console.token.
	ConsoleToken string
	// ConsoleDivision is the console's jurisdiction, a division prefix
	// (33, 3301, 330106). Default: the root regulator's, from the genesis.
	ConsoleDivision string

	// DataDir keeps the consumer reports (reports.jsonl) and the console
	// token. Empty: reports are kept in memory only.
	DataDir string

	// RateLimit and RateBurst bound the public requests of one client IP
	// (default 10 per second, bursts of 30); ReportRate and ReportBurst its
	// consumer reports (default one a minute, bursts of 3).
	RateLimit   float64
	RateBurst   int
	ReportRate  float64
	ReportBurst int
	// TLSCert and TLSKey are PEM files: when set, both listeners serve
	// HTTPS (a phone's browser gives the camera, service workers and
	// WebCrypto to a secure page only). Behind a TLS terminator leave them
	// empty and set PublicBase to the https:// address.
	TLSCert, TLSKey string

	// TrustForwardedFor takes the client IP from X-Forwarded-For (set it
	// only behind a reverse proxy that writes that header).
	TrustForwardedFor bool

	// NoProofDownload turns off /proof/: a proof file holds the raw signed
	// events of the code's history, quantities of its consignments included.
	NoProofDownload bool

	// QueryTimeout bounds the node queries of one request (default 20 s).
	QueryTimeout time.Duration
	// Logger receives one line per listener and per failed request.
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Server is a running (or ready) gateway.
type Server struct {
	cfg      Config
	v        *web.Verifier
	reports  *reportStore
	log      *slog.Logger
	token    string
	division string
	limiter  *web.IPLimiter
	reportL  *web.IPLimiter
	tmpl     web.Templates
	console  *console.Console
	station  *station.Station
	tls      *tls.Config // nil: plain HTTP

	pub, con http.Handler

	paramsMu    sync.Mutex
	paramsCache *types.Params
	paramsAt    time.Time

	mu       sync.Mutex
	servers  []*http.Server
	pubAddr  string
	conAddr  string
	combined bool // console on the public listener
}

// New checks the configuration and builds the handlers; Start listens.
func New(cfg Config) (*Server, error) {
	var tlsCfg *tls.Config
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.ConsoleListen == "" {
		cfg.ConsoleListen = DefaultConsoleListen
	}
	if cfg.NodeRPC == "" {
		return nil, errors.New("gateway: give the node's RPC address")
	}
	if cfg.Trust.Genesis == nil && (cfg.Trust.Height <= 0 || len(cfg.Trust.Hash) == 0) {
		return nil, errors.New("gateway: give a trust root (a genesis, or a trusted height and hash): every answer is verified from it")
	}
	if cfg.PublicBase != "" {
		if !strings.HasPrefix(cfg.PublicBase, "http://") && !strings.HasPrefix(cfg.PublicBase, "https://") {
			return nil, fmt.Errorf("gateway: public base %q must start with http:// or https://", cfg.PublicBase)
		}
		cfg.PublicBase = strings.TrimRight(cfg.PublicBase, "/")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("gateway: give both --tls-cert and --tls-key, or neither")
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("gateway: TLS certificate: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 10
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 30
	}
	if cfg.ReportRate <= 0 {
		cfg.ReportRate = 1.0 / 60
	}
	if cfg.ReportBurst <= 0 {
		cfg.ReportBurst = 3
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
	c, err := client.Dial(cfg.NodeRPC)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s := &Server{cfg: cfg, v: web.NewVerifier(c, cfg.Trust), log: cfg.Logger, tls: tlsCfg,
		limiter: web.NewIPLimiter(cfg.RateLimit, cfg.RateBurst),
		reportL: web.NewIPLimiter(cfg.ReportRate, cfg.ReportBurst),
	}
	if s.reports, err = openReports(cfg.DataDir); err != nil {
		return nil, err
	}
	if cfg.ConsoleListen != ConsoleOff {
		if s.division, err = consoleDivision(cfg); err != nil {
			return nil, err
		}
		if s.token, err = consoleToken(cfg); err != nil {
			return nil, err
		}
		s.combined = sameAddr(cfg.ConsoleListen, cfg.Listen)
	}
	if s.tmpl, err = web.ParseTemplates(templateFS, "templates"); err != nil {
		return nil, err
	}
	if s.station, err = station.New(station.Config{Verifier: s.v, ClientIP: s.clientIP, QueryTimeout: cfg.QueryTimeout,
		Logger: cfg.Logger, Now: cfg.Now, ConsoleURL: s.ConsoleURL}); err != nil {
		return nil, err
	}
	s.pub = s.publicHandler()
	s.con = http.NotFoundHandler()
	if cfg.ConsoleListen != ConsoleOff {
		s.console, err = console.New(console.Config{Verifier: s.v, Reports: s.reports, Token: s.token, Division: s.division,
			LoopbackOnly: s.combined || web.IsLoopbackHost(cfg.ConsoleListen), ClientIP: s.clientIP,
			QueryTimeout: cfg.QueryTimeout, Logger: cfg.Logger, Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		s.con = s.console.Handler()
	}
	return s, nil
}

// consoleDivision is the configured prefix, else the genesis root regulator's.
func consoleDivision(cfg Config) (string, error) {
	d := cfg.ConsoleDivision
	if d == "" && cfg.Trust.Genesis != nil {
		var gs map[string]json.RawMessage
		var root struct {
			Division string `json:"division"`
		}
		if json.Unmarshal(cfg.Trust.Genesis.AppState, &gs) == nil {
			raw := gs["rootRegulator"]
			if raw == nil {
				raw = gs["root_regulator"]
			}
			if json.Unmarshal(raw, &root) == nil {
				if _, err := types.ParseDivision(root.Division); err == nil {
					d = types.Division(root.Division).Prefix()
				}
			}
		}
	}
	if d == "" {
		return "", errors.New("gateway: give the console's jurisdiction (a division prefix such as 3301), or ConsoleListen \"off\"")
	}
	if len(d) == 6 {
		if _, err := types.ParseDivision(d); err == nil {
			d = types.Division(d).Prefix()
		}
	}
	if err := types.ValidDivisionPrefix(d); err != nil {
		return "", fmt.Errorf("gateway: console division: %w", err)
	}
	return d, nil
}

// consoleToken is the configured token, the one kept in the data dir, or a new one.
func consoleToken(cfg Config) (string, error) {
	if cfg.ConsoleToken != "" {
		if len(cfg.ConsoleToken) < 8 {
			return "", errors.New("gateway: the console token must have at least 8 characters")
		}
		return cfg.ConsoleToken, nil
	}
	var file string
	if cfg.DataDir != "" {
		file = filepath.Join(cfg.DataDir, "console.token")
		if b, err := os.ReadFile(file); err == nil && len(strings.TrimSpace(string(b))) >= 8 {
			return strings.TrimSpace(string(b)), nil
		}
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if file != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return "", err
		}
		if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
			return "", err
		}
	}
	return tok, nil
}

// sameAddr reports whether two listen addresses are the same (port 0, any
// free port, is never the same).
func sameAddr(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	norm := func(h string) string {
		if h == "localhost" {
			return "127.0.0.1"
		}
		return h
	}
	return pa == pb && pa != "0" && norm(ha) == norm(hb)
}

// Handler serves the public routes (and, when the console shares the public
// listener, the console to loopback clients).
func (s *Server) Handler() http.Handler {
	if s.combined {
		return s.combinedHandler()
	}
	return s.pub
}

// ConsoleHandler serves the console routes, token-protected.
func (s *Server) ConsoleHandler() http.Handler { return s.con }

// ConsoleToken is the console's access token.
func (s *Server) ConsoleToken() string { return s.token }

// Division is the console's jurisdiction prefix.
func (s *Server) Division() string { return s.division }

// Base is the scheme and host of Digital Link URIs and links.
func (s *Server) Base() string {
	if s.cfg.PublicBase != "" {
		return s.cfg.PublicBase
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pubAddr != "" {
		return s.scheme() + s.pubAddr
	}
	return s.scheme() + s.cfg.Listen
}

func (s *Server) scheme() string {
	if s.tls != nil {
		return "https://"
	}
	return "http://"
}

// URL is the public base URL where the gateway listens.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pubAddr != "" {
		return s.scheme() + s.pubAddr
	}
	return s.scheme() + s.cfg.Listen
}

// ConsoleURL is where the console is served ("" when it is off).
func (s *Server) ConsoleURL() string {
	if s.cfg.ConsoleListen == ConsoleOff {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := s.conAddr
	if addr == "" {
		addr = s.cfg.ConsoleListen
	}
	return s.scheme() + addr + "/console"
}

// Start opens the listeners and serves in the background; it returns once
// they are bound.
func (s *Server) Start() error {
	pl, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("gateway: listen %s: %w", s.cfg.Listen, err)
	}
	s.mu.Lock()
	s.pubAddr = pl.Addr().String()
	s.mu.Unlock()
	s.serve(pl, s.Handler())
	s.log.Info("gateway listening", "url", s.URL(), "node", s.cfg.NodeRPC)
	if s.cfg.ConsoleListen == ConsoleOff {
		return nil
	}
	if s.combined {
		s.mu.Lock()
		s.conAddr = s.pubAddr
		s.mu.Unlock()
	} else {
		cl, err := net.Listen("tcp", s.cfg.ConsoleListen)
		if err != nil {
			_ = s.Shutdown(context.Background())
			return fmt.Errorf("gateway: console listen %s: %w", s.cfg.ConsoleListen, err)
		}
		s.mu.Lock()
		s.conAddr = cl.Addr().String()
		s.mu.Unlock()
		s.serve(cl, s.con)
	}
	where := "the configured token"
	if s.cfg.ConsoleToken == "" {
		where = "the token in " + filepath.Join(s.cfg.DataDir, "console.token")
		if s.cfg.DataDir == "" {
			where = "token " + s.token
		}
	}
	s.log.Info("gateway console", "url", s.ConsoleURL(), "regulators sign in with", "coldtrace console login --from KEY",
		"operator", where, "operator jurisdiction", s.division)
	return nil
}

func (s *Server) serve(l net.Listener, h http.Handler) {
	if s.tls != nil {
		l = tls.NewListener(l, s.tls)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("gateway listener stopped", "addr", l.Addr().String(), "err", err)
		}
	}()
}

// Shutdown stops the listeners, letting requests in progress finish until
// ctx ends, and closes the report file.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var first error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	if err := s.reports.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// publicHandler routes the public listener.
func (s *Server) publicHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /lookup", s.handleLookup)
	mux.HandleFunc("GET /01/", s.handleCode)
	mux.HandleFunc("GET /00/", s.handleCode)
	mux.HandleFunc("GET /c/", s.handleCode)
	mux.HandleFunc("GET /proof/", s.handleProof)
	mux.HandleFunc("GET /release/", s.handleRelease)
	mux.HandleFunc("GET /qr/", s.handleQR)
	mux.HandleFunc("POST /report", s.handleReport)
	mux.HandleFunc("GET /api/v1/code", s.apiCode)
	mux.HandleFunc("GET /api/v1/history", s.apiHistory)
	mux.HandleFunc("GET /api/v1/trace", s.apiTrace)
	mux.HandleFunc("GET /api/v1/openapi.yaml", serveOpenAPI)
	s.epcisRoutes(mux)
	mux.HandleFunc("GET /api/", s.apiNotFound)
	mux.Handle("GET /static/", web.StaticHandler())
	mux.Handle("GET /scan", s.station.Handler())
	mux.Handle("GET /scan/", s.station.Handler())
	mux.Handle("POST /scan/", s.station.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /", s.handleNotFound)
	return web.Secure(s.limit(s.limiter, mux))
}

// combinedHandler serves the console paths to loopback clients and
// everything else as the public listener does.
func (s *Server) combinedHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isConsolePath(r.URL.Path) {
			s.con.ServeHTTP(w, r)
			return
		}
		s.pub.ServeHTTP(w, r)
	})
}

func isConsolePath(p string) bool {
	return p == "/console" || strings.HasPrefix(p, "/console/") || p == "/api/v1/alerts"
}

// DefaultDataDir is where a node's home keeps the gateway's data (reports,
// the console token): <home>/data/gateway.
func DefaultDataDir(home string) string { return filepath.Join(home, "data", "gateway") }
