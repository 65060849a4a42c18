package app

import (
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// 备案 as the regulations ask (rules v3): an operator applies itself,
// signed by the key it applies with; a regulator over its division approves
// or refuses, with a reason; licences are recorded with their validity, an
// alert is raised a month before a food business licence expires and when
// it has, and an enterprise whose licence has expired cannot trade until it
// is renewed.

// licenceWarningDays is how long before expiry the warning alert comes.
const licenceWarningDays = 30

// applyEnterprise (MsgApplyEnterprise): the enterprise is recorded pending,
// with its profile, and the signing key becomes its first key.
func applyEnterprise(ctx *Context, st registryStore, m *types.MsgApplyEnterprise) error {
	if ctx.Signer.Regulator != nil || ctx.Signer.Enterprise != nil || ctx.Signer.Customs != nil {
		return types.ErrUnauthorized.Wrapf("an application is signed by the applicant's own new key, not by %s", ctx.Signer.Account.OwnerId)
	}
	if err := divisionExists(ctx, st, m.Division); err != nil {
		return err
	}
	if ok, err := decidable(st, m.Division); err != nil {
		return err
	} else if !ok {
		return types.ErrOutOfJurisdiction.Wrapf("no regulator on this chain covers division %s: apply where one does", m.Division)
	}
	if e, err := st.Enterprise(m.Uscc); err != nil {
		return err
	} else if e != nil && e.Status != types.Status_STATUS_REFUSED {
		return types.ErrAlreadyExists.Wrapf("enterprise %s is already %s as %q", m.Uscc, types.StatusName(e.Status), e.Name)
	}
	if err := st.SetEnterprise(&types.Enterprise{
		Uscc: m.Uscc, Name: m.Name, Kind: m.Kind, Division: m.Division, Status: types.Status_STATUS_PENDING,
		RegisteredHeight: ctx.Height, ActiveKeys: 1, Profile: m.Profile, StatusHeight: ctx.Height,
	}); err != nil {
		return err
	}
	ctx.Emit("apply_enterprise", Indexed("uscc", m.Uscc), Indexed("division", m.Division), Attr("kind", types.KindName(m.Kind)))
	return nil
}

// decideApplication (MsgDecideApplication): a regulator whose jurisdiction
// contains the applicant's division approves (the enterprise becomes active
// and its licences are watched) or refuses it (its key is revoked; it may
// apply again with another key).
func decideApplication(ctx *Context, st registryStore, m *types.MsgDecideApplication) error {
	reg, err := signingRegulator(ctx, "decide an application")
	if err != nil {
		return err
	}
	e, err := st.Enterprise(m.Uscc)
	if err != nil {
		return err
	}
	if e == nil || e.Status != types.Status_STATUS_PENDING {
		return types.ErrNotFound.Wrapf("no pending application of %s", m.Uscc)
	}
	if !reg.Contains(types.Division(e.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("applicant %s is in %s, outside regulator %s", m.Uscc, e.Division, reg)
	}
	e.StatusReason, e.StatusHeight, e.RegisteredBy = m.Reason, ctx.Height, string(reg)
	event := "approve_application"
	if m.Approve {
		e.Status = types.Status_STATUS_ACTIVE
		if err := watchLicences(ctx, st, e); err != nil {
			return err
		}
		if err := countRegistered(ctx, st, e); err != nil {
			return err
		}
	} else {
		e.Status, e.ActiveKeys, event = types.Status_STATUS_REFUSED, 0, "refuse_application"
		if err := revokeOwnerKeys(st, e.Uscc); err != nil {
			return err
		}
	}
	if err := st.SetEnterprise(e); err != nil {
		return err
	}
	ctx.Emit(event, Indexed("uscc", e.Uscc), Indexed("division", e.Division), Attr("reason", m.Reason))
	return nil
}

// decidable: a regulator on this chain covers the division (its own, its
// city's or its province's), so an application there can be decided.
func decidable(st registryStore, division string) (bool, error) {
	d := types.Division(division)
	for _, up := range []string{division, string(d)[:4] + "00", string(d)[:2] + "0000"} {
		r, err := st.Regulator(up)
		if err != nil || r != nil {
			return r != nil, err
		}
	}
	return false, nil
}

// countRegistered adds an enterprise to its division's day figures (v3).
func countRegistered(ctx *Context, st registryStore, e *types.Enterprise) error {
	if ctx.inCheckTx {
		return nil // the mempool's view keeps no figures (changes.statsFor)
	}
	d, err := st.DayStats(e.Division, ctx.day())
	if err != nil {
		return err
	}
	d.EnterprisesRegistered = types.AddKind(d.EnterprisesRegistered, types.KindName(e.Kind), 1)
	return st.SetDayStats(d)
}

// revokeOwnerKeys revokes every key of an enterprise (a refused or
// superseded application's).
func revokeOwnerKeys(st registryStore, uscc string) error {
	keys, err := st.Keys(types.OwnerKind_OWNER_KIND_ENTERPRISE, uscc)
	if err != nil {
		return err
	}
	for _, a := range keys {
		if a.Revoked {
			continue
		}
		a.Revoked = true
		if err := st.SetAccount(a); err != nil {
			return err
		}
	}
	return nil
}

// renewLicence (MsgRenewLicence): the enterprise itself or a regulator over
// it records a licence; one of the same kind and number is replaced.
func renewLicence(ctx *Context, st registryStore, m *types.MsgRenewLicence) error {
	e, err := st.Enterprise(m.Uscc)
	if err != nil {
		return err
	}
	if e == nil || (e.Status != types.Status_STATUS_ACTIVE && e.Status != types.Status_STATUS_SUSPENDED) {
		return types.ErrNotFound.Wrapf("enterprise %s is not registered", m.Uscc)
	}
	switch {
	case ctx.Signer.Enterprise != nil && ctx.Signer.Enterprise.Uscc == m.Uscc:
	case ctx.Signer.Regulator != nil && types.Division(ctx.Signer.Regulator.Division).Contains(types.Division(e.Division)):
	default:
		return types.ErrUnauthorized.Wrapf("a licence of %s is recorded by the enterprise itself or a regulator over %s", m.Uscc, e.Division)
	}
	if e.Profile == nil {
		e.Profile = &types.Profile{}
	}
	replaced := false
	for i, l := range e.Profile.Licences {
		if l.Kind == m.Licence.Kind && l.Number == m.Licence.Number {
			if m.Licence.ValidUntil < l.ValidUntil {
				// A renewal extends; moving a date back and forth would
				// only raise its alerts again.
				return types.ErrInvalidField.Wrapf("licence %s is valid until %s; a renewal cannot shorten it to %s", l.Number, l.ValidUntil, m.Licence.ValidUntil)
			}
			e.Profile.Licences[i], replaced = m.Licence, true
		}
	}
	if !replaced {
		if len(e.Profile.Licences) >= 10 {
			return types.ErrInvalidField.Wrapf("enterprise %s holds 10 licences; renew one of them by its number", m.Uscc)
		}
		e.Profile.Licences = append(e.Profile.Licences, m.Licence)
	}
	if err := watchLicences(ctx, st, e); err != nil {
		return err
	}
	if err := st.SetEnterprise(e); err != nil {
		return err
	}
	ctx.Emit("renew_licence", Indexed("uscc", e.Uscc), Attr("number", m.Licence.Number), Attr("valid_until", m.Licence.ValidUntil))
	return nil
}

// watchLicences schedules each licence's warning and expiry checks (stale
// entries of a renewed licence find it renewed and do nothing).
func watchLicences(ctx *Context, st registryStore, e *types.Enterprise) error {
	for _, l := range e.GetProfile().GetLicences() {
		until, ok := types.ParseDate(l.ValidUntil)
		if !ok {
			continue
		}
		warn := until.AddDate(0, 0, -licenceWarningDays).Format("2006-01-02")
		expired := until.AddDate(0, 0, 1).Format("2006-01-02")
		for _, w := range []struct {
			date string
			kind byte
		}{{warn, state.WatchLicenceSoon}, {expired, state.WatchLicenceExpired}} {
			if w.date < ctx.day() {
				continue
			}
			if err := st.WatchLicence(w.date, w.kind, e.Uscc, l.Number); err != nil {
				return err
			}
		}
	}
	return nil
}

// requireLicence (rules v3) refuses trade by or with an enterprise whose
// food business licence has expired; one without licences on chain
// (registered before v3 or by a regulator without a profile) is not checked.
func requireLicence(ctx *Context, e *types.Enterprise) error {
	if !ctx.Rules.Applications() {
		return nil
	}
	l := e.FoodLicence()
	if l == nil {
		return nil
	}
	if until, ok := types.ParseDate(l.ValidUntil); ok && until.Before(ctx.Rules.Date(ctx.Time)) {
		return types.ErrLicenceExpired.Wrapf("%s's food business licence %s expired on %s; it trades again once the licence is renewed (tx registry renew-licence)", e.Uscc, l.Number, l.ValidUntil)
	}
	return nil
}
