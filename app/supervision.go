package app

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// supervisionStore is all the supervision handlers may touch: what moving
// goods touches (traceStore) plus what only supervision does — record
// recalls, read alerts back, and walk key ranges (a recall's scope, a
// warehouse's holdings). Trace handlers get traceStore and can do none of
// these; registry, rules and validator handlers see neither.
type supervisionStore interface {
	traceStore
	KeysUnder(prefix, start []byte, limit int) ([][]byte, []byte, error)
	SetRecall(*types.Recall) error
	Alert(id uint64) (*types.Alert, error)
	PendingBatches(number, importer string, limit int) ([]string, error)
	ReleaseCertificate(number string) (*types.ReleaseCertificate, error)
	SetReleaseCertificate(*types.ReleaseCertificate) error
	SuppliedSince(sender string, sinceMs int64) ([]string, error)
	SetSiteTest(*types.SiteTest) error
}

func supervisionView(s *state.State) supervisionStore { return s }

func registerSupervision(r *router) error {
	for _, err := range []error{
		add(r, supervisionView, declare),
		add(r, supervisionView, warehouseEntry),
		add(r, supervisionView, release),
		add(r, supervisionView, recordTest),
		add(r, supervisionView, holdGoods),
		add(r, supervisionView, unholdGoods),
		add(r, supervisionView, recall),
		add(r, supervisionView, destroy),
		add(r, supervisionView, acknowledge),
		add(r, supervisionView, recordSiteTest),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// declare: customs records an import declaration, which commissions of the
// imported goods cite and may not exceed. From rules v3 the number is
// customs' 18-digit one, the declaration may list lines, batches that were
// waiting for it are matched now, its goods count in the day's import
// figures, and an alert is scheduled in case no commission ever cites it.
func declare(ctx *Context, st supervisionStore, m *types.MsgDeclare) error {
	if ctx.Signer.Customs == nil {
		return types.ErrUnauthorized.Wrapf("only customs records declarations")
	}
	if ctx.Rules.CustomsLoop() {
		if err := types.ValidateDeclarationNumber("number", m.Number); err != nil {
			return err
		}
	}
	if d, err := st.Declaration(m.Number); err != nil {
		return err
	} else if d != nil {
		return types.ErrAlreadyExists.Wrapf("declaration %s was recorded at height %d", m.Number, d.Height)
	}
	d := &types.Declaration{Declaration: m, Height: ctx.Height}
	if ctx.Rules.CustomsLoop() {
		d.TimeMs = ctx.Time.UnixMilli()
		lineCommissioned(d)
		params, err := st.Params()
		if err != nil {
			return err
		}
		c := newChanges(ctx, st)
		div, err := importerDivision(st, m.Importer)
		if err != nil {
			return err
		}
		stats, err := c.statsFor(div)
		if err != nil {
			return err
		}
		for _, l := range m.DeclarationLines() {
			f := stats.Import(l.OriginCountry, m.Port)
			f.DeclaredGrams = types.Add(f.DeclaredGrams, l.Grams(), true)
		}
		if err := matchPending(c, st, d); err != nil {
			return err
		}
		due := ctx.Time.UnixMilli() + int64(params.UncommissionedAlert())*86_400_000
		if err := st.WatchCustoms(due, state.WatchUncommissioned, m.Number, true); err != nil {
			return err
		}
		if len(c.recs) > 0 {
			if _, err := c.commit("inspecting", m, nil); err != nil {
				return err
			}
		} else if err := c.flushRecords(); err != nil {
			return err
		}
	}
	if err := st.SetDeclaration(d); err != nil {
		return err
	}
	ctx.Emit("declare", Indexed("declaration", m.Number), Indexed("importer", m.Importer))
	return nil
}

// signingWarehouse returns the signer when it is a supervision warehouse.
func signingWarehouse(ctx *Context, action string) (*types.Enterprise, error) {
	e := ctx.Signer.Enterprise
	if e == nil || e.Kind != types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE {
		return nil, types.ErrUnauthorized.Wrapf("only a supervision warehouse may %s", action)
	}
	return e, nil
}

// warehouseEntry (CBV storing): a supervision warehouse enters codes it holds.
func warehouseEntry(ctx *Context, st supervisionStore, m *types.MsgWarehouseEntry) error {
	wh, err := signingWarehouse(ctx, "enter goods for supervision")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	for _, s := range m.Codes {
		r, err := c.code(s)
		if err != nil {
			return err
		}
		if r.LogisticUnit && ctx.Rules.UnitEntryRefused() {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; disaggregate it and enter the codes it contains (they are tested and released one by one)", r.Code)
		}
		if r.HeldBy(wh.Uscc) == 0 {
			return types.ErrInsufficientQuantity.Wrapf("%s holds none of %s; receive it first", wh.Uscc, r.Code)
		}
		again := r.EnteredWarehouse == wh.Uscc
		r.EnteredWarehouse = wh.Uscc
		if ctx.Rules.AuthorityEvidence() && !again {
			if err := c.countGrams(r, wh.Division, r.HeldBy(wh.Uscc), func(d *types.DayStats, g uint64) {
				d.WarehouseEnteredGrams = types.Add(d.WarehouseEnteredGrams, g, true)
			}); err != nil {
				return err
			}
		}
	}
	if _, err := c.commit("storing", m, nil); err != nil {
		return err
	}
	ctx.Emit("warehouse_entry", Indexed("warehouse", wh.Uscc), Attr("codes", strconv.Itoa(len(m.Codes))))
	return nil
}

// release: the supervision warehouse lets codes it entered move on, only
// when the four conditions hold (the "four must-nots": no release without an
// inspection and quarantine certificate, a negative nucleic-acid test, a
// disinfection certificate and complete traceability facts).
func release(ctx *Context, st supervisionStore, m *types.MsgRelease) error {
	wh, err := signingWarehouse(ctx, "release goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	for _, s := range m.Codes {
		r, err := c.code(s)
		if err != nil {
			return err
		}
		if r.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; release the codes it contains", r.Code)
		}
		if r.EnteredWarehouse != wh.Uscc {
			return types.ErrReleaseRefused.Wrapf("%s was not entered into warehouse %s", r.Code, wh.Uscc)
		}
		if err := c.movable(r); err != nil {
			return err
		}
		// A release covers the whole code, so all that remains of it must be
		// in this warehouse: nothing kept back elsewhere escapes inspection.
		if held := r.HeldBy(wh.Uscc); held != remaining(r) {
			return types.ErrReleaseRefused.Wrapf("%s: warehouse %s holds %d of the %d that remain; all of it must pass the warehouse", r.Code, wh.Uscc, held, remaining(r))
		}
		b, err := c.batch(r.BatchId)
		if err != nil {
			return err
		}
		if missing := missingForRelease(ctx.Rules, b, m); len(missing) > 0 {
			return types.ErrReleaseRefused.Wrapf("%s cannot be released without %s", r.Code, joinList(missing))
		}
		r.Released = true
	}
	var cert *types.ReleaseCertificate
	if ctx.Rules.AuthorityEvidence() {
		var err error
		if cert, err = issueReleaseCertificate(c, st, wh, m); err != nil {
			return err
		}
	}
	if _, err := c.commit("releasing", m, nil); err != nil {
		return err
	}
	attrs := []abci.EventAttribute{Indexed("warehouse", wh.Uscc), Attr("codes", strconv.Itoa(len(m.Codes)))}
	if cert != nil {
		attrs = append(attrs, Indexed("certificate", cert.Number))
	}
	ctx.Emit("release", attrs...)
	return nil
}

// issueReleaseCertificate (出仓证明, rules v3) numbers the release, records
// what it let out and on what evidence, and marks every code with it.
func issueReleaseCertificate(c *changes, st supervisionStore, wh *types.Enterprise, m *types.MsgRelease) (*types.ReleaseCertificate, error) {
	n, err := st.NextID("release_certificate")
	if err != nil {
		return nil, err
	}
	cert := &types.ReleaseCertificate{
		Number: releaseCertificateNumber(wh.Division, c.ctx.day(), n), Warehouse: wh.Uscc, Division: wh.Division,
		Height: c.ctx.Height, TimeMs: c.ctx.Time.UnixMilli(), DisinfectionCertificate: m.DisinfectionCertificate,
	}
	batches, certs := map[string]bool{}, map[string]bool{}
	for _, s := range m.Codes {
		r, err := c.code(s)
		if err != nil {
			return nil, err
		}
		r.ReleaseCertificate = cert.Number
		cert.Codes = append(cert.Codes, r.Code)
		batches[r.BatchId] = true
		if err := c.countGrams(r, wh.Division, remaining(r), func(d *types.DayStats, g uint64) {
			d.WarehouseReleasedGrams = types.Add(d.WarehouseReleasedGrams, g, true)
			cert.Grams = types.Add(cert.Grams, g, true)
		}); err != nil {
			return nil, err
		}
	}
	slices.Sort(cert.Codes)
	cert.Batches = slices.Sorted(maps.Keys(batches))
	for _, id := range cert.Batches {
		b, err := c.batch(id)
		if err != nil {
			return nil, err
		}
		for _, ic := range b.InspectionCertificates {
			certs[ic] = true
		}
		cert.Tests = append(cert.Tests, b.TestEvents...)
		if cert.DisinfectionCertificate == "" {
			cert.DisinfectionCertificate = b.Facts.DisinfectionCertificate
		}
	}
	cert.InspectionCertificates = slices.Sorted(maps.Keys(certs))
	if existing, err := st.ReleaseCertificate(cert.Number); err != nil {
		return nil, err
	} else if existing != nil {
		return nil, types.ErrInternal.Wrapf("release certificate %s exists", cert.Number)
	}
	return cert, st.SetReleaseCertificate(cert)
}

// countGrams adds the grams of q of a code to a division's day figures.
func (c *changes) countGrams(r *types.CodeRecord, division string, q uint64, add func(*types.DayStats, uint64)) error {
	b, err := c.batch(r.BatchId)
	if err != nil {
		return err
	}
	d, err := c.statsFor(division)
	if err != nil {
		return err
	}
	add(d, gramsOf(b, r.Unit, q))
	return nil
}

// missingForRelease lists which of the four conditions a batch lacks.
func missingForRelease(rules types.RuleSet, b *types.Batch, m *types.MsgRelease) []string {
	f := b.Facts
	var missing []string
	switch {
	case rules.CustomsLoop() && b.Customs == types.CustomsState_CUSTOMS_STATE_UNVERIFIED:
		missing = append(missing, "customs declaration "+f.CustomsDeclaration+" recorded by customs (the goods arrived before it; they wait for it)")
	case rules.CustomsLoop() && b.Customs == types.CustomsState_CUSTOMS_STATE_MISMATCH:
		missing = append(missing, "a customs declaration that matches the goods ("+b.CustomsProblem+")")
	}
	switch {
	case rules.AuthorityEvidence() && len(b.InspectionCertificates) == 0:
		// From v3 only customs' own record counts: a number typed into the
		// facts or the release does not.
		missing = append(missing, "an inspection and quarantine certificate recorded by customs for the batch (record_test --batch B --kind inspection --result negative --certificate N, signed by customs)")
	case rules.AuthorityEvidence():
	case f.InspectionCertificate == "" && m.InspectionCertificate == "":
		missing = append(missing, "an inspection and quarantine certificate")
	}
	nat := f.NucleicAcidTest
	switch {
	case rules.StrictValues() && (b.PositiveTest || !b.NegativeTest):
		// From v2 only the authorities' evidence counts: a test the
		// importer typed into its own facts does not.
		missing = append(missing, "a negative nucleic-acid test of the whole batch recorded by customs, a supervision warehouse or a regulator (record_test --batch; a test in the batch's own facts or of single codes does not count)")
	case b.PositiveTest || (!b.NegativeTest && (nat == nil || nat.Result != types.TestResult_TEST_RESULT_NEGATIVE)):
		missing = append(missing, "a negative nucleic-acid test")
	}
	if f.DisinfectionCertificate == "" && m.DisinfectionCertificate == "" {
		missing = append(missing, "a disinfection certificate")
	}
	var facts []string
	for _, x := range []struct{ name, v string }{
		{"supplier", f.Supplier}, {"certificate of origin", f.CertificateOfOrigin}, {"customs declaration", f.CustomsDeclaration},
	} {
		if x.v == "" {
			facts = append(facts, x.name)
		}
	}
	if len(facts) > 0 {
		missing = append(missing, "complete traceability facts (missing "+joinList(facts)+")")
	}
	return missing
}

func joinList(xs []string) string {
	s := ""
	for i, x := range xs {
		switch {
		case i == 0:
		case i == len(xs)-1:
			s += " and "
		default:
			s += ", "
		}
		s += x
	}
	return s
}

// recordTest: customs, a supervision warehouse or a regulator records an
// inspection or a lab test. A positive result holds, in the same block,
// every code of the batches concerned (split children included) and every
// logistic unit containing them.
func recordTest(ctx *Context, st supervisionStore, m *types.MsgRecordTest) error {
	switch {
	case ctx.Signer.Customs != nil, ctx.Signer.Regulator != nil:
	case ctx.Signer.Enterprise != nil && ctx.Signer.Enterprise.Kind == types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE:
	default:
		return types.ErrUnauthorized.Wrapf("tests are recorded by customs, a supervision warehouse or a regulator")
	}
	if m.Certificate != "" && ctx.Signer.Customs == nil {
		return types.ErrUnauthorized.Wrapf("inspection and quarantine certificates are recorded by customs")
	}
	c := newChanges(ctx, st)
	batchIDs := map[string]bool{}
	if m.Batch != "" {
		b, err := st.Batch(m.Batch)
		if err != nil {
			return err
		}
		if b == nil {
			return types.ErrNotFound.Wrapf("batch %s is not recorded", m.Batch)
		}
		c.batches[m.Batch] = b
		batchIDs[m.Batch] = true
	}
	for _, s := range m.Codes {
		r, err := c.code(s)
		if err != nil {
			return err
		}
		if r.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; test the codes it contains", r.Code)
		}
		batchIDs[r.BatchId] = true
	}
	if wh := ctx.Signer.Enterprise; wh != nil && m.Batch != "" {
		if err := requireHoldsSome(st, wh.Uscc, m.Batch); err != nil {
			return err
		}
	} else if wh != nil {
		for _, code := range slices.Sorted(maps.Keys(c.recs)) {
			if c.recs[code].HeldBy(wh.Uscc) == 0 {
				return types.ErrUnauthorized.Wrapf("warehouse %s holds none of %s", wh.Uscc, code)
			}
		}
	}
	positive := m.Result == types.TestResult_TEST_RESULT_POSITIVE
	reason := fmt.Sprintf("positive %s (lab %s, sample %s)", m.TestName, m.Lab, m.SampleId)
	for _, id := range slices.Sorted(maps.Keys(batchIDs)) {
		b, err := c.batch(id)
		if err != nil {
			return err
		}
		if positive {
			b.PositiveTest = true
			n, err := holdBatch(c, st, id, "test", reason)
			if err != nil {
				return err
			}
			commissioner, err := c.enterprise(b.Commissioner)
			if err != nil {
				return err
			}
			d, err := c.statsFor(commissioner.Division)
			if err != nil {
				return err
			}
			d.Positives++
			d.Holds += n
			divisions := []string{commissioner.Division}
			if ctx.Rules.CustomsLoop() {
				// Every division that received any of the batch is told,
				// not only the importer's.
				b.PositiveTests++
				if divisions, err = receivingDivisions(c, st, id, commissioner.Division, d); err != nil {
					return err
				}
			}
			for _, div := range divisions {
				if err := c.alert(types.AlertKind_ALERT_KIND_POSITIVE, div,
					fmt.Sprintf("batch %s: %s; %d code(s) held", id, reason, n), nil, id, nil); err != nil {
					return err
				}
			}
		} else if m.Batch != "" && m.TestName != "" {
			b.NegativeTest = true
		}
		if m.Certificate != "" {
			b.InspectionCertificates = addString(b.InspectionCertificates, m.Certificate)
		}
	}
	step := "inspecting"
	if m.Kind == types.TestKind_TEST_KIND_SAMPLING {
		step = "sampling"
	}
	h, err := c.commit(step, m, nil)
	if err != nil {
		return err
	}
	if m.Batch != "" {
		b := c.batches[m.Batch]
		b.TestEvents = append(b.TestEvents, h)
		if err := st.SetBatch(b); err != nil {
			return err
		}
	}
	ctx.Emit("record_test", Attr("result", m.Result.String()), Attr("event", hex.EncodeToString(h)))
	return nil
}

