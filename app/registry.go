package app

import (
	"encoding/hex"
	"fmt"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// registryStore is all the registry handlers may touch.
type registryStore interface {
	Params() (*types.Params, error)
	Regulator(division string) (*types.Regulator, error)
	SetRegulator(*types.Regulator) error
	Enterprise(uscc string) (*types.Enterprise, error)
	SetEnterprise(*types.Enterprise) error
	Account(pub []byte) (*types.Account, error)
	SetAccount(*types.Account) error
	Customs() (*types.Customs, error)
	SetCustoms(*types.Customs) error
	DivisionExists(code string) (bool, error)
	AddedDivision(code string) (*types.AddedDivision, error)
	SetAddedDivision(*types.AddedDivision) error
	DayStats(division, day string) (*types.DayStats, error)
	SetDayStats(*types.DayStats) error
	Keys(kind types.OwnerKind, ownerID string) ([]*types.Account, error)
	WatchLicence(date string, kind byte, uscc, number string) error
}

func registryView(s *state.State) registryStore { return s }

func registerRegistry(r *router) error {
	for _, err := range []error{
		add(r, registryView, registerRegulator),
		add(r, registryView, registerEnterprise),
		add(r, registryView, addKey),
		add(r, registryView, revokeKey),
		add(r, registryView, suspendEnterprise),
		add(r, registryView, reinstateEnterprise),
		add(r, registryView, addDivision),
		add(r, registryView, applyEnterprise),
		add(r, registryView, decideApplication),
		add(r, registryView, renewLicence),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// signingRegulator returns the signer's division, refusing anyone who is not a regulator.
func signingRegulator(ctx *Context, action string) (types.Division, error) {
	if ctx.Signer.Regulator == nil {
		return "", types.ErrUnauthorized.Wrapf("only a regulator may %s; the signer is enterprise %s", action, ctx.Signer.Account.OwnerId)
	}
	return types.Division(ctx.Signer.Regulator.Division), nil
}

// registerRegulator: a regulator registers another strictly inside its
// jurisdiction (a province registers cities and districts, a city its districts).
// divisionExists (rules v2) refuses a well-formed code that names no
// division: neither in the GB/T 2260 list the binary ships nor added on chain.
func divisionExists(ctx *Context, st registryStore, code string) error {
	if !ctx.Rules.StrictValues() {
		return nil
	}
	ok, err := st.DivisionExists(code)
	if err != nil || ok {
		return err
	}
	return types.ErrInvalidDivision.Wrapf("%s is not a division of GB/T 2260 (list %s), nor one the root regulator added", code, types.GBT2260Edition)
}

// addDivision (root regulator, rules v2) adds a division the shipped
// GB/T 2260 list lacks.
func addDivision(ctx *Context, st registryStore, m *types.MsgAddDivision) error {
	if err := requireRoot(ctx, "add divisions"); err != nil {
		return err
	}
	if name, ok := types.ListedDivision(m.Division); ok {
		return types.ErrAlreadyExists.Wrapf("%s is %s in the GB/T 2260 list", m.Division, name)
	}
	if d, err := st.AddedDivision(m.Division); err != nil {
		return err
	} else if d != nil {
		return types.ErrAlreadyExists.Wrapf("%s (%s) was added at height %d", m.Division, d.Name, d.Height)
	}
	if err := st.SetAddedDivision(&types.AddedDivision{Division: m.Division, Name: m.Name, Height: ctx.Height}); err != nil {
		return err
	}
	ctx.Emit("add_division", Indexed("division", m.Division), Attr("name", m.Name), Attr("reason", m.Reason))
	return nil
}

func registerRegulator(ctx *Context, st registryStore, m *types.MsgRegisterRegulator) error {
	parent, err := signingRegulator(ctx, "register a regulator")
	if err != nil {
		return err
	}
	child := types.Division(m.Division)
	if !parent.StrictlyContains(child) {
		return types.ErrOutOfJurisdiction.Wrapf("regulator %s cannot register %s: it is not below %s", parent, child, parent)
	}
	if err := divisionExists(ctx, st, m.Division); err != nil {
		return err
	}
	if existing, err := st.Regulator(m.Division); err != nil {
		return err
	} else if existing != nil {
		return types.ErrAlreadyExists.Wrapf("division %s already has regulator %q", m.Division, existing.Name)
	}
	if err := checkNewKeys(st, m.Keys); err != nil {
		return err
	}
	if err := st.SetRegulator(&types.Regulator{
		Division: m.Division, Name: m.Name, Parent: string(parent), Status: types.Status_STATUS_ACTIVE,
		ActiveKeys: uint32(len(m.Keys)), RegisteredHeight: ctx.Height,
	}); err != nil {
		return err
	}
	if err := createAccounts(ctx, st, types.OwnerKind_OWNER_KIND_REGULATOR, m.Division, m.Keys); err != nil {
		return err
	}
	ctx.Emit("register_regulator", Indexed("division", m.Division), Attr("parent", string(parent)))
	return nil
}

// registerEnterprise: a regulator registers an enterprise of its jurisdiction.
func registerEnterprise(ctx *Context, st registryStore, m *types.MsgRegisterEnterprise) error {
	reg, err := signingRegulator(ctx, "register an enterprise")
	if err != nil {
		return err
	}
	if !reg.Contains(types.Division(m.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("regulator %s cannot register an enterprise in %s", reg, m.Division)
	}
	if err := divisionExists(ctx, st, m.Division); err != nil {
		return err
	}
	if existing, err := st.Enterprise(m.Uscc); err != nil {
		return err
	} else if existing != nil && ctx.Rules.Applications() && (existing.Status == types.Status_STATUS_PENDING || existing.Status == types.Status_STATUS_REFUSED) {
		if !reg.Contains(types.Division(existing.Division)) {
			return types.ErrOutOfJurisdiction.Wrapf("%s applied in %s, outside regulator %s", m.Uscc, existing.Division, reg)
		}
		// A regulator's own registration supersedes an application under
		// the credit code (anyone may apply under any code): the
		// applicant's keys are revoked.
		if err := revokeOwnerKeys(st, m.Uscc); err != nil {
			return err
		}
	} else if existing != nil {
		return types.ErrAlreadyExists.Wrapf("enterprise %s is already registered as %q", m.Uscc, existing.Name)
	}
	if err := checkNewKeys(st, m.Keys); err != nil {
		return err
	}
	e := &types.Enterprise{
		Uscc: m.Uscc, Name: m.Name, Kind: m.Kind, Division: m.Division, Status: types.Status_STATUS_ACTIVE,
		RegisteredBy: string(reg), RegisteredHeight: ctx.Height, ActiveKeys: uint32(len(m.Keys)), Profile: m.Profile,
	}
	if err := st.SetEnterprise(e); err != nil {
		return err
	}
	if ctx.Rules.Applications() {
		if err := watchLicences(ctx, st, e); err != nil {
			return err
		}
	}
	if err := createAccounts(ctx, st, types.OwnerKind_OWNER_KIND_ENTERPRISE, m.Uscc, m.Keys); err != nil {
		return err
	}
	if ctx.Rules.AuthorityEvidence() {
		// The province's figures count enterprises on board by kind.
		if err := countRegistered(ctx, st, e); err != nil {
			return err
		}
	}
	ctx.Emit("register_enterprise", Indexed("uscc", m.Uscc), Indexed("division", m.Division), Attr("kind", m.Kind.String()))
	return nil
}

// addKey: the owner itself, or a regulator above it, adds a key.
func addKey(ctx *Context, st registryStore, m *types.MsgAddKey) error {
	if err := authorizeForOwner(ctx, st, m.OwnerKind, m.OwnerId, "add a key to"); err != nil {
		return err
	}
	if err := checkNewKeys(st, [][]byte{m.Key}); err != nil {
		return err
	}
	p, err := st.Params()
	if err != nil {
		return err
	}
	if err := adjustActiveKeys(st, m.OwnerKind, m.OwnerId, +1, p.MaxKeysPerOwner); err != nil {
		return err
	}
	if err := st.SetAccount(&types.Account{
		Key: m.Key, OwnerKind: m.OwnerKind, OwnerId: m.OwnerId, Label: m.Label, AddedHeight: ctx.Height,
	}); err != nil {
		return err
	}
	ctx.Emit("add_key", Indexed("owner", m.OwnerId), Attr("key", hex.EncodeToString(m.Key)))
	return nil
}

// revokeKey: the owner itself, or a regulator above it, revokes a key for
// good. The account stays, with its sequence, so nothing it signed can be replayed.
func revokeKey(ctx *Context, st registryStore, m *types.MsgRevokeKey) error {
	acct, err := st.Account(m.Key)
	if err != nil {
		return err
	}
	if acct == nil {
		return types.ErrNotFound.Wrapf("key %X is not registered", m.Key)
	}
	if acct.Revoked {
		return types.ErrInvalidState.Wrapf("key %X is already revoked", m.Key)
	}
	if err := authorizeForOwner(ctx, st, acct.OwnerKind, acct.OwnerId, "revoke a key of"); err != nil {
		return err
	}
	if err := adjustActiveKeys(st, acct.OwnerKind, acct.OwnerId, -1, 0); err != nil {
		return err
	}
	acct.Revoked = true
	if err := st.SetAccount(acct); err != nil {
		return err
	}
	ctx.Emit("revoke_key", Indexed("owner", acct.OwnerId), Attr("key", hex.EncodeToString(m.Key)), Attr("reason", m.Reason))
	return nil
}

// suspendEnterprise: a regulator of the enterprise's jurisdiction stops it
// from transacting until reinstated.
func suspendEnterprise(ctx *Context, st registryStore, m *types.MsgSuspendEnterprise) error {
	return setEnterpriseStatus(ctx, st, m.Uscc, m.Reason, types.Status_STATUS_ACTIVE, types.Status_STATUS_SUSPENDED, "suspend_enterprise")
}

// reinstateEnterprise: a regulator of the enterprise's jurisdiction lifts a suspension.
func reinstateEnterprise(ctx *Context, st registryStore, m *types.MsgReinstateEnterprise) error {
	return setEnterpriseStatus(ctx, st, m.Uscc, m.Reason, types.Status_STATUS_SUSPENDED, types.Status_STATUS_ACTIVE, "reinstate_enterprise")
}

func setEnterpriseStatus(ctx *Context, st registryStore, uscc, reason string, from, to types.Status, event string) error {
	reg, err := signingRegulator(ctx, "change an enterprise's status")
	if err != nil {
		return err
	}
	e, err := st.Enterprise(uscc)
	if err != nil {
		return err
	}
	if e == nil {
		return types.ErrNotFound.Wrapf("enterprise %s is not registered", uscc)
	}
	if !reg.Contains(types.Division(e.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("enterprise %s is in %s, outside regulator %s", uscc, e.Division, reg)
	}
	if e.Status != from {
		return types.ErrInvalidState.Wrapf("enterprise %s is %s", uscc, types.StatusName(e.Status))
	}
	e.Status, e.StatusReason, e.StatusHeight = to, reason, ctx.Height
	if err := st.SetEnterprise(e); err != nil {
		return err
	}
	ctx.Emit(event, Indexed("uscc", uscc), Indexed("division", e.Division), Attr("reason", reason))
	return nil
}

// authorizeForOwner lets the owner act on itself and a regulator act on
// owners below it: enterprises in its jurisdiction, regulators strictly below.
func authorizeForOwner(ctx *Context, st registryStore, kind types.OwnerKind, id, action string) error {
	if ctx.Signer.Account.OwnerKind == kind && ctx.Signer.Account.OwnerId == id {
		if _, err := ownerDivision(st, kind, id); err != nil {
			return err
		}
		return nil
	}
	div, err := ownerDivision(st, kind, id)
	if err != nil {
		return err
	}
	if kind == types.OwnerKind_OWNER_KIND_CUSTOMS {
		if !signedByRoot(ctx) {
			return types.ErrUnauthorized.Wrapf("only customs itself or the root regulator may %s customs", action)
		}
		return nil
	}
	reg, err := signingRegulator(ctx, action+" another owner")
	if err != nil {
		return err
	}
	inside := reg.Contains(div)
	if kind == types.OwnerKind_OWNER_KIND_REGULATOR {
		inside = reg.StrictlyContains(div)
	}
	if !inside {
		return types.ErrOutOfJurisdiction.Wrapf("regulator %s cannot %s %s in %s", reg, action, id, div)
	}
	return nil
}

func ownerDivision(st registryStore, kind types.OwnerKind, id string) (types.Division, error) {
	switch kind {
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		r, err := st.Regulator(id)
		if err != nil {
			return "", err
		}
		if r == nil {
			return "", types.ErrNotFound.Wrapf("no regulator is registered for division %s", id)
		}
		return types.Division(r.Division), nil
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		e, err := st.Enterprise(id)
		if err != nil {
			return "", err
		}
		if e == nil {
			return "", types.ErrNotFound.Wrapf("enterprise %s is not registered", id)
		}
		return types.Division(e.Division), nil
	case types.OwnerKind_OWNER_KIND_CUSTOMS:
		c, err := st.Customs()
		if err != nil {
			return "", err
		}
		if c == nil {
			return "", types.ErrNotFound.Wrapf("this chain has no customs authority")
		}
		return "", nil
	}
	return "", types.ErrInvalidField.Wrapf("owner_kind must be regulator, enterprise or customs")
}

// adjustActiveKeys changes an owner's active key count by delta, refusing
// to go above max (when max > 0) or to reach zero.
func adjustActiveKeys(st registryStore, kind types.OwnerKind, id string, delta int, max uint32) error {
	apply := func(n uint32) (uint32, error) {
		switch {
		case delta > 0 && max > 0 && n >= max:
			return 0, types.ErrTooManyKeys.Wrapf("%s already has %d active keys, the limit", id, n)
		case delta < 0 && n <= 1:
			return 0, types.ErrLastKey.Wrapf("%s has no other active key", id)
		}
		return uint32(int(n) + delta), nil
	}
	var err error
	switch kind {
	case types.OwnerKind_OWNER_KIND_REGULATOR:
		r, rerr := st.Regulator(id)
		if rerr != nil || r == nil {
			return types.OrInternal(rerr, "regulator %s vanished", id)
		}
		if r.ActiveKeys, err = apply(r.ActiveKeys); err != nil {
			return err
		}
		return st.SetRegulator(r)
	case types.OwnerKind_OWNER_KIND_ENTERPRISE:
		e, eerr := st.Enterprise(id)
		if eerr != nil || e == nil {
			return types.OrInternal(eerr, "enterprise %s vanished", id)
		}
		if e.ActiveKeys, err = apply(e.ActiveKeys); err != nil {
			return err
		}
		return st.SetEnterprise(e)
	case types.OwnerKind_OWNER_KIND_CUSTOMS:
		c, cerr := st.Customs()
		if cerr != nil || c == nil {
			return types.OrInternal(cerr, "customs vanished")
		}
		if c.ActiveKeys, err = apply(c.ActiveKeys); err != nil {
			return err
		}
		return st.SetCustoms(c)
	}
	return types.ErrInvalidField.Wrapf("owner_kind must be regulator or enterprise")
}

// checkNewKeys refuses keys that already belong to someone (or were revoked)
// and sets of keys above the per-owner limit.
func checkNewKeys(st registryStore, keys [][]byte) error {
	p, err := st.Params()
	if err != nil {
		return err
	}
	if uint32(len(keys)) > p.MaxKeysPerOwner {
		return types.ErrTooManyKeys.Wrapf("%d keys, limit %d", len(keys), p.MaxKeysPerOwner)
	}
	for _, k := range keys {
		a, err := st.Account(k)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		if a.Revoked {
			return types.ErrKeyRevoked.Wrapf("key %X was revoked and cannot be registered again", k)
		}
		return types.ErrAlreadyExists.Wrapf("key %X already belongs to %s", k, a.OwnerId)
	}
	return nil
}

func createAccounts(ctx *Context, st registryStore, kind types.OwnerKind, id string, keys [][]byte) error {
	for _, k := range keys {
		if err := st.SetAccount(&types.Account{Key: k, OwnerKind: kind, OwnerId: id, AddedHeight: ctx.Height}); err != nil {
			return fmt.Errorf("app: create account: %w", err)
		}
	}
	return nil
}
