package station

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// maxBuyerPages bounds the pages of the province's register one name search
// reads (100 enterprises each).
const maxBuyerPages = 20

// handleBuyers serves GET /scan/api/buyers?name=N to a signed request of an
// enterprise's key: the active enterprises of its province whose name
// contains N, verified, so that goods are dispatched to a buyer found by name.
func (s *Station) handleBuyers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	acct, f := s.signer(ctx, r)
	if f != nil {
		web.WriteAPIError(w, f)
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" || len(name) > 100 {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "name: give part of the buyer's name (at most 100 bytes)"})
		return
	}
	prefix := ""
	switch acct.OwnerKind {
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		e := &types.Enterprise{}
		v, err := s.cfg.Verifier.Query(ctx, "/registry/enterprise/"+acct.OwnerId, e)
		if err != nil {
			web.WriteAPIError(w, classify(v, err))
			return
		}
		prefix = e.Division[:2]
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		prefix = acct.OwnerId[:2]
	default:
		prefix = ""
	}
	type buyer struct {
		USCC     string `json:"uscc"`
		Name     string `json:"name"`
		Division string `json:"division"`
	}
	out := []buyer{}
	after := ""
	for page := 0; page < maxBuyerPages && prefix != ""; page++ {
		p := &types.EnterprisesPage{}
		v, err := s.cfg.Verifier.Query(ctx, "/registry/enterprises/"+prefix+"?limit=100&after="+url.QueryEscape(after), p)
		if err != nil {
			web.WriteAPIError(w, classify(v, err))
			return
		}
		for _, e := range p.Enterprises {
			if e.Status == types.Status_STATUS_ACTIVE && e.Uscc != acct.OwnerId && strings.Contains(strings.ToLower(e.Name), strings.ToLower(name)) {
				out = append(out, buyer{e.Uscc, e.Name, e.Division})
			}
		}
		if p.Next == "" || len(out) >= 20 {
			break
		}
		after = p.Next
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"buyers": out})
}
