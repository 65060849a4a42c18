package app

import (
	"fmt"
	"strings"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// The customs loop (rules v3): what operators commission and what customs
// declares are matched whatever order they reach the chain in. A commission
// citing a declaration customs has not recorded yet is kept as unverified —
// the goods cannot leave the supervision warehouse until the declaration
// arrives and matches — and every declaration line's commissioned quantity
// stays within its declared net quantity.

// maxPendingPerDeclaration bounds the batches one declaration can match in
// one message; a declaration is for one importer's shipment.
const maxPendingPerDeclaration = 1000

// gramsOf is the net weight of q of a batch's goods counted in unit: goods
// in pieces weigh what their facts say a piece weighs (rules v3 require it).
func gramsOf(b *types.Batch, unit types.QuantityUnit, q uint64) uint64 {
	if unit == types.QuantityUnit_QUANTITY_UNIT_GRAMS {
		return q
	}
	per := uint64(b.Facts.GetNetGramsPerPiece())
	if per != 0 && q > ^uint64(0)/per {
		return ^uint64(0)
	}
	return q * per
}

// codesUnit is the one unit a commission's codes are counted in, or an error.
func codesUnit(codes []*types.NewCode) (types.QuantityUnit, uint64, error) {
	var unit types.QuantityUnit
	var sum uint64
	for i, nc := range codes {
		if i > 0 && nc.Unit != unit {
			return 0, 0, types.ErrDeclarationMismatch.Wrapf("codes[%d] is counted in %s, codes[0] in %s: imported goods counted against a declaration use one unit per commission", i, types.UnitName(nc.Unit), types.UnitName(unit))
		}
		unit = nc.Unit
		sum = types.Add(sum, nc.Quantity, true)
	}
	return unit, sum, nil
}

// matchLine finds the line of a declaration a batch's q of goods fall
// under: same importer, same origin, the same goods (by GTIN, or by tariff
// code), the same unit, and room left for q — the first such line. It
// returns the line's index, or a problem in words.
func matchLine(d *types.Declaration, b *types.Batch, unit types.QuantityUnit, q uint64) (int, string) {
	decl := d.Declaration
	if decl.Importer != b.Commissioner {
		return -1, fmt.Sprintf("declaration %s names importer %s, not %s", decl.Number, decl.Importer, b.Commissioner)
	}
	f := b.Facts
	done := lineCommissioned(d)
	var why []string
	for i, l := range decl.DeclarationLines() {
		switch {
		case l.OriginCountry != f.OriginCountry:
			why = append(why, fmt.Sprintf("line %d is from %s, the batch from %s", i+1, l.OriginCountry, f.OriginCountry))
		case l.Gtin != "" && f.Gtin != "" && l.Gtin != f.Gtin:
			why = append(why, fmt.Sprintf("line %d is GTIN %s, the batch %s", i+1, l.Gtin, f.Gtin))
		case l.Gtin != "" && f.Gtin == "" && (l.HsCode == "" || l.HsCode != f.HsCode):
			why = append(why, fmt.Sprintf("line %d is GTIN %s and the batch names no GTIN", i+1, l.Gtin))
		case l.Gtin == "" && l.HsCode != "" && l.HsCode != f.HsCode:
			why = append(why, fmt.Sprintf("line %d is tariff code %s, the batch %q", i+1, l.HsCode, f.HsCode))
		case l.Unit != unit:
			why = append(why, fmt.Sprintf("line %d is counted in %s, the codes in %s", i+1, types.UnitName(l.Unit), types.UnitName(unit)))
		case !fits(done[i], q, l.Quantity):
			why = append(why, fmt.Sprintf("line %d declares %d %s; %d are commissioned already and %d more would exceed it", i+1, l.Quantity, types.UnitName(l.Unit), done[i], q))
		default:
			return i, ""
		}
	}
	return -1, fmt.Sprintf("no line of declaration %s takes the batch (%s)", decl.Number, strings.Join(why, "; "))
}

// fits reports whether q more fit in a line with done of declared.
func fits(done, q, declared uint64) bool { return done+q >= done && done+q <= declared }

// lineCommissioned makes a declaration's per-line counters as long as its lines.
// A single-line declaration recorded before rules v3 counted its
// commissions in commissioned: its line starts from there.
func lineCommissioned(d *types.Declaration) []uint64 {
	n := len(d.Declaration.DeclarationLines())
	if len(d.LineCommissioned) == 0 && n > 0 {
		d.LineCommissioned = append(d.LineCommissioned, d.Commissioned)
	}
	for len(d.LineCommissioned) < n {
		d.LineCommissioned = append(d.LineCommissioned, 0)
	}
	return d.LineCommissioned
}

// citeDeclarationV3 counts a commission of a supervised batch against the
// declaration its facts cite, or records the batch as waiting for it.
func citeDeclarationV3(c *changes, p *types.Params, b *types.Batch, codes []*types.NewCode) error {
	number := b.Facts.CustomsDeclaration
	if number == "" {
		if p.RequireCustomsDeclaration {
			return types.ErrDeclarationMismatch.Wrapf("imported goods from %s must cite a customs declaration (facts.customs_declaration)", b.Facts.OriginCountry)
		}
		return nil
	}
	if err := types.ValidateDeclarationNumber("facts.customs_declaration", number); err != nil {
		return err
	}
	unit, sum, err := codesUnit(codes)
	if err != nil {
		return err
	}
	if b.DeclaredQuantity > 0 && unit != b.DeclaredUnit {
		return types.ErrDeclarationMismatch.Wrapf("batch %s is counted against declaration %s in %s; these codes are in %s", b.Id, number, types.UnitName(b.DeclaredUnit), types.UnitName(unit))
	}
	switch b.Customs {
	case types.CustomsState_CUSTOMS_STATE_MISMATCH:
		return types.ErrDeclarationMismatch.Wrapf("batch %s does not match its declaration (%s); no more codes can be added to it", b.Id, b.CustomsProblem)
	case types.CustomsState_CUSTOMS_STATE_UNVERIFIED:
		b.DeclaredQuantity = types.Add(b.DeclaredQuantity, sum, true)
		return nil
	}
	d, err := c.st.Declaration(number)
	if err != nil {
		return err
	}
	if d == nil {
		// Goods may reach the first station before customs data does.
		b.Customs, b.DeclaredUnit, b.DeclaredQuantity = types.CustomsState_CUSTOMS_STATE_UNVERIFIED, unit, sum
		b.CustomsProblem = "declaration " + number + " is not recorded by customs yet"
		if err := c.st.SetPendingDeclaration(number, b.Id, true); err != nil {
			return err
		}
		due := c.ctx.Time.UnixMilli() + int64(p.UnverifiedAlert())*1000
		c.ctx.Emit("customs_unverified", Indexed("declaration", number), Attr("batch", b.Id))
		return c.st.WatchCustoms(due, state.WatchUnverified, b.Id, true)
	}
	i := int(b.DeclarationLine) - 1
	done := lineCommissioned(d)
	if i < 0 {
		var problem string
		if i, problem = matchLine(d, b, unit, sum); i < 0 {
			return types.ErrDeclarationMismatch.Wrapf("%s", problem)
		}
	} else if line := d.Declaration.DeclarationLines()[i]; !fits(done[i], sum, line.Quantity) {
		return types.ErrDeclarationMismatch.Wrapf("declaration %s line %d declares %d %s; %d already commissioned, %d more would exceed it", number, i+1, line.Quantity, types.UnitName(line.Unit), done[i], sum)
	}
	done[i] += sum
	b.Customs, b.CustomsProblem, b.DeclarationLine, b.DeclaredUnit = types.CustomsState_CUSTOMS_STATE_VERIFIED, "", uint32(i+1), unit
	b.DeclaredQuantity = types.Add(b.DeclaredQuantity, sum, true)
	if err := c.countImport(d, b, unit, sum); err != nil {
		return err
	}
	return c.st.SetDeclaration(d)
}

// countImport adds commissioned imported goods to the figures of the
// importer's division, by origin and port of entry.
func (c *changes) countImport(d *types.Declaration, b *types.Batch, unit types.QuantityUnit, q uint64) error {
	imp, err := c.enterprise(b.Commissioner)
	if err != nil {
		return err
	}
	s, err := c.statsFor(imp.Division)
	if err != nil {
		return err
	}
	f := s.Import(b.Facts.OriginCountry, d.Declaration.Port)
	f.CommissionedGrams = types.Add(f.CommissionedGrams, gramsOf(b, unit, q), true)
	return nil
}

// matchPending settles the batches of the declared importer that waited
// for a declaration now recorded, in batch order (batches of other
// importers citing it are settled by their watch, so none can crowd the
// importer's out). More than maxPendingPerDeclaration wait for their watch.
func matchPending(c *changes, st supervisionStore, d *types.Declaration) error {
	number := d.Declaration.Number
	ids, err := st.PendingBatches(number, d.Declaration.Importer, maxPendingPerDeclaration)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := settleBatch(c, st, d, id, true); err != nil {
			return err
		}
	}
	return nil
}

