package app

import (
	"crypto/sha256"
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// mode is the only difference between CheckTx and FinalizeBlock.
type mode int

const (
	modeCheck   mode = iota // a new tx entering the mempool
	modeRecheck             // a mempool tx re-checked after a block; its signature was verified already
	modeDeliver             // a tx in a decided block
)

// txResult is the outcome of one tx, converted to ABCI in one place (exec).
type txResult struct {
	err    error
	events []abci.Event
	msgs   []string // the names of its messages, for metrics; none when it did not decode
	// expected is the signer's next sequence when the tx had another one;
	// CheckTx returns it as data (types.ExpectedSequence) for clients.
	expected *uint64
	hash     [32]byte
	// replayable: the tx's checks depend only on what it reads, the rules
	// and the day (recheck.go).
	replayable bool
	// signer owns the key that signed a tx in a block (analytics events name it).
	signer string
}

// executeTx runs every check and the handlers of one tx against kv. Writes
// reach kv only as a whole: a refused tx leaves kv unchanged, except that in
// a block a correctly signed tx with the right sequence always consumes its
// sequence, so it can never be replayed once conditions change.
func (a *App) executeTx(blk *Context, kv state.KV, raw []byte, m mode) txResult {
	dtx, hash, err := a.decode(raw, m, blk.Rules)
	if err != nil {
		return txResult{err: err, hash: hash}
	}
	res := a.executeDecoded(blk, kv, dtx, hash, m)
	res.hash, res.replayable = hash, replayable(dtx)
	if a.observer != nil {
		for _, msg := range dtx.Msgs {
			res.msgs = append(res.msgs, types.MsgName(msg))
		}
	}
	return res
}

// replayable reports whether a tx's checks depend only on the state it
// reads, the rules and the day, so that a recheck may replay its writes.
func replayable(dtx *types.DecodedTx) bool {
	if dtx.Body.EventTimeMs != 0 {
		return false // judged by the last block's time
	}
	for _, m := range dtx.Msgs {
		switch m.(type) {
		case *types.MsgScheduleUpgrade, *types.MsgSetParams:
			return false // judged by the height
		}
	}
	return true
}

// executeDecoded runs the stateful part of executeTx on a decoded tx.
func (a *App) executeDecoded(blk *Context, kv state.KV, dtx *types.DecodedTx, hash [32]byte, m mode) txResult {
	seqBranch := state.NewCache(kv)
	st := state.New(seqBranch)
	acct, err := st.Account(dtx.Body.Signer)
	if err != nil {
		return txResult{err: err}
	}
	application := acct == nil && isApplication(blk, dtx)
	if application {
		// An operator applying to be registered signs with the key it
		// applies with, which the chain does not know yet (rules v3).
		acct = &types.Account{Key: dtx.Body.Signer, OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE,
			OwnerId: dtx.Msgs[0].(*types.MsgApplyEnterprise).Uscc, AddedHeight: blk.Height, Label: "application"}
	}
	if acct == nil {
		return txResult{err: types.ErrUnknownSigner.Wrapf("key %X is not registered", dtx.Body.Signer)}
	}
	if dtx.Body.Sequence != acct.Sequence {
		next := acct.Sequence
		return txResult{err: types.ErrBadSequence.Wrapf("tx has sequence %d, the key's next sequence is %d", dtx.Body.Sequence, acct.Sequence), expected: &next}
	}
	acct.Sequence++
	if err := st.SetAccount(acct); err != nil {
		return txResult{err: err}
	}
	ctx := &Context{Height: blk.Height, Time: blk.Time, Rules: blk.Rules, TxHash: hash[:], EventTimeMs: dtx.Body.EventTimeMs,
		checkClockMs: blk.checkClockMs, inCheckTx: m != modeDeliver}
	err = checkEventTime(ctx, st)
	if err == nil {
		err = a.runMsgs(ctx, seqBranch, acct, dtx, application)
	}
	if err != nil && (m != modeDeliver || application) {
		// The mempool keeps nothing of a refused tx; nor does a block of a
		// refused application, whose key has no account to use up.
		return txResult{err: err}
	}
	if werr := seqBranch.Write(); werr != nil {
		return txResult{err: werr}
	}
	if err != nil {
		return txResult{err: err, signer: acct.OwnerId}
	}
	return txResult{events: ctx.events, signer: acct.OwnerId}
}

// checkEventTime (rules v3) bounds a signed event time by the block's time:
// an offline scan is recorded as when it happened, within
// params.max_event_age_seconds before its block and never after it. Decoding
// refused the field under older rules.
func checkEventTime(ctx *Context, st *state.State) error {
	if ctx.EventTimeMs == 0 {
		return nil
	}
	p, err := st.Params()
	if err != nil {
		return err
	}
	block := ctx.Time.UnixMilli()
	if ctx.inCheckTx {
		// The mempool does not know the next block's time: it judges by
		// the last block's, allowing for the wait until the next one, and
		// leaves the exact check to the block.
		if ctx.checkClockMs == 0 {
			return nil
		}
		block = ctx.checkClockMs + checkTxEventGraceMs
	}
	switch {
	case ctx.EventTimeMs > block:
		return types.ErrEventTime.Wrapf("event time %s is after the block's time %s", types.UnixTime(ctx.EventTimeMs/1000).Format(time.RFC3339), time.UnixMilli(block).UTC().Format(time.RFC3339))
	case block-ctx.EventTimeMs > int64(p.MaxEventAge())*1000:
		return types.ErrEventTime.Wrapf("event time %s is more than %d s before the block's time %s", types.UnixTime(ctx.EventTimeMs/1000).Format(time.RFC3339), p.MaxEventAge(), time.UnixMilli(block).UTC().Format(time.RFC3339))
	}
	return nil
}

// checkTxEventGraceMs is how far after the last block CheckTx lets a signed
// event time be: the time until the next block, with a clock's slack.
const checkTxEventGraceMs = 60_000

// runMsgs authorizes the signer and applies every message on a branch of
// kv that is written only if all of them succeed.
//
// A handler that panics on data it did not expect refuses the tx with code 1
// (internal) instead of stopping the chain: every node panics alike, so the
// refusal is as deterministic as any other, and the branch is dropped.
func (a *App) runMsgs(ctx *Context, kv state.KV, acct *types.Account, dtx *types.DecodedTx, application bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a.logger.Error("handler panicked; the tx is refused with code 1", "height", ctx.Height, "tx", fmt.Sprintf("%X", ctx.TxHash), "panic", r)
			err = types.ErrInternal.Wrapf("the node failed on this tx (%v); report it with the node's log", r)
		}
	}()
	branch := state.NewCache(kv)
	st := state.New(branch)
	if application {
		ctx.Signer = Signer{Account: acct} // its enterprise is what the message creates
	} else {
		signer, err := resolveSigner(st, acct)
		if err != nil {
			return err
		}
		ctx.Signer = signer
	}
	for i, msg := range dtx.Msgs {
		ctx.MsgIndex = uint32(i)
		if err := a.router.handle(ctx, st, msg); err != nil {
			if len(dtx.Msgs) > 1 {
				code, _ := types.CodeOf(err)
				if e := types.ErrorByCode(code); e != nil {
					return e.Wrapf("message %d (%s): %v", i, types.MsgName(msg), err)
				}
			}
			return err
		}
	}
	return branch.Write()
}

