package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// AppVersion is the version of the state machine; it changes only with the rules.
const AppVersion uint64 = 1

var _ abci.Application = (*App)(nil)

// App is the coldtrace state machine. CometBFT calls it on four connections,
// each serialized on its own (node/run.go): consensus (InitChain, proposals,
// FinalizeBlock, Commit), mempool (CheckTx), query (Info, Query) and
// snapshots. Consensus and mempool never overlap a Commit (CometBFT locks the
// mempool around it); queries read immutable saved versions, and saved
// guards what they read of the tree against Commit and a snapshot restore,
// so a slow query never holds up a block.
type App struct {
	abci.BaseApplication

	saved sync.RWMutex // held for writing while the saved version changes (Commit, restore)

	tree   *state.Tree
	sigs   *sigCache
	router *router
	logger log.Logger
	limits types.Limits

	check     *state.Cache // the mempool's view: the last saved version plus accepted txs
	pending   *pendingTxs  // what the txs in the mempool's view read and wrote (recheck.go)
	checkTime time.Time    // midnight of the last block's date: CheckTx judges expiry by it
	// lastBlockMs is the time of the last block this process executed (Unix
	// ms; 0 after a restart until the next block): CheckTx judges signed
	// event times by it. Written by FinalizeBlock, read by CheckTx on
	// another connection.
	lastBlockMs atomic.Int64
	pendingHash []byte // app hash returned by the last FinalizeBlock, checked at Commit

	upgrades  []*types.Upgrade // rules upgrades the operators set in app.toml (rules.go)
	nextRules types.RuleSet    // the rules of the next height, which CheckTx applies

	snaps    *snapshots // state-sync snapshots (snapshots.go); nil until EnableSnapshots
	observer Observer   // metrics; nil when off
	// analytics: block results carry figure events and index every
	// attribute (analytics.go); node-local, no part of consensus.
	analytics bool
}

// Observer receives what the app counts, for metrics. Nothing it is given
// feeds back into state; the durations it gets are the only clock readings
// near block execution, and they never reach state.
type Observer interface {
	// Tx reports a tx's outcome: stage "check" (mempool) or "block", the
	// names of its messages (none when it did not decode) and its code (0: accepted).
	Tx(stage string, msgs []string, code uint32)
	// Block reports a finalized block: its tx count and how long FinalizeBlock took.
	Block(height int64, txs int, took time.Duration)
	// Committed reports a saved version and how many keys the state holds.
	Committed(version, keys int64)
}

// SetObserver turns metrics on; call it before the node starts.
func (a *App) SetObserver(o Observer) { a.observer = o }

// New builds the app over an opened tree.
func New(tree *state.Tree, logger log.Logger) (*App, error) {
	r, err := newRouter()
	if err != nil {
		return nil, err
	}
	a := &App{tree: tree, router: r, logger: logger, sigs: newSigCache(sigCacheSize), pending: newPendingTxs()}
	if tree.Version() > 0 {
		if err := a.loadLimits(); err != nil {
			return nil, err
		}
	}
	return a, a.resetCheckState()
}

// NewInMemory is an app over an empty in-memory tree, for tests and tools.
func NewInMemory() *App {
	a, err := New(state.OpenMemory(state.Options{}), log.NewNopLogger())
	if err != nil {
		panic(err)
	}
	return a
}

// Close waits for a snapshot being written, then closes the tree; call it
// after the node has stopped.
func (a *App) Close() error {
	if a.snaps != nil {
		a.snaps.close()
	}
	return a.tree.Close()
}

func (a *App) loadLimits() error {
	st := state.New(a.tree)
	id, err := st.ChainID()
	if err != nil {
		return err
	}
	p, err := st.Params()
	if err != nil {
		return err
	}
	a.limits = types.Limits{ChainID: id, MaxTxBytes: int(p.MaxTxBytes), MaxMsgsPerTx: int(p.MaxMsgsPerTx)}
	return nil
}

