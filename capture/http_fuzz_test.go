package capture

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzCaptureHTTP: no request (path, behaviour header, body) makes the
// capture interface panic or answer 5xx.
func FuzzCaptureHTTP(f *testing.F) {
	f.Add("POST", "/capture", "proceed", doc(sell("1"), sell("0.5")))
	f.Add("POST", "/capture", "rollback", doc(`{"type":"AggregationEvent","eventTime":"2026-11-26T08:00:00Z","parentID":7}`))
	f.Add("GET", "/capture/id%2F..%2F..", "", "")
	f.Add("GET", "/epcis/epcs/%zz/events", "", "")
	h, _ := newTestHandler(f, f.TempDir(), 100, nil)
	f.Fuzz(func(t *testing.T, method, path, behaviour, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#?") || len(method) == 0 || strings.ContainsAny(method, " \r\n/") {
			return
		}
		r, err := http.NewRequest(method, "http://capture"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Authorization", "Bearer "+testToken)
		r.Header.Set("GS1-Capture-Error-Behaviour", behaviour)
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status >= 500 {
			t.Fatalf("%s %s: %d", method, path, w.status)
		}
	})
}

type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	return len(b), nil
}
func (d *discard) WriteHeader(s int) {
	if d.status == 0 {
		d.status = s
	}
}