// settleBatch matches one waiting batch against its declaration: verified
// when a line takes it, otherwise alerted with the reason and (hold) its
// codes held. A watch, which signs no event, does not hold: a batch that
// does not match can be neither released nor sold anyway.
func settleBatch(c *changes, st supervisionStore, d *types.Declaration, id string, hold bool) error {
	number := d.Declaration.Number
	if err := st.SetPendingDeclaration(number, id, false); err != nil {
		return err
	}
	b, err := c.batch(id)
	if err != nil {
		return err
	}
	if b.Customs != types.CustomsState_CUSTOMS_STATE_UNVERIFIED {
		return nil
	}
	i, problem := matchLine(d, b, b.DeclaredUnit, b.DeclaredQuantity)
	if i >= 0 {
		lineCommissioned(d)[i] += b.DeclaredQuantity
		b.Customs, b.CustomsProblem, b.DeclarationLine = types.CustomsState_CUSTOMS_STATE_VERIFIED, "", uint32(i+1)
		if err := c.countImport(d, b, b.DeclaredUnit, b.DeclaredQuantity); err != nil {
			return err
		}
		c.ctx.Emit("customs_verified", Indexed("declaration", number), Attr("batch", id))
		return nil
	}
	b.Customs, b.CustomsProblem = types.CustomsState_CUSTOMS_STATE_MISMATCH, problem
	var n uint64
	if hold {
		if n, err = holdBatch(c, st, id, "customs", problem); err != nil {
			return err
		}
	}
	imp, err := c.enterprise(b.Commissioner)
	if err != nil {
		return err
	}
	return c.alert(types.AlertKind_ALERT_KIND_CUSTOMS, imp.Division,
		fmt.Sprintf("batch %s and customs declaration %s disagree: %s; %d code(s) held; it can be neither released nor sold", id, number, problem, n), nil, id, nil)
}