// isApplication: a tx of one MsgApplyEnterprise at sequence 0, under rules
// that have it, may come from a key the chain does not know.
func isApplication(blk *Context, dtx *types.DecodedTx) bool {
	if !blk.Rules.Applications() || len(dtx.Msgs) != 1 || dtx.Body.Sequence != 0 {
		return false
	}
	_, ok := dtx.Msgs[0].(*types.MsgApplyEnterprise)
	return ok
}

// resolveSigner refuses revoked keys and suspended owners.
func resolveSigner(st *state.State, acct *types.Account) (Signer, error) {
	s := Signer{Account: acct}
	if acct.Revoked {
		return s, types.ErrKeyRevoked.Wrapf("key %X was revoked", acct.Key)
	}
	var status types.Status
	switch acct.OwnerKind {
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		r, err := st.Regulator(acct.OwnerId)
		if err != nil || r == nil {
			return s, types.OrInternal(err, "account %X names regulator %s that has no record", acct.Key, acct.OwnerId)
		}
		s.Regulator, status = r, r.Status
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		e, err := st.Enterprise(acct.OwnerId)
		if err != nil || e == nil {
			return s, types.OrInternal(err, "account %X names enterprise %s that has no record", acct.Key, acct.OwnerId)
		}
		s.Enterprise, status = e, e.Status
	case types.OwnerKind_OWNER_KIND_CUSTOMS:
		c, err := st.Customs()
		if err != nil || c == nil {
			return s, types.OrInternal(err, "account %X names customs, which has no record", acct.Key)
		}
		s.Customs, status = c, types.Status_STATUS_ACTIVE
	default:
		return s, types.ErrInternal.Wrapf("account %X has no owner", acct.Key)
	}
	if status != types.Status_STATUS_ACTIVE {
		return s, types.ErrSignerSuspended.Wrapf("%s is %s", acct.OwnerId, types.StatusName(status))
	}
	return s, nil
}

func (r txResult) exec() *abci.ExecTxResult {
	code, log := types.CodeOf(r.err)
	res := &abci.ExecTxResult{Code: code, Log: log, Events: r.events}
	if code != 0 {
		res.Codespace = types.Codespace
	}
	return res
}

// decode runs the stateless checks, verifying the signature unless these
// exact bytes were verified before (or the mempool rechecks them).
func (a *App) decode(raw []byte, m mode, rules types.RuleSet) (*types.DecodedTx, [32]byte, error) {
	h := sha256.Sum256(raw)
	verify := m != modeRecheck && !a.sigs.has(h)
	lim := a.limits
	lim.Rules = uint32(rules)
	dtx, err := types.DecodeTx(raw, lim, verify)
	if err == nil && verify {
		a.sigs.add(h)
	}
	return dtx, h, err
}