// receivingDivisions lists, sorted, every division that received any of a
// batch — where its codes (or the pallets holding them) are held, on their
// way to, or were last placed (sold goods stay where they were sold) — with
// the importer's; it adds the
// grams held at a positive result to the importer's day as blocked.
func receivingDivisions(c *changes, st supervisionStore, batchID, importer string, d *types.DayStats) ([]string, error) {
	b, err := c.batch(batchID)
	if err != nil {
		return nil, err
	}
	codes, _, err := st.KeysUnder(state.BatchCodePrefix(batchID), nil, maxBatchCodes)
	if err != nil {
		return nil, err
	}
	divs := map[string]bool{importer: true}
	for _, k := range codes {
		r, err := c.peek(string(k))
		if err != nil {
			return nil, err
		}
		d.BlockedGrams = types.Add(d.BlockedGrams, gramsOf(b, r.Unit, remaining(r)), true)
		if r.LastDivision != "" {
			divs[r.LastDivision] = true
		}
		holders := append([]*types.Holding(nil), r.Holdings...)
		opens := append([][]byte(nil), r.OpenConsignments...)
		for _, u := range r.Units {
			// Goods packed in a pallet are where the pallet is.
			unit, err := c.peek(u)
			if err != nil {
				return nil, err
			}
			holders = append(holders, unit.Holdings...)
			opens = append(opens, unit.OpenConsignments...)
		}
		for _, h := range holders {
			e, err := c.enterprise(h.Holder)
			if err != nil {
				return nil, err
			}
			divs[e.Division] = true
		}
		for _, id := range opens {
			con, err := st.Consignment(id)
			if err != nil {
				return nil, err
			}
			if con == nil {
				continue
			}
			e, err := c.enterprise(con.Buyer)
			if err != nil {
				return nil, err
			}
			divs[e.Division] = true
		}
	}
	return slices.Sorted(maps.Keys(divs)), nil
}

