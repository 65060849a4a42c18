package export

import (
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/coldtrace/coldtrace/types"
)

// FSMAColumns is the header row of the FSMA 204 sortable spreadsheet: the
// key data elements of 21 CFR 1.1325-1.1350, one column each.
var FSMAColumns = []string{
	colLot,
	"Product Description",
	"Quantity",
	"Unit of Measure",
	colCTE,
	"Event Date",
	"Event Time (UTC+08:00)",
	"Location Description",
	"Ship From Location",
	"Ship To Location",
	"Immediate Previous Source",
	"Traceability Lot Code Source",
	"Traceability Lot Code Source Reference",
	"Input Traceability Lot Codes",
	"New Traceability Lot Codes",
	"Harvest or Catch Location",
	"Harvest or Catch Date",
	"Cooling Location",
	"Cooling Date",
	"Reference Document Type",
	"Reference Document Number",
	"Key Data Elements Not on Chain",
	"Correction",
	"GS1 Digital Link",
	colEventID,
}

const (
	colLot     = "Traceability Lot Code"
	colCTE     = "CTE Type"
	colEventID = "Chain Event Hash"
)

// FSMA 204 critical tracking event types (21 CFR 1.1325-1.1350).
const (
	CTEHarvesting              = "Harvesting"
	CTECooling                 = "Cooling"
	CTEInitialPacking          = "Initial Packing"
	CTEFirstLandBasedReceiving = "First Land-Based Receiving"
	CTEShipping                = "Shipping"
	CTEReceiving               = "Receiving"
	CTETransformation          = "Transformation"
)

// domesticOrigin is the country where the chain's enterprises are: goods of
// another origin were received from abroad, not packed here.
const domesticOrigin = "CN"

// Reference document types.
const (
	referenceConsignment        = "Consignment"
	referenceDeliveryNote       = "Delivery Note"
	referenceCustomsDeclaration = "Customs Declaration"
	referenceChainEvent         = "Chain Event"
)

// Key data elements the chain does not hold, named in the column that
// lists them.
const (
	missingAddress      = "street address and phone of each location"
	missingHarvest      = "harvest date and farm location (1.1330(a)(5)-(6))"
	missingCooling      = "cooler location and cooling date (1.1330(a)(7)-(8))"
	missingCatch        = "harvest date range and catch locations of the trip (1.1335(c))"
	missingForeignLot   = "lot code the foreign packer assigned, when not the code's lot (10)"
	missingDestinations = "the buyer's receipt (the buyer records none on chain)"
)

// fsmaRow is one critical tracking event of one traceability lot.
type fsmaRow struct {
	cols   []string
	lot    string
	timeMs int64
	hex    string
}

