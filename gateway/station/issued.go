package station

import (
	"bytes"
	"context"
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
	hash, err := hex.DecodeString(r.URL.Query().Get("tx"))
	if err != nil || len(hash) != 32 {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "tx is a tx hash, 64 hex characters"})
		return
	}
	raw := r.URL.Query().Get("code")
	if b := r.URL.Query().Get("batch"); b != "" {
		// A commission's codes: the newest native code of the batch is one
		// of them, and its first event lists them all.
		if raw, err = s.newestNative(ctx, b); err != nil {
			web.WriteAPIError(w, classify(nil, err))
			return
		}
	}
	c, err := types.ParseCode(raw)
	if err != nil {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
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

// newestNative is the batch's native code with the highest number (its
// latest commission's), reading at most 10 pages of its codes.
func (s *Station) newestNative(ctx context.Context, batch string) (string, error) {
	best, bestN, after := "", uint64(0), ""
	for page := 0; page < 10; page++ {
		list := &types.CodeList{}
		v, err := s.cfg.Verifier.Query(ctx, "/trace/batch-codes?id="+url.QueryEscape(batch)+"&limit=100&after="+url.QueryEscape(after), list)
		if err != nil {
			return "", classify(v, err)
		}
		for _, c := range list.Codes {
			if pc, err := types.ParseCode(c); err == nil && pc.Kind == types.CodeNative && pc.Number > bestN {
				best, bestN = c, pc.Number
			}
		}
		if list.Next == "" {
			break
		}
		after = list.Next
	}
	if best == "" {
		return "", &failure{Status: http.StatusNotFound, Kind: "not_found", Detail: "the batch has no code the chain issued"}
	}
	return best, nil
}
