package app

import (
	"errors"
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
	maxCustomsChecksPerBlock = 200
)

// runWatches raises the alerts that time alone triggers, at the block's
// header time: consignments not received in time (a broken loop), goods
// still held by enterprises after their expiry date, and (rules v3) goods
// and declarations customs data has not matched, and licences about to
// expire or expired. It runs before the
// block's txs and writes in key order, so every node does the same.
//
// A watch entry whose records do not add up (a key that does not parse, a
// batch without a record) is an inconsistency no tx can repair: it is
// skipped and deleted, and reported as a watch_skipped block event and a log
// line, never as an error that would stop the chain. Only storage errors
// are returned.
func (a *App) runWatches(kv state.KV, height int64, blk *Context) ([]abci.Event, error) {
	branch := state.NewCache(kv)
	st := state.New(branch)
	ctx := &Context{Height: height, Time: blk.Time, Rules: blk.Rules}

	now := blk.Time.UnixMilli()
	due, err := st.Due(state.ReceiptWatchPrefix(), state.ReceiptWatchKey(now+1, nil), maxReceiptChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range due {
		if err := a.watchEntry(ctx, branch, k, checkReceipt); err != nil {
			return nil, err
		}
	}

	today := ctx.day()
	expired, err := st.Due(state.ExpiryWatchPrefix(), state.ExpiryWatchKey(today, ""), maxExpiryChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range expired {
		if err := a.watchEntry(ctx, branch, k, checkExpiry); err != nil {
			return nil, err
		}
	}
	licences, err := st.Due(state.LicenceWatchPrefix(), state.LicenceWatchKey(today+"\xff", 0, "", ""), maxCustomsChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range licences {
		if err := a.watchEntry(ctx, branch, k, checkLicenceWatch); err != nil {
			return nil, err
		}
	}
	customs, err := st.Due(state.CustomsWatchPrefix(), state.CustomsWatchKey(now+1, 0, ""), maxCustomsChecksPerBlock)
	if err != nil {
		return nil, err
	}
	for _, k := range customs {
		if err := a.watchEntry(ctx, branch, k, checkCustomsWatch); err != nil {
			return nil, err
		}
	}
	return ctx.events, branch.Write()
}

// legacyWatchHalts is set only in test builds (app/legacy_halt.go).
var legacyWatchHalts bool

// watchEntry runs one entry's check on a branch of kv and deletes the entry.
// A refusal-coded error or a panic means the entry's data is inconsistent:
// the branch is dropped, the entry deleted, and the skip reported.
func (a *App) watchEntry(ctx *Context, kv state.KV, key []byte, check func(*changes, *state.State, []byte) error) error {
	branch := state.NewCache(kv)
	st := state.New(branch)
	mark := len(ctx.events)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = types.ErrInternal.Wrapf("panic: %v", r)
			}
		}()
		c := newChanges(ctx, st)
		if err := check(c, st, key); err != nil {
			return err
		}
		return c.flushStats()
	}()
	var coded *types.Error
	switch {
	case err == nil:
		if err := branch.Write(); err != nil {
			return err
		}
	case legacyWatchHalts && !ctx.Rules.StrictValues():
		return err
	case errors.As(err, &coded):
		ctx.events = ctx.events[:mark]
		a.logger.Error("time-triggered check skipped: its records are inconsistent", "height", ctx.Height, "key", fmt.Sprintf("%X", key), "err", err)
		ctx.Emit("watch_skipped", Attr("key", fmt.Sprintf("%X", key)), Attr("reason", err.Error()))
	default:
		return err // storage
	}
	return state.New(kv).Delete(key)
}

// checkReceipt alerts the buyer's division when a consignment due for
// receipt is still open. Key: prefix | due ms(8) | consignment id(32).
func checkReceipt(c *changes, st *state.State, k []byte) error {
	if len(k) != 1+8+32 {
		return types.ErrInternal.Wrapf("receipt watch key has %d bytes, want 41", len(k))
	}
	id := k[1+8:]
	con, err := st.Consignment(id)
	if err != nil || con == nil || con.Received {
		return err
	}
	var codes []string
	for _, it := range con.Items {
		codes = append(codes, it.Code)
	}
	msg := fmt.Sprintf("consignment %X from %s to %s dispatched at height %d is still not received", id, con.Sender, con.Buyer, con.DispatchedHeight)
	buyer, err := c.enterprise(con.Buyer)
	if err != nil {
		return err
	}
	return c.alert(types.AlertKind_ALERT_KIND_NOT_RECEIVED, buyer.Division, msg, codes, "", id)
}

