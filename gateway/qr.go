package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/label"
	"github.com/coldtrace/coldtrace/types"
)

// codeFromPath reads the code in a path after prefix, before an optional
// suffix (".png"): "/qr/01/0952…/21/1.png" → /01/0952…/21/1.
func codeFromPath(r *http.Request, prefix, suffix string) (types.Code, error) {
	p := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	if suffix != "" {
		var ok bool
		if p, ok = strings.CutSuffix(p, suffix); !ok {
			return types.Code{}, types.ErrInvalidCode.Wrapf("the path must end in %s", suffix)
		}
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return types.ParseCode(p)
}

// handleQR serves /qr/{code path}.png and .svg: the code's Digital Link URI
// on the public base.
func (s *Server) handleQR(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	var format string
	switch {
	case strings.HasSuffix(path, ".png"):
		format = ".png"
	case strings.HasSuffix(path, ".svg"):
		format = ".svg"
	default:
		s.errorPage(w, r, &web.Failure{Status: http.StatusNotFound, Kind: "page", Detail: "use /qr/{code}.png or .svg"})
		return
	}
	code, err := codeFromPath(r, "/qr", format)
	if err != nil {
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	uri := code.DigitalLink(s.Base())
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if format == ".svg" {
		b, err := label.QRSVG(uri)
		if err != nil {
			s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write(b)
		return
	}
	size := 320
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 64 || n > 1024 {
			s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "size must be 64 to 1024 pixels"})
			return
		}
		size = n
	}
	b, err := label.QRPNG(uri, size)
	if err != nil {
		s.errorPage(w, r, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b)
}
