package station

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// issuedLookback is how many of a parent's latest events are searched for
// the split: the station asks right after its tx is committed.
const issuedLookback = 20

// handleIssued serves GET /scan/api/issued?code=PARENT&tx=HASH to a signed
// request: the codes the chain issued for a split (or commission) of that
// tx, verified from the parent's history, so the station can print their
// labels.
func (s *Station) handleIssued(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	if _, f := s.signer(ctx, r); f != nil {
		web.WriteAPIError(w, f)
		return
	}
	c, err := types.ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	hash, err := hex.DecodeString(r.URL.Query().Get("tx"))
	if err != nil || len(hash) != 32 {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "tx is a tx hash, 64 hex characters"})
		return
	}
	rec := &types.CodeRecord{}
	v, err := s.cfg.Verifier.Query(ctx, "/trace/code?code="+url.QueryEscape(c.String()), rec)
	if err != nil {
		web.WriteAPIError(w, classify(v, err))
		return
	}
	from := uint64(0)
	if rec.Events > issuedLookback {
		from = rec.Events - issuedLookback
	}
	h := &types.HistoryPage{}
	v, err = s.cfg.Verifier.Query(ctx, fmt.Sprintf("/trace/history?code=%s&from=%d&limit=%d", url.QueryEscape(c.String()), from, issuedLookback), h)
	if err != nil {
		web.WriteAPIError(w, classify(v, err))
		return
	}
	for _, e := range h.Events {
		if bytes.Equal(e.TxHash, hash) && len(e.Issued) > 0 {
			web.WriteJSON(w, http.StatusOK, map[string]any{"codes": e.Issued, "height": e.Height})
			return
		}
	}
	web.WriteAPIError(w, &failure{Status: http.StatusNotFound, Kind: "not_found", Detail: "no codes issued by this tx among the code's latest events"})
}
