package app

import (
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Bounds on the time-triggered checks one block runs; what is left waits for
// the next block, so a backlog never makes a block slow.
const (
	maxReceiptChecksPerBlock = 500
	maxExpiryChecksPerBlock  = 20
)

// runWatches raises the alerts that time alone triggers, at the block's
// header time: consignments not received in time (a broken loop) and goods
// still held by enterprises after their expiry date. It runs before the
// block's txs and writes in key order, so every node does the same.
func (a *App) runWatches(height int64, blk *Context) ([]abci.Event, error) {
	branch := state.NewCache(a.tree)
	st := state.New(branch)
	ctx := &Context{Height: height, Time: blk.Time}
	c := newChanges(ctx, st)

	now := blk.Time.UnixMilli()
	due, err := st.Due(state.ReceiptWatchPrefix(), state.ReceiptWatchKey(now+1, nil), maxReceiptChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range due {
		id := k[len(k)-32:]
		con, err := st.Consignment(id)
		if err != nil {
			return nil, err
		}
		if con != nil && !con.Received {
			var codes []string
			for _, it := range con.Items {
				codes = append(codes, it.Code)
			}
			msg := fmt.Sprintf("consignment %X from %s to %s dispatched at height %d is still not received", id, con.Sender, con.Buyer, con.DispatchedHeight)
			buyer, err := c.enterprise(con.Buyer)
			if err != nil {
				return nil, err
			}
			if err := c.alert(types.AlertKind_ALERT_KIND_NOT_RECEIVED, buyer.Division, msg, codes, "", id); err != nil {
				return nil, err
			}
		}
		if err := st.Delete(k); err != nil {
			return nil, err
		}
	}

	today := ctx.day()
	expired, err := st.Due(state.ExpiryWatchPrefix(), state.ExpiryWatchKey(today, ""), maxExpiryChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range expired {
		batchID := string(k[1+len(today):])
		if err := alertExpiredHeld(c, st, batchID, string(k[1:1+len(today)])); err != nil {
			return nil, err
		}
		if err := st.Delete(k); err != nil {
			return nil, err
		}
	}
	if err := c.flushStats(); err != nil {
		return nil, err
	}
	return ctx.events, branch.Write()
}

// alertExpiredHeld raises one alert for a batch whose goods are past expiry
// but still held by enterprises.
func alertExpiredHeld(c *changes, st *state.State, batchID, expiry string) error {
	b, err := st.Batch(batchID)
	if err != nil || b == nil {
		return orInternal(err, "expiry watch names batch %s that has no record", batchID)
	}
	codes, _, err := st.KeysUnder(state.BatchCodePrefix(batchID), nil, maxBatchCodes)
	if err != nil {
		return err
	}
	var held []string
	for _, k := range codes {
		r, err := st.Code(string(k))
		if err != nil {
			return err
		}
		if r != nil && len(r.Holdings) > 0 {
			held = append(held, r.Code)
		}
	}
	if len(held) == 0 {
		return nil
	}
	commissioner, err := c.enterprise(b.Commissioner)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("batch %s expired on %s; %d code(s) are still held by enterprises", batchID, expiry, len(held))
	if len(held) > 50 {
		held = held[:50]
	}
	return c.alert(types.AlertKind_ALERT_KIND_EXPIRED_HELD, commissioner.Division, msg, held, batchID, nil)
}
