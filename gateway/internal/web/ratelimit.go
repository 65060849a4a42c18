package web

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

// IPLimiter is a token bucket per client IP.
type IPLimiter struct {
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

func NewIPLimiter(perSecond float64, burst int) *IPLimiter {
	return &IPLimiter{r: rate.Limit(perSecond), burst: burst, clients: map[string]*ipEntry{}, swept: time.Now()}
}

// Allow takes a token for ip, or says how long to wait for one.
func (l *IPLimiter) Allow(ip string) (bool, time.Duration) {
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
func (l *IPLimiter) sweep(now time.Time) {
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

// ClientIP is the request's client address: the peer, or with
// trustForwardedFor the last address in X-Forwarded-For (the one the
// trusted proxy added).
func ClientIP(r *http.Request, trustForwardedFor bool) string {
	if trustForwardedFor {
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

// RetryAfter sets Retry-After for a wait and returns the failure a client
// over its rate is told.
func RetryAfter(w http.ResponseWriter, wait time.Duration) *Failure {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return &Failure{Status: http.StatusTooManyRequests, Kind: "rate_limited", Detail: "too many requests; retry after " + strconv.Itoa(secs) + " s"}
}
