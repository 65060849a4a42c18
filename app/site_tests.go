package app

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// recordSiteTest (rules v3): a test of the people or the environment of a
// site — staff, cold-store surfaces, vehicles, packaging — recorded by
// customs, a regulator whose jurisdiction holds the site, or the site
// itself. No person is named on chain. A positive result holds every code
// held at the site, and alerts the site's division and every division the
// site supplied within params.site_alert_days.
func recordSiteTest(ctx *Context, st supervisionStore, m *types.MsgRecordSiteTest) error {
	site, err := st.Enterprise(m.Site)
	if err != nil {
		return err
	}
	if site == nil {
		return types.ErrNotFound.Wrapf("site %s is not a registered enterprise", m.Site)
	}
	var by string
	switch {
	case ctx.Signer.Customs != nil:
		by = "customs"
	case ctx.Signer.Regulator != nil:
		reg := types.Division(ctx.Signer.Regulator.Division)
		if !reg.Contains(types.Division(site.Division)) {
			return types.ErrOutOfJurisdiction.Wrapf("site %s is in %s, outside %s", m.Site, site.Division, reg)
		}
		by = string(reg)
	case ctx.Signer.Enterprise != nil && ctx.Signer.Enterprise.Uscc == m.Site:
		by = m.Site
	default:
		return types.ErrUnauthorized.Wrapf("a site test is recorded by customs, a regulator of the site's division, or the site itself")
	}
	if err := notAfterToday(ctx, "sample_date", m.SampleDate); err != nil {
		return err
	}
	params, err := st.Params()
	if err != nil {
		return err
	}
	id, err := st.NextID("site_test")
	if err != nil {
		return err
	}
	rec := &types.SiteTest{Id: id, Test: m, RecordedBy: by, Height: ctx.Height, TimeMs: ctx.Time.UnixMilli()}
	c := newChanges(ctx, st)
	d, err := c.statsFor(site.Division)
	if err != nil {
		return err
	}
	if m.Positives > 0 {
		if m.Subject == types.SiteSubject_SITE_SUBJECT_STAFF {
			d.PositivesStaff = types.Add(d.PositivesStaff, uint64(m.Positives), true)
		} else {
			d.PositivesEnvironment = types.Add(d.PositivesEnvironment, uint64(m.Positives), true)
		}
		reason := fmt.Sprintf("positive %s test at site %s (lab %s, %s)", subjectName(m.Subject), m.Site, m.Lab, m.SampleDate)
		held, more, err := st.KeysUnder(state.HoldingPrefix(m.Site), nil, maxBatchCodes)
		if err != nil {
			return err
		}
		for _, k := range held {
			// Goods already held stay as they are: only active ones are
			// touched, so a repeated test costs nothing more.
			r, err := c.peek(string(k))
			if err != nil {
				return err
			}
			if r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
				continue
			}
			c.touch(r)
			rec.CodesHeld++
			if err := c.hold(r, types.CodeStatus_CODE_STATUS_HELD, "site test", reason); err != nil {
				return err
			}
		}
		if more != nil {
			// Never silently: the rest is for regulators to hold by batch.
			reason += fmt.Sprintf("; the site holds more than %d codes: hold the rest by batch", maxBatchCodes)
		}
		d.Holds = types.Add(d.Holds, rec.CodesHeld, true)
		since := ctx.Time.UnixMilli() - int64(params.SiteAlert())*86_400_000
		supplied, err := st.SuppliedSince(m.Site, since)
		if err != nil {
			return err
		}
		divs := map[string]bool{site.Division: true}
		for _, div := range supplied {
			divs[div] = true
		}
		rec.DivisionsAlerted = slices.Sorted(maps.Keys(divs))
		for _, div := range rec.DivisionsAlerted {
			msg := fmt.Sprintf("%s; %d code(s) held at the site", reason, rec.CodesHeld)
			if div != site.Division {
				msg = fmt.Sprintf("%s, which supplied this division within %d days; check goods received from it", reason, params.SiteAlert())
			}
			if err := c.alert(types.AlertKind_ALERT_KIND_POSITIVE, div, msg, nil, "", nil); err != nil {
				return err
			}
		}
	}
	if len(c.recs) > 0 {
		if _, err := c.commit("inspecting", m, nil); err != nil {
			return err
		}
	} else if err := c.flushRecords(); err != nil {
		return err
	}
	if err := st.SetSiteTest(rec); err != nil {
		return err
	}
	ctx.Emit("site_test", Indexed("site", m.Site), Attr("id", strconv.FormatUint(id, 10)),
		Attr("subject", subjectName(m.Subject)), Attr("positives", strconv.FormatUint(uint64(m.Positives), 10)),
		Attr("codes_held", strconv.FormatUint(rec.CodesHeld, 10)))
	return nil
}

// subjectName is what a site test sampled, in words: "staff", "surface".
func subjectName(s types.SiteSubject) string {
	switch s {
	case types.SiteSubject_SITE_SUBJECT_STAFF:
		return "staff"
	case types.SiteSubject_SITE_SUBJECT_SURFACE:
		return "surface"
	case types.SiteSubject_SITE_SUBJECT_VEHICLE:
		return "vehicle"
	case types.SiteSubject_SITE_SUBJECT_PACKAGING:
		return "packaging"
	}
	return "unknown"
}