// resetCheckState points the mempool's view at the last saved version.
func (a *App) resetCheckState() error {
	a.nextRules = a.checkRules(a.tree.Version() + 1)
	a.pending.newRound(a.tree.TakeWritten())
	if a.tree.Version() == 0 {
		a.check = state.NewCache(a.tree) // before the first block: genesis writes are still unsaved
		return nil
	}
	snap, err := a.tree.Immutable(a.tree.Version())
	if err != nil {
		return fmt.Errorf("app: open version %d for the mempool: %w", a.tree.Version(), err)
	}
	a.check = state.NewCache(snap)
	date, err := state.New(snap).BlockDate()
	if err != nil || date == "" {
		return err
	}
	// The date was written from a block time, so it parses, though block
	// times past year 9999 give longer years.
	t, ok := types.ParseDay(date)
	if !ok {
		return fmt.Errorf("app: block date %q in state does not parse", date)
	}
	a.checkTime = t
	return nil
}

// Info tells CometBFT the last saved height and hash, so its handshake
// replays whatever blocks the app is missing.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.saved.RLock()
	defer a.saved.RUnlock()
	return &abci.ResponseInfo{
		Data:             "coldtrace",
		Version:          Version,
		AppVersion:       AppVersion,
		LastBlockHeight:  a.tree.Version(),
		LastBlockAppHash: a.tree.Hash(),
	}, nil
}

// CheckTx admits a tx to the mempool after the same checks FinalizeBlock
// runs, against the mempool's view so that many txs of one key can be in flight.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	m := modeCheck
	var prev *pendingTx
	if req.Type == abci.CheckTxType_Recheck {
		m = modeRecheck
		if prev = a.pending.seen(sha256.Sum256(req.Tx)); prev != nil && a.pending.replay(prev, a.check, a.nextRules, a.checkTime) {
			return &abci.ResponseCheckTx{}, nil
		}
	}
	view := newViewLog(a.check, len(req.Tx) > maxReplayTxBytes)
	out := a.executeTx(&Context{Height: a.tree.Version() + 1, Time: a.checkTime, Rules: a.nextRules, checkClockMs: a.lastBlockMs.Load()}, view, req.Tx, m)
	res := out.exec()
	switch {
	case res.Code == 0:
		a.pending.record(out.hash, prev, view, out.replayable, m == modeRecheck, a.nextRules, a.checkTime)
	case prev != nil:
		a.pending.drop(prev)
	}
	if a.observer != nil && m == modeCheck {
		a.observer.Tx("check", out.msgs, res.Code)
	}
	resp := &abci.ResponseCheckTx{Code: res.Code, Log: res.Log, Codespace: res.Codespace}
	if out.expected != nil {
		resp.Data = types.EncodeExpectedSequence(*out.expected)
	}
	return resp, nil
}

