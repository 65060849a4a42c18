package app

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/query"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Query reads a saved version, never the block in progress. With prove=true
// every key the answer was computed from comes with an ics23 proof against
// the app hash of that height: membership for what exists, non-membership
// for what does not. Re-running Answer over the proven keys alone must give
// the same answer, which is how a client checks it (client.VerifyAnswer).
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (res *abci.ResponseQuery, _ error) {
	// A query path comes from anyone who reaches the RPC: whatever it makes
	// the code do, it gets an answer, never a crashed node.
	defer func() {
		if r := recover(); r != nil {
			a.logger.Error("query panicked", "path", req.Path, "height", req.Height, "panic", r)
			res = refusal(&abci.ResponseQuery{}, types.ErrInternal.Wrapf("the node failed on this query; report it with the node's log"))
		}
	}()
	snap, height, err := a.snapshotAt(req.Height)
	if err != nil {
		return refusal(&abci.ResponseQuery{}, err), nil
	}
	var kv state.KV = snap
	var rec *state.Recorder
	if req.Prove {
		rec = state.NewRecorder(snap)
		kv = rec
	}
	res, err = query.Answer(kv, height, req.Path)
	if res == nil {
		res = &abci.ResponseQuery{}
	}
	res.Height = height
	if err != nil {
		res = refusal(res, err)
	}
	if rec != nil {
		ops, perr := snap.BatchProofOps(rec.Keys())
		if perr != nil {
			return refusal(&abci.ResponseQuery{Height: height}, perr), nil
		}
		res.ProofOps = ops
	}
	return res, nil
}

func refusal(res *abci.ResponseQuery, err error) *abci.ResponseQuery {
	code, log := types.CodeOf(err)
	res.Code, res.Log, res.Codespace = code, log, types.Codespace
	return res
}

// snapshotAt opens a saved version (0: the latest).
func (a *App) snapshotAt(h int64) (*state.Snapshot, int64, error) {
	a.saved.RLock()
	defer a.saved.RUnlock()
	latest := a.tree.Version()
	height := h
	if height == 0 {
		height = latest
	}
	if latest == 0 {
		return nil, 0, types.ErrHeightUnavailable.Wrapf("the node has not committed its first block yet; retry in a moment")
	}
	if height <= 0 || height > latest || !a.tree.VersionExists(height) {
		return nil, 0, types.ErrHeightUnavailable.Wrapf("height %d is not stored (latest is %d)", h, latest)
	}
	snap, err := a.tree.Immutable(height)
	if err != nil {
		return nil, 0, types.ErrHeightUnavailable.Wrapf("height %d: %v", height, err)
	}
	return snap, height, nil
}