// FSMA writes the FSMA 204 electronic sortable spreadsheet of the histories
// as CSV: a header row, then one row per critical tracking event and
// traceability lot, for the codes whose histories are given (logistic units
// carry no food and have no rows), sorted by traceability lot code, then
// time. A code moved inside a logistic unit has a row for each shipment or
// receipt of the unit the histories show. See the package documentation for
// which events are critical tracking events.
func FSMA(hs []History, o Options, w io.Writer) error {
	x, err := newIndex(hs, o)
	if err != nil {
		return err
	}
	var rows []*fsmaRow
	for _, e := range x.entries {
		moved, err := x.involved(e)
		if err != nil {
			return err
		}
		for _, mv := range moved {
			if r := x.records[mv.code]; r == nil || r.LogisticUnit {
				continue // not asked for, or not food
			}
			if c, err := types.ParseCode(mv.code); err != nil || c.Kind == types.CodeSSCC {
				continue
			}
			rows = append(rows, x.fsmaRow(e, mv))
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.lot != b.lot {
			return a.lot < b.lot
		}
		if a.timeMs != b.timeMs {
			return a.timeMs < b.timeMs
		}
		return a.hex < b.hex
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(FSMAColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.cols); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// movement is a quantity of a code in a critical tracking event; known is
// false when the code moved inside a logistic unit whose packing the
// histories do not show.
type movement struct {
	code  string
	q     uint64
	known bool
}

// involved lists the codes a critical tracking event moved or created, in
// code order; nothing for other events.
func (x *index) involved(e *entry) ([]movement, error) {
	got := map[string]*movement{}
	add := func(code string, q uint64, known bool) {
		mv := got[code]
		if mv == nil {
			mv = &movement{code: code, known: true}
			got[code] = mv
		}
		mv.q += q
		mv.known = mv.known && known
	}
	items := func(list []*types.CodeQuantity, inferUnits bool) error {
		direct := map[string]bool{}
		for i, it := range list {
			c, err := x.canon(it.Code)
			if err != nil {
				return fmt.Errorf("export: event %s items[%d]: %w", e.hex, i, err)
			}
			direct[c] = true
			if it.Quantity == 0 {
				continue // left out of a receipt: not received
			}
			add(c, it.Quantity, true)
			for _, in := range e.units[c] {
				add(in.code, in.q, true)
			}
		}
		if inferUnits {
			// The chain names in a shipment every code inside the units it
			// ships; one not accounted for rode in a unit packed out of sight.
			for _, c := range e.ev.Codes {
				if _, ok := got[c]; !ok && !direct[c] {
					add(c, 0, false)
				}
			}
		}
		return nil
	}
	switch m := e.msg.(type) {
	case *types.MsgCommission:
		for _, c := range e.created {
			add(c.code, c.q, true)
		}
	case *types.MsgDispatch:
		if err := items(m.Items, true); err != nil {
			return nil, err
		}
	case *types.MsgReceive:
		if err := items(m.Received, false); err != nil {
			return nil, err
		}
	case *types.MsgSell:
		if m.BusinessBuyer == "" {
			return nil, nil // a sale to a consumer is no critical tracking event
		}
		if err := items(m.Items, false); err != nil {
			return nil, err
		}
	case *types.MsgSplit:
		parent, err := x.canon(m.Parent)
		if err != nil {
			return nil, fmt.Errorf("export: event %s parent: %w", e.hex, err)
		}
		var total uint64
		for _, c := range e.created {
			add(c.code, c.q, true)
			total += c.q
		}
		add(parent, total, true)
	default:
		return nil, nil
	}
	out := make([]movement, 0, len(got))
	for _, c := range slices.Sorted(maps.Keys(got)) {
		out = append(out, *got[c])
	}
	return out, nil
}

// fsmaRow is the row of one movement of a critical tracking event.
func (x *index) fsmaRow(e *entry, mv movement) *fsmaRow {
	var (
		cte, location, from, to, previous, inputs, outputs string
		refTypes, refNumbers, missing                      []string
	)
	actor := x.describe(e.ev.Actor)
	switch m := e.msg.(type) {
	case *types.MsgCommission:
		batchID := e.ev.Actor + "/" + m.Batch
		f := m.Facts
		if b := x.batches[batchID]; f == nil && b != nil {
			f = b.Facts
		}
		location = actor
		if f != nil {
			previous = f.Supplier
			if f.CustomsDeclaration != "" {
				refTypes, refNumbers = []string{referenceCustomsDeclaration}, []string{f.CustomsDeclaration}
			}
		}
		switch cte = x.commissionCTE(batchID, f); cte {
		case CTEFirstLandBasedReceiving:
			missing = append(missing, missingCatch)
		case CTEReceiving: // from abroad: the supplier is the immediate previous source
			from, to = previous, actor
			missing = append(missing, missingForeignLot)
		default:
			missing = append(missing, missingHarvest, missingCooling)
		}
	case *types.MsgDispatch:
		cte, location, from, to = CTEShipping, actor, actor, x.describe(m.Buyer)
		refTypes, refNumbers = x.consignmentDocs(e.ev.Consignment, m.Reference)
	case *types.MsgSell: // to a business buyer: the seller ships to it
		cte, location, from, to = CTEShipping, actor, actor, x.describe(m.BusinessBuyer)
		refTypes, refNumbers = []string{referenceChainEvent}, []string{e.hex}
		missing = append(missing, missingDestinations)
	case *types.MsgReceive:
		cte, location, to = CTEReceiving, actor, actor
		if sender := x.sender(m.Consignment); sender != "" {
			from = x.describe(sender)
			previous = from
		}
		refTypes, refNumbers = x.consignmentDocs(m.Consignment, "")
	case *types.MsgSplit:
		cte, location = CTETransformation, actor
		parent, _ := x.canon(m.Parent) // checked by involved
		var news []string
		for _, c := range e.created {
			news = append(news, lotCode(c.code))
		}
		inputs, outputs = lotCode(parent), strings.Join(news, "; ")
		// The chain's record of the repackaging is the document 1.1350(a)(6) asks for.
		refTypes, refNumbers = []string{referenceChainEvent}, []string{e.hex}
	}
	missing = append(missing, missingAddress)
	product := ""
	if b := x.batch(mv.code); b != nil && b.Facts != nil {
		product = b.Facts.Name
		if b.Facts.Category != "" {
			product += " (" + b.Facts.Category + ")"
		}
	}
	qty, uom := "", ""
	if mv.known {
		qty = strconv.FormatUint(mv.q, 10)
	}
	switch x.units[mv.code] {
	case types.QuantityUnit_QUANTITY_UNIT_GRAMS:
		uom = "g"
	case types.QuantityUnit_QUANTITY_UNIT_PIECES:
		uom = "each"
	}
	t := timeOf(occurredMs(e.ev)).In(types.China)
	lot := lotCode(mv.code)
	source, sourceRef := x.lotSource(mv.code)
	return &fsmaRow{
		lot: lot, timeMs: e.ev.TimeMs, hex: e.hex,
		cols: []string{
			lot, product, qty, uom, cte,
			t.Format("2006-01-02"), t.Format("15:04:05"),
			location, from, to, previous, source, sourceRef,
			inputs, outputs,
			"", "", "", "", // harvest, catch and cooling: the chain holds none (see the column of missing elements)
			strings.Join(refTypes, "; "), strings.Join(refNumbers, "; "),
			strings.Join(missing, "; "),
			x.correctionNote(e),
			x.digitalLink(mv.code), e.hex,
		},
	}
}

// commissionCTE is the critical tracking event of a commissioning: the
// first enterprise to hold food on chain either packed it, received it from
// a fishing vessel, or received it from abroad.
//
//   - food obtained from a fishing vessel (Options.FishingVesselBatches):
//     First Land-Based Receiving (1.1335), whatever its origin;
//   - other food of a foreign origin: Receiving (1.1345) from the foreign
//     supplier; its harvesting, cooling and initial packing happened abroad;
//   - other food: Initial Packing (1.1330) of a raw agricultural commodity.
func (x *index) commissionCTE(batchID string, f *types.ProductFacts) string {
	switch {
	case x.fishingVessel[batchID]:
		return CTEFirstLandBasedReceiving
	case f != nil && f.OriginCountry != "" && f.OriginCountry != domesticOrigin:
		return CTEReceiving
	}
	return CTEInitialPacking
}

// sender is the USCC a consignment came from: its record, else the shipping
// event that created it.
func (x *index) sender(id []byte) string {
	if con := x.consignment(id); con != nil {
		return con.Sender
	}
	for _, e := range x.entries {
		if _, ok := e.msg.(*types.MsgDispatch); ok && len(id) > 0 && hex.EncodeToString(e.ev.Consignment) == hex.EncodeToString(id) {
			return e.ev.Actor
		}
	}
	return ""
}

// consignmentDocs are the reference documents of a shipment.
func (x *index) consignmentDocs(id []byte, deliveryNote string) (kinds, numbers []string) {
	if len(id) > 0 {
		kinds, numbers = append(kinds, referenceConsignment), append(numbers, hex.EncodeToString(id))
	}
	if deliveryNote != "" {
		kinds, numbers = append(kinds, referenceDeliveryNote), append(numbers, deliveryNote)
	}
	return kinds, numbers
}

// lotSource describes where a code's lot code was assigned, the enterprise
// that commissioned it or split it off its parent, and the URI that
// identifies that enterprise (the traceability lot code source reference).
func (x *index) lotSource(code string) (description, reference string) {
	actor, ok := x.creator[code]
	if !ok {
		if r := x.records[code]; r != nil && r.Parent == "" {
			if b := x.batch(code); b != nil {
				actor, ok = b.Commissioner, true
			}
		}
	}
	if !ok || actor == "" {
		return "", ""
	}
	return x.describe(actor), x.party(actor)
}

// correctionNote describes the error declarations of an event.
func (x *index) correctionNote(e *entry) string {
	var notes []string
	for _, c := range x.corrections[e.hex] {
		m := c.msg.(*types.MsgCorrect)
		reason := "declared erroneous"
		switch m.Reason {
		case types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR:
			reason = "did not occur"
		case types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA:
			reason = "incorrect data"
		}
		s := fmt.Sprintf("%s, declared %s by %s (event %s)", reason, timestamp(c.ev.TimeMs), x.describe(c.ev.Actor), c.hex)
		if m.Note != "" {
			s += ": " + m.Note
		}
		notes = append(notes, s)
	}
	return strings.Join(notes, "; ")
}

// describe is a party's location description (1.1310): for an enterprise
// its name, USCC and the administrative divisions of its registered
// address, as far as the chain knows them; else the party's identifier.
func (x *index) describe(id string) string {
	switch {
	case id == types.CustomsID:
		return "customs"
	case isDivision(id):
		return "regulator " + id
	}
	e := x.enterprises[id]
	if e == nil {
		return id
	}
	d := "USCC " + id
	if e.Name != "" {
		d = e.Name + " (" + d + ")"
	}
	if place := divisionNames(e.Division); place != "" {
		d += ", " + place
	}
	return d + ", CN"
}

// divisionNames names a division and the city and province above it, most
// local first: "西湖区, 杭州市, 浙江省".
func divisionNames(code string) string {
	if !isDivision(code) {
		return ""
	}
	var names []string
	for _, c := range []string{code, code[:4] + "00", code[:2] + "0000"} {
		if n, ok := types.ListedDivision(c); ok && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// lotCode is a code as a traceability lot code: the GS1 element string of
// a GTIN or SSCC code, the bare native code ("CT-...") otherwise.
func lotCode(code string) string {
	c, err := types.ParseCode(code)
	if err != nil {
		return code
	}
	if c.Kind == types.CodeNative {
		s := strings.TrimPrefix(c.String(), "/c/")
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	return c.ElementString()
}
