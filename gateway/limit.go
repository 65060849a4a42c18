package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

func (s *Server) clientIP(r *http.Request) string { return web.ClientIP(r, s.cfg.TrustForwardedFor) }

// limit answers 429 with Retry-After once a client IP spends its bucket.
func (s *Server) limit(l *web.IPLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.Allow(s.clientIP(r)); !ok {
			s.tooMany(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany writes a 429 in the form the path expects (JSON for the API).
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	f := web.RetryAfter(w, wait)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		web.WriteAPIError(w, f)
		return
	}
	s.errorPage(w, r, f)
}