// PrepareProposal drops txs that fail the stateless checks or whose
// sequence does not follow their signer's, and keeps the block within its
// byte limit.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	txs := make([][]byte, 0, len(req.Txs))
	var total int64
	next := map[string]uint64{} // each signer's next sequence within this proposal
	st := state.New(a.tree)
	rules := a.checkRules(req.Height)
	for _, tx := range req.Txs {
		dtx, _, err := a.decode(tx, modeCheck, rules)
		if err != nil {
			continue
		}
		// A tx whose sequence does not follow its signer's previous one
		// would only be refused in the block: a mempool can hold it when
		// its predecessor was checked but not kept (the mempool was full).
		signer := string(dtx.Body.Signer)
		want, seen := next[signer]
		if !seen {
			acct, err := st.Account(dtx.Body.Signer)
			switch {
			case err != nil:
				continue
			case acct == nil && isApplication(&Context{Rules: rules}, dtx):
				want = 0 // an operator's application, signed by its new key
			case acct == nil:
				continue
			default:
				want = acct.Sequence
			}
		}
		if dtx.Body.Sequence != want {
			continue
		}
		if total+int64(len(tx)) > req.MaxTxBytes {
			break
		}
		next[signer] = want + 1
		total += int64(len(tx))
		txs = append(txs, tx)
	}
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal rejects a proposal only for a tx that fails the stateless
// checks (under the rules of the proposal's height: from v2 these include
// canonical encoding); stateful refusals are recorded per tx in FinalizeBlock.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	rules := a.checkRules(req.Height)
	for _, tx := range req.Txs {
		if _, _, err := a.decode(tx, modeCheck, rules); err != nil {
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock applies the block's txs in order to the working tree and
// returns the changes of the validator set they made (validators.go).
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	if a.observer != nil {
		defer func(start time.Time) { a.observer.Block(req.Height, len(req.Txs), time.Since(start)) }(time.Now())
	}
	if want := a.tree.Version() + 1; req.Height != want && a.tree.Version() > 0 {
		return nil, fmt.Errorf("app: finalize height %d, expected %d", req.Height, want)
	}
	rules, blockEvents, err := a.beginRules(req.Height)
	if err != nil {
		return nil, err
	}
	blk := &Context{Height: req.Height, Time: req.Time, Rules: rules}
	a.lastBlockMs.Store(req.Time.UnixMilli())
	if err := state.New(a.tree).SetBlockDate(rules.Day(req.Time)); err != nil {
		return nil, err
	}
	var kv state.KV = a.tree
	var tap *figureTap
	if a.analytics {
		tap = &figureTap{KV: a.tree}
		kv = tap
	}
	ev, err := a.runWatches(kv, req.Height, blk)
	if err != nil {
		return nil, fmt.Errorf("app: block %d: time-triggered checks: %w", req.Height, err)
	}
	blockEvents = append(blockEvents, ev...)
	if tap != nil {
		blockEvents = append(blockEvents, tap.take("")...)
	}
	valsBefore, err := validatorPowers(a.tree)
	if err != nil {
		return nil, fmt.Errorf("app: block %d: read validators: %w", req.Height, err)
	}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, tx := range req.Txs {
		out := a.executeTx(blk, kv, tx, modeDeliver)
		results[i] = out.exec()
		a.pending.committed = append(a.pending.committed, out.hash)
		if tap != nil {
			results[i].Events = append(results[i].Events, tap.take(out.signer)...)
			indexAll(results[i].Events)
		}
		if a.observer != nil {
			a.observer.Tx("block", out.msgs, results[i].Code)
		}
	}
	valsAfter, err := validatorPowers(a.tree)
	if err != nil {
		return nil, fmt.Errorf("app: block %d: read validators: %w", req.Height, err)
	}
	a.pendingHash = a.tree.WorkingHash()
	if a.analytics {
		indexAll(blockEvents)
	}
	return &abci.ResponseFinalizeBlock{
		TxResults: results, Events: blockEvents, AppHash: a.pendingHash,
		ValidatorUpdates: validatorUpdates(valsBefore, valsAfter),
	}, nil
}

// Commit saves the working tree as version = height, then starts a
// state-sync snapshot of it when one is due (snapshots.go), in the background.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.saved.Lock()
	version, err := a.commit()
	a.saved.Unlock()
	if err != nil {
		return nil, err
	}
	if a.observer != nil {
		a.observer.Committed(version, a.tree.Size())
	}
	a.afterCommit(version)
	return &abci.ResponseCommit{}, nil
}

func (a *App) commit() (int64, error) {
	hash, version, err := a.tree.SaveVersion()
	if err != nil {
		return 0, fmt.Errorf("app: save version: %w", err)
	}
	if a.pendingHash != nil && !bytes.Equal(hash, a.pendingHash) {
		return 0, fmt.Errorf("app: saved hash %X differs from the finalized %X at height %d", hash, a.pendingHash, version)
	}
	a.pendingHash = nil
	if a.limits.ChainID == "" {
		if err := a.loadLimits(); err != nil {
			return 0, err
		}
	}
	return version, a.resetCheckState()
}
