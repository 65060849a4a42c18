package station

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/label"
	"github.com/coldtrace/coldtrace/types"
)

type failure = web.Failure

var classify = web.Classify

func (s *Station) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
}

// handleAccount serves GET /scan/api/account/{key}: the key's owner and
// next sequence, verified, and the chain's id (what a tx is signed for).
func (s *Station) handleAccount(w http.ResponseWriter, r *http.Request) {
	key, err := hex.DecodeString(r.PathValue("key"))
	if err != nil || len(key) != 32 {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "a key is 64 hex characters"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	chainID, err := s.cfg.Verifier.Client().ChainID(ctx)
	if err != nil {
		web.WriteAPIError(w, &failure{Status: http.StatusServiceUnavailable, Kind: "unavailable", Detail: err.Error()})
		return
	}
	acct := &types.Account{}
	v, err := s.cfg.Verifier.Query(ctx, fmt.Sprintf("/registry/account/%x", key), acct)
	type answer struct {
		ChainID   string `json:"chain_id"`
		Enrolled  bool   `json:"enrolled"`
		OwnerKind string `json:"owner_kind,omitempty"` // enterprise, regulator, customs
		Owner     string `json:"owner,omitempty"`
		OwnerName string `json:"owner_name,omitempty"`
		Sequence  uint64 `json:"sequence"`
		Revoked   bool   `json:"revoked,omitempty"`
		Height    int64  `json:"height"`
		// TimeMs is the verified header's time: the station dates offline
		// scans on the chain's clock, not only the phone's.
		TimeMs int64 `json:"time_ms"`
	}
	if err != nil {
		if web.NotFound(v, err) {
			web.WriteJSON(w, http.StatusOK, answer{ChainID: chainID, Height: v.Height, TimeMs: v.Header.Time.UnixMilli()})
			return
		}
		web.WriteAPIError(w, classify(v, err))
		return
	}
	out := answer{ChainID: chainID, Enrolled: true, Owner: acct.OwnerId, Sequence: acct.Sequence, Revoked: acct.Revoked, Height: v.Height,
		TimeMs: v.Header.Time.UnixMilli()}
	switch acct.OwnerKind {
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		out.OwnerKind = "enterprise"
		e := &types.Enterprise{}
		if _, err := s.cfg.Verifier.Query(ctx, "/registry/enterprise/"+acct.OwnerId, e); err == nil {
			out.OwnerName = e.Name
		}
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		out.OwnerKind = "regulator"
		reg := &types.Regulator{}
		if _, err := s.cfg.Verifier.Query(ctx, "/registry/regulator/"+acct.OwnerId, reg); err == nil {
			out.OwnerName = reg.Name
		}
	case types.OwnerKind_OWNER_KIND_CUSTOMS:
		out.OwnerKind = "customs"
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// handleParse serves GET /scan/api/parse?code=S: any accepted spelling of
// a code (a scanner's string with GS and a symbology identifier included)
// in its canonical form, or why it is refused.
func (s *Station) handleParse(w http.ResponseWriter, r *http.Request) {
	c, err := types.ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		code, msg := types.CodeOf(err)
		web.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"status": 400, "kind": "bad_request", "code": code, "message": msg}})
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"code": c.String()})
}

// CodeStatus is the answer of GET /scan/api/code: what an action on the
// code needs to know first, verified.
type CodeStatus struct {
	Code     string `json:"code"`
	Status   string `json:"status"` // active, held, recalled, destroyed
	Reason   string `json:"reason,omitempty"`
	Stop     bool   `json:"stop"` // held or recalled: no action on it
	Unit     string `json:"unit"`
	Product  string `json:"product,omitempty"`
	BatchID  string `json:"batch_id"`
	Parent   string `json:"parent,omitempty"`
	Warning  string `json:"warning,omitempty"` // positive, recalled: the batch's
	Held     uint64 `json:"held"`              // what the signer's owner holds of it
	Height   int64  `json:"height"`
	Logistic bool   `json:"logistic_unit,omitempty"`
}

