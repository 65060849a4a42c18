package gateway

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxTrackedIPs bounds the limiter's memory: past it, idle clients are
// forgotten first, then everyone (a flood of addresses cannot grow it).
const maxTrackedIPs = 50_000

// ipLimiter is a token bucket per client IP.
type ipLimiter struct {
	r     rate.Limit
	burst int

	mu      sync.Mutex
	clients map[string]*ipEntry
	swept   time.Time
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perSecond float64, burst int) *ipLimiter {
	return &ipLimiter{r: rate.Limit(perSecond), burst: burst, clients: map[string]*ipEntry{}, swept: time.Now()}
}

// allow takes a token for ip, or says how long to wait for one.
func (l *ipLimiter) allow(ip string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.clients) >= maxTrackedIPs {
		l.sweep(now)
	}
	e := l.clients[ip]
	if e == nil {
		e = &ipEntry{lim: rate.NewLimiter(l.r, l.burst)}
		l.clients[ip] = e
	}
	e.seen = now
	res := e.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Minute
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets clients idle long enough to have a full bucket again.
func (l *ipLimiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst)/float64(l.r)*float64(time.Second)) + time.Second
	for ip, e := range l.clients {
		if now.Sub(e.seen) > full {
			delete(l.clients, ip)
		}
	}
	if len(l.clients) >= maxTrackedIPs {
		l.clients = map[string]*ipEntry{}
	}
	l.swept = now
}

// clientIP is the request's client address: the peer, or with
// TrustForwardedFor the last address in X-Forwarded-For (the one the
// trusted proxy added).
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limit answers 429 with Retry-After once a client IP spends its bucket.
func (s *Server) limit(l *ipLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.allow(s.clientIP(r)); !ok {
			s.tooMany(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany writes a 429 in the form the path expects (JSON for the API).
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	f := &failure{Status: http.StatusTooManyRequests, Kind: "rate_limited", Detail: "too many requests; retry after " + strconv.Itoa(secs) + " s"}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeAPIError(w, f)
		return
	}
	s.errorPage(w, r, f)
}