// checkExpiry alerts when a batch past its expiry date is still held.
func checkExpiry(c *changes, st *state.State, k []byte) error {
	date, batchID, err := parseExpiryWatchKey(k)
	if err != nil {
		return err
	}
	// Under every version: v1 wrote such keys (years past 9999) but its
	// binary halted on them, so no committed height depends on their handling.
	if _, ok := types.ParseDate(date); !ok {
		return types.ErrInternal.Wrapf("expiry watch of batch %s names %q, which is not a date in years 0001-9999", batchID, date)
	}
	return alertExpiredHeld(c, st, batchID, date)
}

// parseExpiryWatchKey splits prefix | date | batch id by structure: the date
// is digits, '-', two digits, '-', two digits, whatever the year's length
// (rules v1 let shelf-life arithmetic reach five-digit years).
func parseExpiryWatchKey(k []byte) (date, batchID string, err error) {
	i := 1
	for i < len(k) && k[i] >= '0' && k[i] <= '9' {
		i++
	}
	end := i + len("-01-01")
	if i == 1 || end > len(k) || k[i] != '-' || k[i+3] != '-' {
		return "", "", types.ErrInternal.Wrapf("expiry watch key %q has no date", k)
	}
	date, batchID = string(k[1:end]), string(k[end:])
	if batchID == "" {
		return "", "", types.ErrInternal.Wrapf("expiry watch key %q names no batch", k)
	}
	return date, batchID, nil
}

// alertExpiredHeld raises one alert for a batch whose goods are past expiry
// but still held by enterprises.
func alertExpiredHeld(c *changes, st *state.State, batchID, expiry string) error {
	b, err := st.Batch(batchID)
	if err != nil || b == nil {
		return types.OrInternal(err, "expiry watch names batch %s that has no record", batchID)
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

// checkLicenceWatch alerts a licence that expires within a month, or has
// expired (the enterprise then cannot trade until it is renewed). An entry
// for a licence since renewed finds another validity and does nothing.
// Key: prefix | date(10) | kind(1) | uscc(18) | licence number.
func checkLicenceWatch(c *changes, st *state.State, k []byte) error {
	if len(k) < 1+10+1+18+1 {
		return types.ErrInternal.Wrapf("licence watch key has %d bytes", len(k))
	}
	date, kind, uscc, number := string(k[1:11]), k[11], string(k[12:30]), string(k[30:])
	on, ok := types.ParseDate(date)
	if !ok {
		return types.ErrInternal.Wrapf("licence watch key has date %q", date)
	}
	e, err := st.Enterprise(uscc)
	if err != nil || e == nil {
		return types.OrInternal(err, "licence watch names enterprise %s that has no record", uscc)
	}
	for _, l := range e.GetProfile().GetLicences() {
		if l.Number != number {
			continue
		}
		until, ok := types.ParseDate(l.ValidUntil)
		switch {
		case !ok:
		case kind == state.WatchLicenceSoon && until.Equal(on.AddDate(0, 0, licenceWarningDays)):
			return c.alert(types.AlertKind_ALERT_KIND_LICENCE, e.Division,
				"licence "+number+" of "+uscc+" ("+e.Name+") expires on "+l.ValidUntil+"; renew it before then", nil, "", nil)
		case kind == state.WatchLicenceExpired && until.Equal(on.AddDate(0, 0, -1)):
			return c.alert(types.AlertKind_ALERT_KIND_LICENCE, e.Division,
				"licence "+number+" of "+uscc+" ("+e.Name+") expired on "+l.ValidUntil+"; it cannot trade until the licence is renewed", nil, "", nil)
		}
	}
	return nil
}
