package app

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

func traceView(s *state.State) traceStore { return s }

func registerTrace(r *router) error {
	for _, err := range []error{
		add(r, traceView, commission),
		add(r, traceView, dispatch),
		add(r, traceView, receive),
		add(r, traceView, sell),
		add(r, traceView, split),
		add(r, traceView, aggregate),
		add(r, traceView, disaggregate),
		add(r, traceView, sensorReport),
		add(r, traceView, correct),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// notInFuture (rules v2) refuses facts that date production or a test after
// the block's day: goods are commissioned after they were made and tested.
func notInFuture(ctx *Context, f *types.ProductFacts) error {
	if err := notAfterToday(ctx, "facts.production_date", f.ProductionDate); err != nil {
		return err
	}
	if f.NucleicAcidTest != nil {
		return notAfterToday(ctx, "facts.nucleic_acid_test.date", f.NucleicAcidTest.Date)
	}
	return nil
}

// notAfterToday refuses a date after the block's day (one day of slack for
// clocks and time zones).
func notAfterToday(ctx *Context, field, date string) error {
	if t, ok := types.ParseDate(date); ok && t.After(ctx.Rules.Date(ctx.Time).AddDate(0, 0, 1)) {
		return types.ErrInvalidField.Wrapf("%s %s is after today (%s)", field, date, ctx.day())
	}
	return nil
}

// commission (赋码, CBV commissioning): an importer or wholesale market
// records codes of one batch. The facts are stored once per batch; native
// codes are issued by the chain under the enterprise's USCC.
func commission(ctx *Context, st traceStore, m *types.MsgCommission) error {
	ent, err := signingEnterprise(ctx, "commission codes")
	if err != nil {
		return err
	}
	if ent.Kind != types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER && ent.Kind != types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET {
		return types.ErrUnauthorized.Wrapf("only importers and wholesale markets commission codes; %s is a %s", ent.Uscc, types.KindName(ent.Kind))
	}
	params, err := st.Params()
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	batchID := ent.Uscc + "/" + m.Batch
	b, err := st.Batch(batchID)
	if err != nil {
		return err
	}
	switch {
	case b == nil && m.Facts == nil:
		return types.ErrInvalidField.Wrapf("facts are required for the new batch %q", m.Batch)
	case b == nil && ctx.Rules.StrictValues():
		if err := notInFuture(ctx, m.Facts); err != nil {
			return err
		}
		fallthrough
	case b == nil:
		b = &types.Batch{Id: batchID, Batch: m.Batch, Commissioner: ent.Uscc, Facts: m.Facts, Height: ctx.Height, TimeMs: ctx.Time.UnixMilli(),
			Supervised: !params.Exempt(m.Facts.OriginCountry)}
		if exp := m.Facts.Expiry(); exp != "" {
			if err := st.WatchExpiry(exp, batchID); err != nil {
				return err
			}
		}
	case m.Facts != nil && !proto.Equal(m.Facts, b.Facts):
		return types.ErrBatchConflict.Wrapf("batch %q was commissioned at height %d with other facts; omit facts to add codes to it", m.Batch, b.Height)
	}
	c.batches[batchID] = b
	var issued []string
	for i, nc := range m.Codes {
		code, err := c.newCode(fmt.Sprintf("codes[%d]", i), nc.Code, ent.Uscc, b, &issued)
		if err != nil {
			return err
		}
		if err := c.create(&types.CodeRecord{Code: code, BatchId: batchID, Unit: nc.Unit, Commissioned: nc.Quantity, OriginCode: nc.OriginCode}); err != nil {
			return err
		}
		if nc.OriginCode != "" {
			// Goods from another province: its code resolves to this one.
			if other, err := st.OriginCode(nc.OriginCode); err != nil {
				return err
			} else if other != "" {
				return types.ErrCodeExists.Wrapf("codes[%d]: origin code %s already resolves to %s", i, nc.OriginCode, other)
			}
			if err := st.SetOriginCode(nc.OriginCode, code); err != nil {
				return err
			}
		}
		c.give(c.recs[code], ent.Uscc, nc.Quantity)
		if err := st.IndexBatchCode(batchID, code); err != nil {
			return err
		}
	}
	b.Codes += uint64(len(m.Codes))
	if ctx.Rules.CustomsLoop() {
		if err := commissionV3(c, params, b, m); err != nil {
			return err
		}
	} else if err := citeDeclaration(st, params, b, m.Codes); err != nil {
		return err
	}
	for _, code := range slices.Sorted(maps.Keys(c.recs)) {
		if err := c.placed(c.recs[code], ent.Division, params.CloneWindowSeconds); err != nil {
			return err
		}
	}
	d, err := c.statsFor(ent.Division)
	if err != nil {
		return err
	}
	d.CodesCommissioned += uint64(len(m.Codes))
	h, err := c.commit("commissioning", m, func(e *types.Event) { e.Issued = issued })
	if err != nil {
		return err
	}
	ctx.Emit("commission", Indexed("batch", batchID), Attr("codes", strconv.Itoa(len(m.Codes))), Attr("event", hex.EncodeToString(h)))
	for _, code := range issued {
		ctx.Emit("issued_code", Attr("code", code))
	}
	return nil
}

// dispatch (出库, CBV shipping): the holder sends quantities to a named,
// active buyer; they leave its holdings into a consignment only that buyer
// can receive.
func dispatch(ctx *Context, st traceStore, m *types.MsgDispatch) error {
	ent, err := signingEnterprise(ctx, "dispatch goods")
	if err != nil {
		return err
	}
	if m.OutsideBuyer != nil {
		return dispatchOutside(ctx, st, ent, m)
	}
	buyer, err := counterparty(st, ent.Uscc, m.Buyer, "buyer")
	if err != nil {
		return err
	}
	if err := requireLicence(ctx, buyer); err != nil {
		return err // goods go only to an operator that may trade
	}
	params, err := st.Params()
	if err != nil {
		return err
	}
	if m.Carrier != "" {
		if _, err := counterparty(st, ent.Uscc, m.Carrier, "carrier"); err != nil {
			return err
		}
	}
	c := newChanges(ctx, st)
	con := &types.Consignment{
		Id: consignmentID(ctx), Sender: ent.Uscc, Buyer: m.Buyer, Carrier: m.Carrier,
		DispatchedHeight: ctx.Height, DispatchedTimeMs: ctx.Time.UnixMilli(),
	}
	for _, it := range m.Items {
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		if err := c.movable(r); err != nil {
			return err
		}
		if buyer.Kind != types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE {
			if err := c.requireReleased(r, "dispatched to "+buyer.Uscc+", which is not a supervision warehouse"); err != nil {
				return err
			}
		}
		if err := c.take(r, ent.Uscc, it.Quantity); err != nil {
			return err
		}
		r.InTransit += it.Quantity
		r.OpenConsignments = addID(r.OpenConsignments, con.Id)
		con.Items = append(con.Items, &types.CodeQuantity{Code: r.Code, Quantity: it.Quantity})
	}
	sort.Slice(con.Items, func(i, j int) bool { return con.Items[i].Code < con.Items[j].Code })
	if err := st.SetConsignment(con); err != nil {
		return err
	}
	if err := st.WatchReceipt(receiptDue(con, params), con.Id, true); err != nil {
		return err
	}
	if ctx.Rules.CustomsLoop() {
		// Where a site's goods went, for a positive test there later.
		if err := st.SetSupplied(ent.Uscc, buyer.Division, ctx.Time.UnixMilli()); err != nil {
			return err
		}
	}
	if _, err := c.commit("shipping", m, func(e *types.Event) { e.Consignment = con.Id }); err != nil {
		return err
	}
	ctx.Emit("dispatch", Indexed("consignment", hex.EncodeToString(con.Id)), Indexed("buyer", m.Buyer), Attr("sender", ent.Uscc))
	return nil
}

// receive (入库, CBV receiving): only the named buyer, only an open
// consignment. A shortfall stays on the code as a recorded discrepancy.
func receive(ctx *Context, st traceStore, m *types.MsgReceive) error {
	ent, err := signingEnterprise(ctx, "receive goods")
	if err != nil {
		return err
	}
	con, err := st.Consignment(m.Consignment)
	if err != nil {
		return err
	}
	if con == nil {
		return types.ErrNotFound.Wrapf("consignment %X does not exist", m.Consignment)
	}
	if con.Buyer != ent.Uscc {
		return types.ErrNotBuyer.Wrapf("consignment %X is addressed to %s, not %s", m.Consignment, con.Buyer, ent.Uscc)
	}
	if con.Received {
		return types.ErrConsignmentClosed.Wrapf("consignment %X was received at height %d", m.Consignment, con.ReceivedHeight)
	}
	params, err := st.Params()
	if err != nil {
		return err
	}
	got := map[string]uint64{}
	for i, it := range m.Received {
		canon, _ := types.ValidateCodeString("received", it.Code)
		got[canon] = it.Quantity
		if !consignmentCarries(con, canon) {
			return types.ErrInvalidQuantity.Wrapf("received[%d]: consignment %X does not carry %s", i, m.Consignment, canon)
		}
	}
	c := newChanges(ctx, st)
	for _, it := range con.Items {
		q := got[it.Code]
		if q > it.Quantity {
			return types.ErrInvalidQuantity.Wrapf("received %d of %s, only %d were dispatched", q, it.Code, it.Quantity)
		}
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		if r.Status != types.CodeStatus_CODE_STATUS_ACTIVE && ent.Kind != types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE {
			return types.ErrNotMovable.Wrapf("%s is %s (%s); only a supervision warehouse may receive it", r.Code, types.CodeStatusName(r.Status), r.StatusReason)
		}
		r.InTransit -= it.Quantity
		r.Discrepancy += it.Quantity - q
		r.OpenConsignments = removeID(r.OpenConsignments, con.Id)
		if q > 0 {
			c.give(r, ent.Uscc, q)
			if err := c.heldIn(r, ent.Division); err != nil {
				return err
			}
			if err := c.countInflow(r, con.Sender, ent.Division, q); err != nil {
				return err
			}
			if err := c.placed(r, ent.Division, params.CloneWindowSeconds); err != nil {
				return err
			}
		}
		con.ReceivedItems = append(con.ReceivedItems, &types.CodeQuantity{Code: it.Code, Quantity: q})
	}
	con.Received, con.ReceivedHeight, con.ReceivedTimeMs = true, ctx.Height, ctx.Time.UnixMilli()
	if err := st.SetConsignment(con); err != nil {
		return err
	}
	if err := st.WatchReceipt(receiptDue(con, params), con.Id, false); err != nil {
		return err
	}
	if _, err := c.commit("receiving", m, func(e *types.Event) { e.Consignment = con.Id }); err != nil {
		return err
	}
	ctx.Emit("receive", Indexed("consignment", hex.EncodeToString(con.Id)), Attr("buyer", ent.Uscc))
	return nil
}

func consignmentCarries(con *types.Consignment, code string) bool {
	for _, it := range con.Items {
		if it.Code == code {
			return true
		}
	}
	return false
}

// sell (CBV retail_selling, or consumed in a restaurant): the holder's
// quantity leaves the chain's custody. A business buyer is recorded; a
// consumer never is.
func sell(ctx *Context, st traceStore, m *types.MsgSell) error {
	ent, err := signingEnterprise(ctx, "sell goods")
	if err != nil {
		return err
	}
	if m.BusinessBuyer != "" {
		b, err := counterparty(st, ent.Uscc, m.BusinessBuyer, "business buyer")
		if err != nil {
			return err
		}
		if err := requireLicence(ctx, b); err != nil {
			return err
		}
	}
	c := newChanges(ctx, st)
	for _, it := range m.Items {
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		if r.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; disaggregate it and sell its contents", r.Code)
		}
		if err := c.movable(r); err != nil {
			return err
		}
		if err := c.requireReleased(r, "sold"); err != nil {
			return err
		}
		if err := c.take(r, ent.Uscc, it.Quantity); err != nil {
			return err
		}
		d, err := c.statsFor(ent.Division)
		if err != nil {
			return err
		}
		d.QuantitySold = types.Add(d.QuantitySold, it.Quantity, ctx.Rules.StrictValues())
		if m.Kind == types.SaleKind_SALE_KIND_CONSUMED {
			r.Consumed += it.Quantity
		} else {
			r.Sold += it.Quantity
		}
	}
	if _, err := c.commit("retail_selling", m, nil); err != nil {
		return err
	}
	ctx.Emit("sell", Attr("seller", ent.Uscc), Attr("items", strconv.Itoa(len(m.Items))))
	return nil
}

// split (分装, CBV repackaging): the holder turns part of a code into new
// child codes of the same batch; the parent's quantity leaves as split_out.
func split(ctx *Context, st traceStore, m *types.MsgSplit) error {
	ent, err := signingEnterprise(ctx, "split goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	parent, err := c.code(m.Parent)
	if err != nil {
		return err
	}
	if parent.LogisticUnit {
		return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; disaggregate it instead", parent.Code)
	}
	if err := c.movable(parent); err != nil {
		return err
	}
	if err := c.requireReleased(parent, "split"); err != nil {
		return err
	}
	var total uint64
	for i, ch := range m.Children {
		if ch.Unit != types.QuantityUnit_QUANTITY_UNIT_UNSPECIFIED && ch.Unit != parent.Unit {
			return types.ErrInvalidQuantity.Wrapf("children[%d] is in %s, the parent in %s", i, ch.Unit, parent.Unit)
		}
		total += ch.Quantity
	}
	if err := c.take(parent, ent.Uscc, total); err != nil {
		return err
	}
	parent.SplitOut += total
	b, err := c.batch(parent.BatchId)
	if err != nil {
		return err
	}
	var issued []string
	for i, ch := range m.Children {
		code, err := c.newCode(fmt.Sprintf("children[%d]", i), ch.Code, ent.Uscc, b, &issued)
		if err != nil {
			return err
		}
		if err := c.create(&types.CodeRecord{Code: code, BatchId: parent.BatchId, Unit: parent.Unit, Commissioned: ch.Quantity, Parent: parent.Code,
			Released: parent.Released, LastDivision: parent.LastDivision, LastTimeMs: parent.LastTimeMs}); err != nil {
			return err
		}
		c.give(c.recs[code], ent.Uscc, ch.Quantity)
		if err := st.IndexBatchCode(parent.BatchId, code); err != nil {
			return err
		}
	}
	b.Codes += uint64(len(m.Children))
	if _, err := c.commit("repackaging", m, func(e *types.Event) { e.Issued = issued }); err != nil {
		return err
	}
	ctx.Emit("split", Indexed("parent", parent.Code), Attr("children", strconv.Itoa(len(m.Children))))
	for _, code := range issued {
		ctx.Emit("issued_code", Attr("code", code))
	}
	return nil
}

// aggregate (CBV packing): the holder puts quantities of codes into a
// logistic unit it holds (created on first use). From then on the unit moves
// with one write; its contents ride along.
func aggregate(ctx *Context, st traceStore, m *types.MsgAggregate) error {
	ent, err := signingEnterprise(ctx, "aggregate goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	unitCode, _ := types.ValidateCodeString("unit", m.Unit)
	unit, err := st.Code(unitCode)
	if err != nil {
		return err
	}
	if unit == nil {
		unit = &types.CodeRecord{Code: unitCode, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES, Commissioned: 1, LogisticUnit: true}
		if err := c.create(unit); err != nil {
			return err
		}
		c.give(unit, ent.Uscc, 1)
	} else {
		c.recs[unitCode] = unit
		if !unit.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is not a logistic unit", unitCode)
		}
		if unit.HeldBy(ent.Uscc) != 1 {
			return types.ErrLogisticUnit.Wrapf("unit %s is not held by %s", unitCode, ent.Uscc)
		}
		if err := c.movable(unit); err != nil {
			return err
		}
	}
	for _, it := range m.Items {
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		if r.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; units do not nest", r.Code)
		}
		if err := c.movable(r); err != nil {
			return err
		}
		if err := c.take(r, ent.Uscc, it.Quantity); err != nil {
			return err
		}
		r.InUnits += it.Quantity
		r.Units = addString(r.Units, unit.Code)
		unit.AddContent(r.Code, it.Quantity)
	}
	if _, err := c.commit("packing", m, nil); err != nil {
		return err
	}
	ctx.Emit("aggregate", Indexed("unit", unitCode), Attr("items", strconv.Itoa(len(m.Items))))
	return nil
}

// disaggregate (CBV unpacking): the unit's holder takes every content out
// into its own holdings; the empty unit can be reused.
func disaggregate(ctx *Context, st traceStore, m *types.MsgDisaggregate) error {
	ent, err := signingEnterprise(ctx, "disaggregate goods")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	unit, err := c.code(m.Unit)
	if err != nil {
		return err
	}
	if !unit.LogisticUnit || unit.HeldBy(ent.Uscc) != 1 {
		return types.ErrLogisticUnit.Wrapf("%s is not a logistic unit held by %s", unit.Code, ent.Uscc)
	}
	if len(unit.Contents) == 0 {
		return types.ErrLogisticUnit.Wrapf("unit %s is empty", unit.Code)
	}
	for _, it := range unit.Contents {
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		r.InUnits -= it.Quantity
		r.Units = removeString(r.Units, unit.Code)
		c.give(r, ent.Uscc, it.Quantity)
		if ctx.Rules.CustomsLoop() {
			// Held goods taken out of a unit stay listed where they now are.
			if err := c.heldIn(r, ent.Division); err != nil {
				return err
			}
		}
	}
	unit.Contents = nil
	if _, err := c.commit("unpacking", m, nil); err != nil {
		return err
	}
	ctx.Emit("disaggregate", Indexed("unit", unit.Code))
	return nil
}

// sensorReport (CBV sensor_reporting): a holder reports temperatures for
// codes it holds, or a party to a consignment for the goods it carries. A
// reading outside the batch's allowed range marks an excursion on the code.
func sensorReport(ctx *Context, st traceStore, m *types.MsgSensorReport) error {
	ent, err := signingEnterprise(ctx, "report sensor readings")
	if err != nil {
		return err
	}
	c := newChanges(ctx, st)
	var targets []*types.CodeRecord
	if len(m.Consignment) > 0 {
		con, err := st.Consignment(m.Consignment)
		if err != nil {
			return err
		}
		if con == nil {
			return types.ErrNotFound.Wrapf("consignment %X does not exist", m.Consignment)
		}
		if ent.Uscc != con.Sender && ent.Uscc != con.Buyer && ent.Uscc != con.Carrier {
			return types.ErrUnauthorized.Wrapf("%s is not the sender, buyer or carrier of consignment %X", ent.Uscc, m.Consignment)
		}
		for _, it := range con.Items {
			r, err := c.code(it.Code)
			if err != nil {
				return err
			}
			targets = append(targets, r)
		}
	} else {
		for _, s := range m.Codes {
			r, err := c.code(s)
			if err != nil {
				return err
			}
			if r.HeldBy(ent.Uscc) == 0 {
				return types.ErrUnauthorized.Wrapf("%s holds none of %s", ent.Uscc, r.Code)
			}
			targets = append(targets, r)
		}
	}
	// A unit's reading applies to what it contains.
	for _, r := range append([]*types.CodeRecord(nil), targets...) {
		for _, it := range r.Contents {
			inner, err := c.code(it.Code)
			if err != nil {
				return err
			}
			targets = append(targets, inner)
		}
	}
	params, err := st.Params()
	if err != nil {
		return err
	}
	excursion, held := false, false
	counted := map[string]bool{}
	var flagged []string
	for _, r := range targets {
		if r.LogisticUnit || counted[r.Code] {
			continue
		}
		counted[r.Code] = true
		b, err := c.batch(r.BatchId)
		if err != nil {
			return err
		}
		lo, hi, tolerance, ok := allowedRange(params, b.Facts)
		if !ok || (m.MinCenti >= lo && m.MaxCenti <= hi) {
			continue
		}
		r.Excursions++
		excursion = true
		flagged = append(flagged, r.Code)
		if m.EndUnix-m.StartUnix > int64(tolerance) {
			held = true
			reason := fmt.Sprintf("temperature %s..%s °C outside %s..%s °C for %d s (tolerance %d s), device %s",
				types.FormatCenti(m.MinCenti), types.FormatCenti(m.MaxCenti), types.FormatCenti(lo), types.FormatCenti(hi), m.EndUnix-m.StartUnix, tolerance, m.DeviceId)
			if err := c.hold(r, types.CodeStatus_CODE_STATUS_HELD, "sensor", reason); err != nil {
				return err
			}
		}
	}
	if excursion {
		msg := fmt.Sprintf("%d code(s) outside their temperature range (%s..%s °C reported by %s)", len(flagged), types.FormatCenti(m.MinCenti), types.FormatCenti(m.MaxCenti), m.DeviceId)
		if held {
			msg += "; held: the excursion lasted longer than tolerated"
		}
		if err := c.alert(types.AlertKind_ALERT_KIND_EXCURSION, ent.Division, msg, flagged, "", m.Consignment); err != nil {
			return err
		}
	}
	if _, err := c.commit("sensor_reporting", m, func(e *types.Event) { e.Excursion = excursion; e.Consignment = m.Consignment }); err != nil {
		return err
	}
	ctx.Emit("sensor_report", Attr("reporter", ent.Uscc), Attr("excursion", strconv.FormatBool(excursion)), Attr("held", strconv.FormatBool(held)))
	return nil
}

// correct (EPCIS errorDeclaration): the enterprise that recorded an event,
// or a regulator of its jurisdiction, declares it erroneous. Nothing is
// edited: the declaration joins the history of every code the event touched.
func correct(ctx *Context, st traceStore, m *types.MsgCorrect) error {
	orig, _, err := st.Event(m.Event)
	if err != nil {
		return err
	}
	if orig == nil {
		return types.ErrNotFound.Wrapf("event %X does not exist", m.Event)
	}
	if ctx.actor() != orig.Actor {
		if ctx.Signer.Regulator == nil {
			return types.ErrUnauthorized.Wrapf("event %X was recorded by %s; only it or its regulator may correct it", m.Event, orig.Actor)
		}
		if orig.Actor == types.CustomsID {
			return types.ErrUnauthorized.Wrapf("event %X was recorded by customs; only customs may correct it", m.Event)
		}
		actorDivision := orig.Actor // a regulator's own event names its division
		if len(orig.Actor) != 6 {
			actor, err := st.Enterprise(orig.Actor)
			if err != nil {
				return err
			}
			if actor == nil {
				return types.ErrInternal.Wrapf("event %X names actor %s that has no record", m.Event, orig.Actor)
			}
			actorDivision = actor.Division
		}
		if !types.Division(ctx.Signer.Regulator.Division).Contains(types.Division(actorDivision)) {
			return types.ErrOutOfJurisdiction.Wrapf("event %X was recorded by %s, outside regulator %s", m.Event, orig.Actor, ctx.Signer.Regulator.Division)
		}
	}
	for i, h := range m.CorrectiveEvents {
		if e, _, err := st.Event(h); err != nil {
			return err
		} else if e == nil {
			return types.ErrNotFound.Wrapf("corrective_events[%d] %X does not exist", i, h)
		}
	}
	c := newChanges(ctx, st)
	for _, code := range orig.Codes {
		if _, err := c.code(code); err != nil {
			return err
		}
	}
	if _, err := c.commit("error_declaration", m, nil); err != nil {
		return err
	}
	ctx.Emit("correct", Indexed("event", hex.EncodeToString(m.Event)), Attr("reason", m.Reason.String()))
	return nil
}

// allowedRange is the temperature range goods must stay in: the category's
// profile from the chain's parameters, else the batch's own range. ok is
// false when neither applies.
func allowedRange(p *types.Params, f *types.ProductFacts) (lo, hi int32, tolerance uint32, ok bool) {
	if prof := p.Profile(f.Category); prof != nil {
		return prof.MinCenti, prof.MaxCenti, prof.ToleranceSeconds, true
	}
	if f.TempMinCenti != 0 || f.TempMaxCenti != 0 {
		return f.TempMinCenti, f.TempMaxCenti, defaultToleranceSeconds, true
	}
	return 0, 0, 0, false
}

// defaultToleranceSeconds applies to a batch's own range when no profile covers its category.
const defaultToleranceSeconds = 1800

// commissionV3 adds what rules v3 ask of a commission: goods in pieces
// carry a net weight, imported goods are counted against their declaration
// (or wait for it), and the day's figures count the commissioned grams.
func commissionV3(c *changes, p *types.Params, b *types.Batch, m *types.MsgCommission) error {
	var grams uint64
	for i, nc := range m.Codes {
		if nc.Unit == types.QuantityUnit_QUANTITY_UNIT_PIECES && b.Facts.NetGramsPerPiece == 0 {
			return types.ErrInvalidField.Wrapf("codes[%d] is counted in pieces: batch %s needs facts.net_grams_per_piece so its tonnes add up", i, b.Id)
		}
		grams = types.Add(grams, gramsOf(b, nc.Unit, nc.Quantity), true)
	}
	if b.Supervised {
		if err := citeDeclarationV3(c, p, b, m.Codes); err != nil {
			return err
		}
	}
	ent, err := c.enterprise(b.Commissioner)
	if err != nil {
		return err
	}
	d, err := c.statsFor(ent.Division)
	if err != nil {
		return err
	}
	d.CommissionedGrams = types.Add(d.CommissionedGrams, grams, true)
	return nil
}

// citeDeclaration (rules v1, v2) checks a commission of imported goods
// against the customs declaration its facts cite, and counts the quantity
// against it.
func citeDeclaration(st traceStore, p *types.Params, b *types.Batch, codes []*types.NewCode) error {
	if !b.Supervised {
		return nil
	}
	number := b.Facts.CustomsDeclaration
	if number == "" {
		if p.RequireCustomsDeclaration {
			return types.ErrDeclarationMismatch.Wrapf("imported goods from %s must cite a customs declaration (facts.customs_declaration)", b.Facts.OriginCountry)
		}
		return nil
	}
	d, err := st.Declaration(number)
	if err != nil {
		return err
	}
	if d == nil {
		if p.RequireCustomsDeclaration {
			return types.ErrDeclarationMismatch.Wrapf("customs declaration %s is not recorded on the chain", number)
		}
		return nil
	}
	decl := d.Declaration
	if decl.OriginCountry != b.Facts.OriginCountry {
		return types.ErrDeclarationMismatch.Wrapf("declaration %s declares origin %s, the batch says %s", number, decl.OriginCountry, b.Facts.OriginCountry)
	}
	if decl.Importer != b.Commissioner {
		return types.ErrDeclarationMismatch.Wrapf("declaration %s names importer %s, not %s", number, decl.Importer, b.Commissioner)
	}
	var sum uint64
	for i, nc := range codes {
		if nc.Unit != decl.Unit {
			return types.ErrDeclarationMismatch.Wrapf("codes[%d] is counted in %s, declaration %s in %s", i, nc.Unit, number, decl.Unit)
		}
		sum += nc.Quantity
	}
	if d.Commissioned+sum > decl.Quantity {
		return types.ErrDeclarationMismatch.Wrapf("declaration %s declares %d; %d already commissioned, %d more would exceed it", number, decl.Quantity, d.Commissioned, sum)
	}
	d.Commissioned += sum
	return st.SetDeclaration(d)
}

// dispatchOutside (rules v3): goods sold to a buyer outside the province
// leave the holder and this chain's loop closes for them: the code stays
// traceable, its record counts them as left_province, and its history says
// where they went. Imported goods must have been released to leave.
func dispatchOutside(ctx *Context, st traceStore, ent *types.Enterprise, m *types.MsgDispatch) error {
	o := m.OutsideBuyer
	if o.Province[:2] == ent.Division[:2] {
		return types.ErrInvalidField.Wrapf("outside_buyer.province %s is this chain's own province; dispatch to a registered buyer", o.Province)
	}
	if local, err := st.Enterprise(o.Uscc); err != nil {
		return err
	} else if local != nil {
		return types.ErrInvalidField.Wrapf("outside buyer %s is registered on this chain (%s): dispatch to it as a buyer, so it receives the goods", o.Uscc, local.Division)
	}
	c := newChanges(ctx, st)
	for _, it := range m.Items {
		r, err := c.code(it.Code)
		if err != nil {
			return err
		}
		if r.LogisticUnit {
			return types.ErrLogisticUnit.Wrapf("%s is a logistic unit; disaggregate it and send its contents out of the province", r.Code)
		}
		if err := c.movable(r); err != nil {
			return err
		}
		if err := c.requireReleased(r, "sent out of the province"); err != nil {
			return err
		}
		if err := c.take(r, ent.Uscc, it.Quantity); err != nil {
			return err
		}
		r.LeftProvince = types.Add(r.LeftProvince, it.Quantity, true)
	}
	if _, err := c.commit("shipping", m, nil); err != nil {
		return err
	}
	ctx.Emit("dispatch", Indexed("buyer", o.Uscc), Attr("sender", ent.Uscc), Attr("province", o.Province), Attr("outside", "true"))
	return nil
}