// requireHoldsSome refuses a warehouse that holds none of a batch.
func requireHoldsSome(st supervisionStore, uscc, batchID string) error {
	codes, _, err := st.KeysUnder(state.BatchCodePrefix(batchID), nil, maxBatchCodes)
	if err != nil {
		return err
	}
	for _, code := range codes {
		r, err := st.Code(string(code))
		if err != nil {
			return err
		}
		if r != nil && r.HeldBy(uscc) > 0 {
			return nil
		}
	}
	return types.ErrUnauthorized.Wrapf("warehouse %s holds none of batch %s", uscc, batchID)
}

// maxBatchCodes bounds how many codes one message may reach through a batch.
const maxBatchCodes = 100_000

// holdBatch holds every code of a batch that still has goods, and every
// unit containing them; it returns how many codes it held.
func holdBatch(c *changes, st supervisionStore, batchID, source, reason string) (uint64, error) {
	codes, _, err := st.KeysUnder(state.BatchCodePrefix(batchID), nil, maxBatchCodes)
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, k := range codes {
		var r *types.CodeRecord
		if c.ctx.Rules.AuthorityEvidence() {
			// Only codes the hold changes are touched (rules v3): a code
			// with nothing left, or already held, keeps its history as is.
			if r, err = c.peek(string(k)); err != nil {
				return 0, err
			}
			if remaining(r) == 0 || (source != "recall" && r.Status != types.CodeStatus_CODE_STATUS_ACTIVE) {
				continue
			}
			c.touch(r)
		} else if r, err = c.code(string(k)); err != nil {
			return 0, err
		}
		if remaining(r) == 0 {
			continue
		}
		if err := c.hold(r, types.CodeStatus_CODE_STATUS_HELD, source, reason); err != nil {
			return 0, err
		}
		n++
		for _, u := range r.Units {
			unit, err := c.code(u)
			if err != nil {
				return 0, err
			}
			if err := c.hold(unit, types.CodeStatus_CODE_STATUS_HELD, source, "contains "+r.Code+": "+reason); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// remaining is the quantity of a code still in the supply chain.
func remaining(r *types.CodeRecord) uint64 {
	q := r.InTransit + r.InUnits
	for _, h := range r.Holdings {
		q += h.Quantity
	}
	return q
}

// signingRegulatorOf returns the signer's jurisdiction, refusing non-regulators.
func signingRegulatorOf(ctx *Context, action string) (types.Division, error) {
	if ctx.Signer.Regulator == nil {
		return "", types.ErrUnauthorized.Wrapf("only a regulator may %s", action)
	}
	return types.Division(ctx.Signer.Regulator.Division), nil
}

// inJurisdiction reports whether any holder of r, or of a unit containing
// it, lies inside reg.
func inJurisdiction(c *changes, reg types.Division, r *types.CodeRecord) (bool, error) {
	holders := append([]*types.Holding(nil), r.Holdings...)
	for _, u := range r.Units {
		unit, err := c.code(u)
		if err != nil {
			return false, err
		}
		holders = append(holders, unit.Holdings...)
	}
	for _, h := range holders {
		e, err := c.enterprise(h.Holder)
		if err != nil {
			return false, err
		}
		if reg.Contains(types.Division(e.Division)) {
			return true, nil
		}
	}
	return false, nil
}

// targets resolves a batch-or-codes target to code records.
func targets(c *changes, st supervisionStore, batch string, codes []string) ([]*types.CodeRecord, error) {
	var out []*types.CodeRecord
	if batch != "" {
		keys, _, err := st.KeysUnder(state.BatchCodePrefix(batch), nil, maxBatchCodes)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, types.ErrNotFound.Wrapf("batch %s has no codes", batch)
		}
		for _, k := range keys {
			r, err := c.code(string(k))
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	for _, s := range codes {
		r, err := c.code(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// holdGoods: a regulator holds goods held inside its jurisdiction. A whole
// batch is held where it lies inside the jurisdiction; named codes must lie there.
func holdGoods(ctx *Context, st supervisionStore, m *types.MsgHold) error {
	reg, err := signingRegulatorOf(ctx, "hold goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	recs, err := targets(c, st, m.Batch, m.Codes)
	if err != nil {
		return err
	}
	var held []string
	for _, r := range recs {
		in, err := inJurisdiction(c, reg, r)
		if err != nil {
			return err
		}
		if !in {
			if m.Batch == "" {
				return types.ErrOutOfJurisdiction.Wrapf("no holder of %s lies inside %s", r.Code, reg)
			}
			continue
		}
		if r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
			if m.Batch == "" {
				return types.ErrInvalidState.Wrapf("%s is already %s", r.Code, types.CodeStatusName(r.Status))
			}
			continue
		}
		if err := c.hold(r, types.CodeStatus_CODE_STATUS_HELD, string(reg), m.Reason); err != nil {
			return err
		}
		held = append(held, r.Code)
	}
	if len(held) == 0 {
		return types.ErrOutOfJurisdiction.Wrapf("no active goods of batch %s lie inside %s", m.Batch, reg)
	}
	d, err := c.statsFor(string(reg))
	if err != nil {
		return err
	}
	d.Holds += uint64(len(held))
	if err := c.alert(types.AlertKind_ALERT_KIND_HOLD, string(reg), fmt.Sprintf("%d code(s) held by %s: %s", len(held), reg, m.Reason), held, m.Batch, nil); err != nil {
		return err
	}
	if _, err := c.commit("holding", m, nil); err != nil {
		return err
	}
	ctx.Emit("hold", Indexed("division", string(reg)), Attr("codes", strconv.Itoa(len(held))))
	return nil
}

// unholdGoods: a regulator lifts holds it may lift: its own or those of
// regulators below it (a province's hold binds its cities), and automatic
// holds (tests, sensors) of goods inside its jurisdiction.
func unholdGoods(ctx *Context, st supervisionStore, m *types.MsgUnhold) error {
	reg, err := signingRegulatorOf(ctx, "release held goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	recs, err := targets(c, st, m.Batch, m.Codes)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range recs {
		if r.Status != types.CodeStatus_CODE_STATUS_HELD {
			if m.Batch == "" {
				return types.ErrInvalidState.Wrapf("%s is %s, not held", r.Code, types.CodeStatusName(r.Status))
			}
			continue
		}
		var ok bool
		if d, err := types.ParseDivision(r.HoldSource); err == nil {
			ok = reg.Contains(d)
		} else if ok, err = inJurisdiction(c, reg, r); err != nil {
			return err
		}
		if !ok {
			if m.Batch == "" {
				return types.ErrOutOfJurisdiction.Wrapf("%s was held by %s; %s cannot lift that hold", r.Code, r.HoldSource, reg)
			}
			continue
		}
		if err := c.unhold(r); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return types.ErrOutOfJurisdiction.Wrapf("no hold of batch %s can be lifted by %s", m.Batch, reg)
	}
	if _, err := c.commit("holding", m, nil); err != nil {
		return err
	}
	ctx.Emit("unhold", Indexed("division", string(reg)), Attr("codes", strconv.Itoa(n)))
	return nil
}

// recall: a regulator of the commissioner's jurisdiction recalls a batch.
// The chain follows it forward (split children, units) and holds every
// remaining holding and open consignment, recording the scope once.
func recall(ctx *Context, st supervisionStore, m *types.MsgRecall) error {
	reg, err := signingRegulatorOf(ctx, "recall a batch")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	b, err := st.Batch(m.Batch)
	if err != nil {
		return err
	}
	if b == nil {
		return types.ErrNotFound.Wrapf("batch %s is not recorded", m.Batch)
	}
	if b.Recall != 0 {
		return types.ErrInvalidState.Wrapf("batch %s is already under recall %d", m.Batch, b.Recall)
	}
	commissioner, err := c.enterprise(b.Commissioner)
	if err != nil {
		return err
	}
	if !reg.Contains(types.Division(commissioner.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("batch %s was commissioned in %s, outside %s", m.Batch, commissioner.Division, reg)
	}
	id, err := st.NextID("recall")
	if err != nil {
		return err
	}
	c.batches[m.Batch] = b
	b.Recall = id
	rec := &types.Recall{Id: id, Batch: m.Batch, Reason: m.Reason, Regulator: string(reg), Height: ctx.Height, TimeMs: ctx.Time.UnixMilli()}
	recs, err := targets(c, st, m.Batch, nil)
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("recall %d: %s", id, m.Reason)
	for _, r := range recs {
		if remaining(r) == 0 {
			continue
		}
		if err := recallScope(c, st, r, rec); err != nil {
			return err
		}
		if err := c.hold(r, types.CodeStatus_CODE_STATUS_RECALLED, "recall", reason); err != nil {
			return err
		}
		rec.Codes++
		for _, u := range r.Units {
			unit, err := c.code(u)
			if err != nil {
				return err
			}
			if err := c.hold(unit, types.CodeStatus_CODE_STATUS_RECALLED, "recall", reason); err != nil {
				return err
			}
		}
	}
	ents, divs := map[string]bool{}, map[string]bool{}
	for _, s := range rec.Scope {
		ents[s.Enterprise], divs[s.Division] = true, true
	}
	rec.Enterprises, rec.Divisions = slices.Sorted(maps.Keys(ents)), slices.Sorted(maps.Keys(divs))
	if err := st.SetRecall(rec); err != nil {
		return err
	}
	for _, div := range rec.Divisions {
		msg := fmt.Sprintf("recall %d of batch %s: %s; goods remain here", id, m.Batch, m.Reason)
		if err := c.alert(types.AlertKind_ALERT_KIND_RECALL, div, msg, nil, m.Batch, nil); err != nil {
			return err
		}
	}
	if _, err := c.commit("recalling", m, nil); err != nil {
		return err
	}
	ctx.Emit("recall", Indexed("recall", strconv.FormatUint(id, 10)), Indexed("batch", m.Batch), Attr("enterprises", strconv.Itoa(len(rec.Enterprises))))
	return nil
}

// recallScope adds a code's holdings, open consignments and units to a recall.
func recallScope(c *changes, st supervisionStore, r *types.CodeRecord, rec *types.Recall) error {
	add := func(code, uscc string, q uint64, unit types.QuantityUnit, transit bool, con []byte) error {
		e, err := c.enterprise(uscc)
		if err != nil {
			return err
		}
		rec.Scope = append(rec.Scope, &types.RecallScope{Code: code, Enterprise: uscc, Division: e.Division, Quantity: q, Unit: unit, InTransit: transit, Consignment: con})
		return nil
	}
	for _, h := range r.Holdings {
		if err := add(r.Code, h.Holder, h.Quantity, r.Unit, false, nil); err != nil {
			return err
		}
	}
	for _, id := range r.OpenConsignments {
		con, err := st.Consignment(id)
		if err != nil || con == nil {
			return types.OrInternal(err, "consignment %X is missing", id)
		}
		for _, it := range con.Items {
			if it.Code == r.Code {
				if err := add(r.Code, con.Buyer, it.Quantity, r.Unit, true, con.Id); err != nil {
					return err
				}
			}
		}
	}
	for _, u := range r.Units {
		unit, err := c.code(u)
		if err != nil {
			return err
		}
		var q uint64
		for _, it := range unit.Contents {
			if it.Code == r.Code {
				q = it.Quantity
			}
		}
		for _, h := range unit.Holdings {
			if err := add(r.Code, h.Holder, q, r.Unit, false, nil); err != nil {
				return err
			}
		}
		for _, id := range unit.OpenConsignments { // the unit is on its way
			con, err := st.Consignment(id)
			if err != nil || con == nil {
				return types.OrInternal(err, "consignment %X is missing", id)
			}
			if err := add(r.Code, con.Buyer, q, r.Unit, true, con.Id); err != nil {
				return err
			}
		}
	}
	sort.SliceStable(rec.Scope, func(i, j int) bool { return rec.Scope[i].Enterprise < rec.Scope[j].Enterprise })
	return nil
}

// destroy (CBV destroying): a witness regulator of the holder's
// jurisdiction records the destruction of a holder's quantity, held or not.
func destroy(ctx *Context, st supervisionStore, m *types.MsgDestroy) error {
	reg, err := signingRegulatorOf(ctx, "witness a destruction")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	holder, err := st.Enterprise(m.Holder)
	if err != nil {
		return err
	}
	if holder == nil {
		return types.ErrNotFound.Wrapf("enterprise %s is not registered", m.Holder)
	}
	if !reg.Contains(types.Division(holder.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("%s is in %s, outside %s", m.Holder, holder.Division, reg)
	}
	r, err := c.code(m.Code)
	if err != nil {
		return err
	}
	if r.LogisticUnit {
		return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; disaggregate it and destroy its contents", r.Code)
	}
	if err := c.take(r, m.Holder, m.Quantity); err != nil {
		return err
	}
	if ctx.Rules.AuthorityEvidence() {
		if err := c.countGrams(r, holder.Division, m.Quantity, func(d *types.DayStats, g uint64) {
			d.DestroyedGrams = types.Add(d.DestroyedGrams, g, true)
		}); err != nil {
			return err
		}
	}
	r.Destroyed += m.Quantity
	if remaining(r) == 0 && r.Status != types.CodeStatus_CODE_STATUS_ACTIVE {
		if err := c.unhold(r); err != nil {
			return err
		}
		r.Status = types.CodeStatus_CODE_STATUS_DESTROYED
	}
	if _, err := c.commit("destroying", m, nil); err != nil {
		return err
	}
	ctx.Emit("destroy", Indexed("division", holder.Division), Attr("code", r.Code), Attr("quantity", strconv.FormatUint(m.Quantity, 10)))
	return nil
}

// acknowledge: a regulator whose jurisdiction contains the alert's division closes it.
func acknowledge(ctx *Context, st supervisionStore, m *types.MsgAcknowledge) error {
	reg, err := signingRegulatorOf(ctx, "acknowledge alerts")
	if err != nil {
		return err
	}
	a, err := st.Alert(m.Alert)
	if err != nil {
		return err
	}
	if a == nil {
		return types.ErrNotFound.Wrapf("alert %d does not exist", m.Alert)
	}
	if !reg.Contains(types.Division(a.Division)) {
		return types.ErrOutOfJurisdiction.Wrapf("alert %d is in %s, outside %s", m.Alert, a.Division, reg)
	}
	if !a.Open {
		return types.ErrInvalidState.Wrapf("alert %d was acknowledged by %s at height %d", m.Alert, a.AcknowledgedBy, a.AcknowledgedHeight)
	}
	a.Open, a.AcknowledgedBy, a.Comment, a.AcknowledgedHeight = false, string(reg), m.Comment, ctx.Height
	if err := st.SetAlert(a); err != nil {
		return err
	}
	ctx.Emit("acknowledge", Indexed("division", a.Division), Attr("alert", strconv.FormatUint(a.Id, 10)))
	return nil
}
