package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/coldtrace/coldtrace/types"
)

// QRPNG encodes text as a QR code PNG of size×size pixels (error
// correction level M, with the quiet zone).
func QRPNG(text string, size int) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.PNG(size)
}

// QRSVG encodes text as a QR code SVG: one unit per module, the quiet zone
// included, dark modules as <rect>s (runs of a row merged).
func QRSVG(text string) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, n*8, n*8)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><g fill="#000">`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="1"/>`, start, y, x-start)
		}
	}
	b.WriteString(`</g></svg>`)
	return []byte(b.String()), nil
}

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
		s.errorPage(w, r, &failure{Status: http.StatusNotFound, Kind: "page", Detail: "use /qr/{code}.png or .svg"})
		return
	}
	code, err := codeFromPath(r, "/qr", format)
	if err != nil {
		s.errorPage(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	uri := code.DigitalLink(s.Base())
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if format == ".svg" {
		b, err := QRSVG(uri)
		if err != nil {
			s.errorPage(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
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
			s.errorPage(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "size must be 64 to 1024 pixels"})
			return
		}
		size = n
	}
	b, err := QRPNG(uri, size)
	if err != nil {
		s.errorPage(w, r, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b)
}
