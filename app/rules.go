package app

import (
	"fmt"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// SetUpgrades gives the app the upgrades its operators set in app.toml: how
// a chain halted under old rules resumes under new ones at an agreed height,
// before any tx could schedule it. Every node of the chain, and every node
// that later replays it from genesis, must set the same list. Call it before
// the node starts. An upgrade at a height this node has already executed
// under older rules is refused: applied late, at the next height, it would
// make this node differ from every node that applies it at its height.
func (a *App) SetUpgrades(ups []*types.Upgrade) error {
	cur, err := state.New(a.tree).Rules()
	if err != nil {
		return err
	}
	last := a.tree.Version()
	for _, u := range ups {
		if u.Version > cur.Version && u.Height <= last {
			return fmt.Errorf("app.toml upgrades to rules v%d at height %d, but this node has executed every height up to %d under rules v%d: "+
				"an upgrade takes effect at a height not yet executed (a halted chain resumes at the height after its last committed one, %d)",
				u.Version, u.Height, last, cur.Version, last+1)
		}
	}
	a.upgrades = ups
	a.nextRules = a.checkRules(last + 1)
	return nil
}

// rulesAt returns the rules a block at height h executes under, given st
// (the state before the block), and the upgrade that h activates, if any:
// the highest version due at h among those scheduled on chain and those the
// operators set.
func (a *App) rulesAt(st *state.State, h int64) (*types.Rules, *types.Upgrade, error) {
	cur, err := st.Rules()
	if err != nil {
		return nil, nil, err
	}
	var due *types.Upgrade
	for _, u := range append(append([]*types.Upgrade(nil), cur.Scheduled...), a.upgrades...) {
		if u.Height <= h && u.Version > cur.Version && (due == nil || u.Version > due.Version) {
			due = u
		}
	}
	return cur, due, nil
}

// checkRules is the rule set CheckTx and the proposal checks use for height
// h. A version this binary does not know is judged by the latest it knows;
// FinalizeBlock stops the node at that height instead (beginRules).
func (a *App) checkRules(h int64) types.RuleSet {
	cur, due, err := a.rulesAt(state.New(a.tree), h)
	switch {
	case err != nil:
		return types.RulesOf(0)
	case due != nil:
		return types.RulesOf(min(due.Version, types.LatestRules))
	}
	return types.RulesOf(min(cur.Version, types.LatestRules))
}

// beginRules puts in force the parameter changes and the upgrade due at
// height h, recording them on chain, and returns the rules the block
// executes under, with a rules_upgrade event when the version changed. An
// upgrade to a version this binary does not know is the one error here that
// is not a storage failure: the chain agreed to run newer rules from h, and
// executing h under old ones would fork this node from the network.
func (a *App) beginRules(h int64) (types.RuleSet, []abci.Event, error) {
	st := state.New(a.tree)
	cur, due, err := a.rulesAt(st, h)
	if err != nil {
		return 0, nil, err
	}
	if err := applyParamsDue(st, cur, h); err != nil {
		return 0, nil, err
	}
	if due == nil {
		return types.RuleSet(cur.Version), nil, nil
	}
	if due.Version > types.LatestRules {
		return 0, nil, fmt.Errorf("app: the chain moves to rules v%d at height %d (%s), and this binary knows rules up to v%d: install a binary that knows v%d, then start the node again",
			due.Version, due.Height, due.Reason, types.LatestRules, due.Version)
	}
	next := &types.Rules{Version: due.Version, SinceHeight: h, ParamsScheduled: cur.ParamsScheduled}
	for _, u := range cur.Scheduled {
		if u.Version > due.Version {
			next.Scheduled = append(next.Scheduled, u)
		}
	}
	if err := st.SetRules(next); err != nil {
		return 0, nil, err
	}
	a.logger.Info("rules upgraded", "height", h, "from", cur.Version, "to", due.Version, "reason", due.Reason)
	ev := abci.Event{Type: "rules_upgrade", Attributes: []abci.EventAttribute{
		Indexed("from", strconv.FormatUint(uint64(cur.Version), 10)), Indexed("to", strconv.FormatUint(uint64(due.Version), 10)), Attr("reason", due.Reason)}}
	return types.RuleSet(due.Version), []abci.Event{ev}, nil
}

// scheduleUpgrade (root regulator) adds, replaces or, with height 0,
// cancels the upgrade to a version.
func scheduleUpgrade(ctx *Context, st rulesStore, m *types.MsgScheduleUpgrade) error {
	if err := requireRoot(ctx, "schedule upgrades of the rules"); err != nil {
		return err
	}
	cur, err := st.Rules()
	if err != nil {
		return err
	}
	if m.Version <= cur.Version {
		return types.ErrUpgrade.Wrapf("rules v%d are in force since height %d; schedule a later version", cur.Version, cur.SinceHeight)
	}
	// Versions come one after another: a mistyped v30 for v3 would stop
	// every validator at its height until a binary knowing v30 existed.
	next := cur.Version + 1
	for _, u := range cur.Scheduled {
		if u.Version >= next {
			next = u.Version + 1
		}
	}
	if m.Version > next {
		return types.ErrUpgrade.Wrapf("rules v%d would skip versions: the next one is v%d", m.Version, next)
	}
	var kept []*types.Upgrade
	found := false
	for _, u := range cur.Scheduled {
		if u.Version == m.Version {
			found = true
			continue
		}
		kept = append(kept, u)
	}
	if m.Height == 0 {
		if !found {
			return types.ErrNotFound.Wrapf("no upgrade to rules v%d is scheduled", m.Version)
		}
	} else {
		if m.Height <= ctx.Height {
			return types.ErrUpgrade.Wrapf("height %d is not after this block's height %d", m.Height, ctx.Height)
		}
		kept = append(kept, &types.Upgrade{Version: m.Version, Height: m.Height, Reason: m.Reason})
	}
	sort.Slice(kept, func(i, j int) bool {
		if kept[i].Height != kept[j].Height {
			return kept[i].Height < kept[j].Height
		}
		return kept[i].Version < kept[j].Version
	})
	cur.Scheduled = kept
	if err := st.SetRules(cur); err != nil {
		return err
	}
	action := "scheduled"
	if m.Height == 0 {
		action = "cancelled"
	}
	ctx.Emit("upgrade_"+action, Indexed("version", strconv.FormatUint(uint64(m.Version), 10)),
		Attr("height", strconv.FormatInt(m.Height, 10)), Attr("reason", m.Reason))
	return nil
}

// applyParamsDue puts in force the parameter changes scheduled at or before
// height h, before the block's txs, and drops them from the schedule.
func applyParamsDue(st *state.State, cur *types.Rules, h int64) error {
	n := 0
	for _, c := range cur.ParamsScheduled {
		if c.Height > h {
			break
		}
		if err := st.SetParams(c.Params); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return nil
	}
	cur.ParamsScheduled = cur.ParamsScheduled[n:]
	return st.SetRules(cur)
}

// setParams (root regulator) schedules new supervision parameters from a
// future height; a second change for the same height replaces the first.
func setParams(ctx *Context, st rulesStore, m *types.MsgSetParams) error {
	if err := requireRoot(ctx, "set the chain's parameters"); err != nil {
		return err
	}
	if m.Height <= ctx.Height {
		return types.ErrInvalidField.Wrapf("height %d is not after this block's height %d", m.Height, ctx.Height)
	}
	cur, err := st.Params()
	if err != nil {
		return err
	}
	if m.Params.MaxTxBytes != cur.MaxTxBytes || m.Params.MaxMsgsPerTx != cur.MaxMsgsPerTx || m.Params.MaxKeysPerOwner != cur.MaxKeysPerOwner {
		return types.ErrInvalidField.Wrapf("max_tx_bytes, max_msgs_per_tx and max_keys_per_owner change only with the rules; keep %d, %d and %d",
			cur.MaxTxBytes, cur.MaxMsgsPerTx, cur.MaxKeysPerOwner)
	}
	rules, err := st.Rules()
	if err != nil {
		return err
	}
	var kept []*types.ParamsChange
	for _, c := range rules.ParamsScheduled {
		if c.Height != m.Height {
			kept = append(kept, c)
		}
	}
	kept = append(kept, &types.ParamsChange{Params: m.Params, Height: m.Height, Reason: m.Reason})
	sort.Slice(kept, func(i, j int) bool { return kept[i].Height < kept[j].Height })
	rules.ParamsScheduled = kept
	if err := st.SetRules(rules); err != nil {
		return err
	}
	ctx.Emit("params_scheduled", Attr("height", strconv.FormatInt(m.Height, 10)), Attr("reason", m.Reason))
	return nil
}

// rulesStore is what the rules handlers read and write.
type rulesStore interface {
	Rules() (*types.Rules, error)
	SetRules(*types.Rules) error
	Params() (*types.Params, error)
}

func rulesView(st *state.State) rulesStore { return st }

func registerRules(r *router) error {
	if err := add(r, rulesView, scheduleUpgrade); err != nil {
		return err
	}
	return add(r, rulesView, setParams)
}
