package station

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// RelayResult is the answer of POST /scan/api/tx.
type RelayResult struct {
	// Status is "committed" (in a block with code 0), "refused" (a code,
	// at CheckTx or in the block), or "unknown" (sent, fate not known:
	// look it up by hash later).
	Status string `json:"status"`
	Hash   string `json:"hash"`
	Height int64  `json:"height,omitempty"`
	Code   uint32 `json:"code,omitempty"`
	Log    string `json:"log,omitempty"`
	// SequenceUsed: a tx refused in a block used its sequence; one refused
	// at CheckTx did not, and the signer's later txs must be signed again.
	SequenceUsed bool `json:"sequence_used"`
	// Expected is the sequence the node expects after a bad-sequence refusal.
	Expected *uint64 `json:"expected_sequence,omitempty"`
	// Hint says what to do about a refusal, in both languages.
	Hint *Hint `json:"hint,omitempty"`
}

// checkRelayed reads the request's tx: at most MaxTxBytes, and a Tx whose
// signature verifies, so that garbage never reaches the node.
func checkRelayed(raw []byte, chainID string) error {
	if len(raw) == 0 {
		return errors.New("the body is empty: send the signed tx's bytes (application/octet-stream)")
	}
	_, err := types.DecodeTx(raw, types.Limits{ChainID: chainID, MaxTxBytes: MaxTxBytes, MaxMsgsPerTx: 100}, true)
	return err
}

// handleRelay serves POST /scan/api/tx: the body is a signed tx's bytes;
// the gateway broadcasts them as they are and waits for the block.
func (s *Station) handleRelay(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.relayL.Allow(s.cfg.ClientIP(r)); !ok {
		web.WriteAPIError(w, web.RetryAfter(w, wait))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTxBytes+1))
	if err != nil || len(raw) > MaxTxBytes {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusRequestEntityTooLarge, Kind: "too_large",
			Detail: fmt.Sprintf("a relayed tx has at most %d bytes", MaxTxBytes)})
		return
	}
	c := s.cfg.Verifier.Client()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout+c.WaitTimeout)
	defer cancel()
	chainID, err := c.ChainID(ctx)
	if err != nil {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusServiceUnavailable, Kind: "unavailable", Detail: err.Error()})
		return
	}
	if err := checkRelayed(raw, chainID); err != nil {
		res := RelayResult{Status: "refused", Hash: hexUpper(client.TxHash(raw)), Log: err.Error(), Code: types.ErrTxDecode.Code}
		var te *types.Error
		if errors.As(err, &te) {
			res.Code = te.Code
		}
		res.Hint = HintFor(res.Code)
		web.WriteJSON(w, http.StatusUnprocessableEntity, res)
		return
	}
	tr, err := c.BroadcastAndWait(ctx, raw)
	res := RelayResult{Hash: hexUpper(client.TxHash(raw))}
	if tr != nil {
		res.Height, res.Code, res.Log = tr.Height, tr.Code, tr.Log
		if tr.Code == types.ErrBadSequence.Code {
			if want, ok := types.ExpectedSequence(tr.Data); ok {
				res.Expected = &want
			}
		}
	}
	var coded *client.Error
	switch {
	case err == nil:
		res.Status, res.SequenceUsed = "committed", true
	case errors.Is(err, client.ErrFateUnknown):
		res.Status = "unknown"
	case errors.As(err, &coded):
		res.Status, res.SequenceUsed = "refused", res.Height > 0
	default:
		// Nothing reached the node (unreachable, or it did not take it):
		// the station keeps the tx and sends it again.
		web.WriteAPIError(w, &web.Failure{Status: http.StatusServiceUnavailable, Kind: "unavailable", Detail: err.Error()})
		return
	}
	res.Hint = HintFor(res.Code)
	web.WriteJSON(w, http.StatusOK, res)
}

// handleTxLookup serves GET /scan/api/tx/{hash}: the fate of a tx the
// station sent before (status "unknown" while the node does not know it).
func (s *Station) handleTxLookup(w http.ResponseWriter, r *http.Request) {
	hash, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(hash) != 32 {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: "a tx hash is 64 hex characters"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
	defer cancel()
	res := RelayResult{Status: "unknown", Hash: hexUpper(hash)}
	tx, err := s.cfg.Verifier.Client().RPC().Tx(ctx, hash, false)
	if err == nil && tx != nil && tx.Height > 0 {
		res.Height, res.Code, res.Log, res.SequenceUsed = tx.Height, tx.TxResult.Code, tx.TxResult.Log, true
		res.Status = "committed"
		if tx.TxResult.Code != 0 {
			res.Status = "refused"
			res.Hint = HintFor(res.Code)
		}
	} else if err != nil && !strings.Contains(err.Error(), "not found") {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusServiceUnavailable, Kind: "unavailable", Detail: err.Error()})
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
