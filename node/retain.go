package node

import (
	"context"
	"sync/atomic"

	abci "github.com/cometbft/cometbft/abci/types"
)

// retainer answers Commit with the lowest height whose block the node must
// keep, so that CometBFT prunes its block store and state store below it
// (app.toml [blocks] retain_blocks). It never asks to drop a block at or above
// the oldest snapshot kept on disk, so that a node joining by state sync can
// still fetch the headers around the snapshot it was given.
type retainer struct {
	abci.Application
	keep           int64 // blocks kept, the last one included; 0 keeps all
	snapInterval   int64
	snapKeepRecent int64
	height         atomic.Int64 // of the last FinalizeBlock
}

// withRetention wraps the app when retention is on.
func withRetention(a abci.Application, c AppConfig) abci.Application {
	if c.Blocks.RetainBlocks <= 0 {
		return a
	}
	return &retainer{Application: a, keep: c.Blocks.RetainBlocks,
		snapInterval: c.StateSync.SnapshotInterval, snapKeepRecent: int64(c.StateSync.SnapshotKeepRecent)}
}

func (r *retainer) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res, err := r.Application.FinalizeBlock(ctx, req)
	if err == nil {
		r.height.Store(req.Height)
	}
	return res, err
}

func (r *retainer) Commit(ctx context.Context, req *abci.RequestCommit) (*abci.ResponseCommit, error) {
	res, err := r.Application.Commit(ctx, req)
	if err != nil || res == nil {
		return res, err
	}
	res.RetainHeight = retainHeight(r.height.Load(), r.keep, r.snapInterval, r.snapKeepRecent)
	return res, nil
}

// retainHeight is the lowest height to keep after committing height h with
// keep blocks retained (0: keep all); snapshots every interval heights, the
// last keepSnaps of them on disk, hold it down to the oldest of them.
func retainHeight(h, keep, interval, keepSnaps int64) int64 {
	if keep <= 0 || h <= keep {
		return 0
	}
	retain := h - keep + 1
	if interval > 0 && keepSnaps > 0 {
		oldest := (h/interval - keepSnaps + 1) * interval
		if oldest < interval { // fewer snapshots taken than kept
			oldest = interval
		}
		if oldest < retain {
			retain = oldest
		}
	}
	if retain <= 1 {
		return 0
	}
	return retain
}
