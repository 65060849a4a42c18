package client

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/query"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// ErrVerification is returned (wrapped, with the reason) when an answer,
// a proof, a header or a history does not check out.
var ErrVerification = errors.New("verification failed")

func verifyErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrVerification, fmt.Sprintf(format, args...))
}

// VerifyAnswer checks a proven query answer against appHash, the app hash
// of the answer's height: every proof must verify, and the answer must
// follow from the proven keys alone (the query is re-run over them). It
// returns the proven keys for further checks.
func VerifyAnswer(res *abci.ResponseQuery, path string, appHash []byte) (*state.Proven, error) {
	if res == nil {
		return nil, verifyErr("no answer")
	}
	if len(appHash) == 0 {
		return nil, verifyErr("no app hash to verify against")
	}
	if res.ProofOps == nil || len(res.ProofOps.Ops) == 0 {
		if res.Code != 0 && res.Code != types.ErrNotFound.Code {
			return nil, verifyErr("the node refused the query (code %d: %s); a refusal carries no proof", res.Code, res.Log)
		}
		return nil, verifyErr("the answer carries no proof")
	}
	proven, err := state.ReadProofs(res.ProofOps.Ops, appHash)
	if err != nil {
		return nil, verifyErr("%v", err)
	}
	again, err := query.Answer(proven, res.Height, path)
	var gap *state.RangeError
	switch {
	case errors.As(err, &gap):
		return nil, verifyErr("the node did not prove its list complete, so an entry may have been left out: %s", gap.Reason())
	case errors.Is(err, state.ErrUnproven):
		return nil, verifyErr("the answer reads state the node did not prove")
	}
	code, _ := types.CodeOf(err)
	if again == nil {
		again = &abci.ResponseQuery{}
	}
	switch {
	case code != res.Code:
		return nil, verifyErr("the node answered code %d; the proven state gives code %d", res.Code, code)
	case !bytes.Equal(again.Key, res.Key):
		return nil, verifyErr("the answer names key %X; the proven state gives %X", res.Key, again.Key)
	case !bytes.Equal(again.Value, res.Value):
		return nil, verifyErr("the answer's content differs from what the proven state gives (%d and %d bytes)", len(res.Value), len(again.Value))
	}
	if strings.HasPrefix(path, "/trace/history") {
		if err := VerifyHistory(proven, res); err != nil {
			return nil, err
		}
	}
	return proven, nil
}

// VerifyHistory recomputes a code's history hash chain from the proven
// events of a history answer and refuses a history that does not end at the
// head of the proven code record. A page that does not start at the first
// event cannot be chained and is refused.
func VerifyHistory(proven *state.Proven, res *abci.ResponseQuery) error {
	if res.Code != 0 {
		return nil // a refusal (not found) has no history to chain
	}
	page := &types.HistoryPage{}
	if err := unmarshal(res.Value, page); err != nil {
		return verifyErr("history answer does not decode: %v", err)
	}
	rec := page.Code
	if rec == nil {
		return verifyErr("history answer has no code record")
	}
	if uint64(len(page.Events)) != rec.Events {
		return verifyErr("the answer holds %d of the %d events of %s; ask for the whole history (limit) to check its hash chain", len(page.Events), rec.Events, rec.Code)
	}
	var head []byte
	for i := uint64(0); i < rec.Events; i++ {
		h, err := proven.Get(state.HistoryKey(rec.Code, i))
		if err != nil || h == nil {
			return verifyErr("history entry %d of %s is not proven", i, rec.Code)
		}
		b, err := proven.Get(state.EventKey(h))
		if err != nil || b == nil {
			return verifyErr("event %X is not proven", h)
		}
		if sum := sha256.Sum256(b); !bytes.Equal(sum[:], h) {
			return verifyErr("event %d of %s hashes to %X, not %X", i, rec.Code, sum, h)
		}
		head = state.ChainHead(head, b)
	}
	if !bytes.Equal(head, rec.Head) {
		return verifyErr("the history of %s recomputes to head %X, the proven record has %X", rec.Code, head, rec.Head)
	}
	return nil
}
