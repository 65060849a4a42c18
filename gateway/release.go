package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// releasePage is a release certificate (出仓证明) as the public sees it: which
// warehouse let which codes out, when, on what evidence. It names no
// quantity a business moved beyond the certificate's own net weight.
type releasePage struct {
	Number, Warehouse, Where, Date, Weight, Disinfection string
	Inspections                                          []string
	Codes                                                []string
	Batches                                              []string
	Tests                                                int
	Verified                                             verifiedView
}

// validCertificateNumber keeps the path to what a certificate number can be.
func validCertificateNumber(n string) bool {
	if len(n) < 4 || len(n) > 64 || !strings.HasPrefix(n, "RC-") {
		return false
	}
	for _, r := range n {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// handleRelease serves GET /release/{number}: the verified release
// certificate, found by scanning a released code or typing its number.
func (s *Server) handleRelease(w http.ResponseWriter, r *http.Request) {
	l := web.PickLang(w, r)
	number := strings.TrimPrefix(r.URL.Path, "/release/")
	if !validCertificateNumber(number) {
		s.errorPage(w, r, &web.Failure{Status: http.StatusNotFound, Kind: "page"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	cert := &types.ReleaseCertificate{}
	v, err := s.v.Query(ctx, "/supervision/release-certificate/"+url.PathEscape(number), cert)
	if err != nil {
		s.errorPage(w, r, web.Classify(v, err))
		return
	}
	p := &releasePage{Number: cert.Number, Date: l.Date(time.UnixMilli(cert.TimeMs)), Weight: kilograms(cert.Grams),
		Disinfection: cert.DisinfectionCertificate, Inspections: cert.InspectionCertificates, Codes: cert.Codes,
		Batches: cert.Batches, Tests: len(cert.Tests), Verified: verifiedOf(v, 1)}
	p.Warehouse, p.Where = cert.Warehouse, l.Division(cert.Division)
	e := &types.Enterprise{}
	if _, err := s.v.Query(ctx, "/registry/enterprise/"+cert.Warehouse, e); err == nil && e.Name != "" {
		p.Warehouse = e.Name
	}
	s.render(w, r, http.StatusOK, "release", &web.Page{L: l, Title: l.T("f.releasecert") + " " + cert.Number, Body: p})
}

// kilograms writes grams as kg with up to three decimals, without floats.
func kilograms(g uint64) string {
	kg := strconv.FormatUint(g/1000, 10)
	if rest := g % 1000; rest != 0 {
		kg += "." + strings.TrimRight(fmt.Sprintf("%03d", rest), "0")
	}
	return kg + " kg"
}