// checkCustomsWatch raises the customs loop's alerts that time triggers:
// goods still waiting for their declaration, and a declaration no
// commission has cited (goods that may have entered without codes).
// Key: prefix | due ms(8) | kind(1) | id.
func checkCustomsWatch(c *changes, st *state.State, k []byte) error {
	if len(k) < 1+8+2 {
		return types.ErrInternal.Wrapf("customs watch key has %d bytes", len(k))
	}
	kind, id := k[1+8], string(k[1+8+1:])
	switch kind {
	case state.WatchUnverified:
		b, err := st.Batch(id)
		if err != nil || b == nil {
			return types.OrInternal(err, "customs watch names batch %s that has no record", id)
		}
		if b.Customs != types.CustomsState_CUSTOMS_STATE_UNVERIFIED {
			return nil
		}
		if d, err := st.Declaration(b.Facts.CustomsDeclaration); err != nil {
			return err
		} else if d != nil {
			// The declaration came, but this batch was not among those
			// matched then (another importer's, or past the cap).
			if err := settleBatch(c, st, d, id, false); err != nil {
				return err
			}
			if err := c.flushRecords(); err != nil {
				return err
			}
			return st.SetDeclaration(d)
		}
		imp, err := c.enterprise(b.Commissioner)
		if err != nil {
			return err
		}
		return c.alert(types.AlertKind_ALERT_KIND_CUSTOMS, imp.Division,
			fmt.Sprintf("batch %s cites customs declaration %s, which customs has still not recorded; its goods cannot be released", id, b.Facts.CustomsDeclaration), nil, id, nil)
	case state.WatchUncommissioned:
		d, err := st.Declaration(id)
		if err != nil || d == nil {
			return types.OrInternal(err, "customs watch names declaration %s that has no record", id)
		}
		for _, n := range d.LineCommissioned {
			if n > 0 {
				return nil
			}
		}
		if pending, err := st.PendingBatches(id, "", 1); err != nil || len(pending) > 0 {
			return err
		}
		div, err := importerDivision(st, d.Declaration.Importer)
		if err != nil {
			return err
		}
		return c.alert(types.AlertKind_ALERT_KIND_CUSTOMS, div,
			fmt.Sprintf("customs declaration %s (%s, %s, importer %s) has not been cited by any commission: goods may have entered without codes", id, d.Declaration.Port, d.Declaration.Date, d.Declaration.Importer), nil, "", nil)
	}
	return types.ErrInternal.Wrapf("customs watch key has kind %q", kind)
}

// releaseCertificateNumber is the number of the n-th release certificate,
// issued by a warehouse of division on day (YYYY-MM-DD).
func releaseCertificateNumber(division, day string, n uint64) string {
	return "RC-" + division + "-" + strings.ReplaceAll(day, "-", "") + "-" + fmt.Sprintf("%06d", n)
}

// importerDivision is where an importer's figures and alerts go: its
// registered division, or for an importer not on the chain the division
// that issued its credit code (characters 3-8 of a USCC).
func importerDivision(st interface {
	Enterprise(string) (*types.Enterprise, error)
}, uscc string) (string, error) {
	e, err := st.Enterprise(uscc)
	if err != nil || e != nil {
		if e != nil {
			return e.Division, nil
		}
		return "", err
	}
	return uscc[2:8], nil
}