// handleCode serves GET /scan/api/code?code=C to a signed request.
func (s *Station) handleCode(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	acct, f := s.signer(ctx, r)
	if f != nil {
		web.WriteAPIError(w, f)
		return
	}
	c, err := types.ParseCode(r.URL.Query().Get("code"))
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
	out := CodeStatus{Code: rec.Code, Status: types.CodeStatusName(rec.Status), Unit: types.UnitName(rec.Unit), BatchID: rec.BatchId,
		Parent: rec.Parent, Height: v.Height, Logistic: rec.LogisticUnit}
	if rec.Status == types.CodeStatus_CODE_STATUS_HELD || rec.Status == types.CodeStatus_CODE_STATUS_RECALLED {
		out.Stop, out.Reason = true, rec.StatusReason
	}
	for _, h := range rec.Holdings {
		if h.Holder == acct.OwnerId {
			out.Held = h.Quantity
		}
	}
	if rec.BatchId != "" {
		b := &types.Batch{}
		if _, err := s.cfg.Verifier.Query(ctx, "/trace/batch?id="+url.QueryEscape(rec.BatchId), b); err == nil {
			if b.Facts != nil {
				out.Product = b.Facts.Name
			}
			switch {
			case b.PositiveTest:
				out.Warning = "positive"
			case b.Recall != 0:
				out.Warning = "recalled"
			}
		}
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// Inbound is one open consignment to the signer's enterprise.
type Inbound struct {
	ID         string        `json:"id"`
	Sender     string        `json:"sender"`
	SenderName string        `json:"sender_name,omitempty"`
	Items      []InboundItem `json:"items"`
	Dispatched int64         `json:"dispatched_time_ms"`
	Height     int64         `json:"dispatched_height"`
}

// InboundItem is a code and quantity of a consignment.
type InboundItem struct {
	Code     string `json:"code"`
	Quantity uint64 `json:"quantity"`
}

// handleInbound serves GET /scan/api/inbound to a signed request of an
// enterprise's key: the consignments waiting for it to receive them.
func (s *Station) handleInbound(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	acct, f := s.signer(ctx, r)
	if f != nil {
		web.WriteAPIError(w, f)
		return
	}
	if acct.OwnerKind != types.OwnerKind_OWNER_KIND_ENTERPRISE {
		web.WriteJSON(w, http.StatusOK, map[string]any{"consignments": []Inbound{}})
		return
	}
	list := &types.ConsignmentList{}
	v, err := s.cfg.Verifier.Query(ctx, "/trace/inbound/"+acct.OwnerId, list)
	if err != nil && !web.NotFound(v, err) {
		web.WriteAPIError(w, classify(v, err))
		return
	}
	out := []Inbound{}
	names := map[string]string{}
	for _, c := range list.Consignments {
		in := Inbound{ID: hexUpper(c.Id), Sender: c.Sender, Dispatched: c.DispatchedTimeMs, Height: c.DispatchedHeight, Items: []InboundItem{}}
		if _, ok := names[c.Sender]; !ok {
			e := &types.Enterprise{}
			if _, err := s.cfg.Verifier.Query(ctx, "/registry/enterprise/"+c.Sender, e); err == nil {
				names[c.Sender] = e.Name
			}
		}
		in.SenderName = names[c.Sender]
		for _, it := range c.Items {
			in.Items = append(in.Items, InboundItem{Code: it.Code, Quantity: it.Quantity})
		}
		out = append(out, in)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"consignments": out, "height": v.Height})
}

// handleEnterprise serves GET /scan/api/enterprise/{uscc}: a buyer's name
// and status, verified, before goods are dispatched to it.
func (s *Station) handleEnterprise(w http.ResponseWriter, r *http.Request) {
	uscc := r.PathValue("uscc")
	if err := types.ValidateUSCC(uscc); err != nil {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	e := &types.Enterprise{}
	v, err := s.cfg.Verifier.Query(ctx, "/registry/enterprise/"+uscc, e)
	if err != nil {
		web.WriteAPIError(w, classify(v, err))
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"uscc": e.Uscc, "name": e.Name, "division": e.Division,
		"active": e.Status == types.Status_STATUS_ACTIVE})
}

// handleQR serves GET /scan/api/qr?key=HEX: a device's public key as a QR
// image, for the enterprise's enrolled phone or computer to read.
func (s *Station) handleQR(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	if b, err := hex.DecodeString(key); err != nil || len(b) != 32 {
		web.WriteAPIError(w, &failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "key must be 64 hex characters"})
		return
	}
	png, err := label.QRPNG(key, 256)
	if err != nil {
		web.WriteAPIError(w, &failure{Status: http.StatusInternalServerError, Kind: "internal", Detail: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(png)
}
