package export

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/coldtrace/coldtrace/types"
)

// EPCCode reads an EPC or class identifier (a GS1 Digital Link URI on any
// host, an EPC URN, or any form types.ParseCode takes) as a code in
// canonical form.
func EPCCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if dl, ok := epcURNToDigitalLink(s); ok {
		s = dl
	}
	c, err := types.ParseCode(s)
	if err != nil {
		return "", err
	}
	return c.String(), nil
}

// epcCode reads an EPC (a GS1 Digital Link URI on any host, or an EPC URN)
// as a code in canonical form.
func epcCode(field string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", refuse(field, "must be a string")
	}
	code, err := EPCCode(s)
	if err != nil {
		return "", refuse(field, "%s: %v", strings.TrimSpace(s), err)
	}
	return code, nil
}

func native(code string) bool {
	c, err := types.ParseCode(code)
	return err == nil && c.Kind == types.CodeNative
}

// amountOf is a quantity in the chain's unit.
type amountOf struct {
	n    uint64
	unit types.QuantityUnit
}

// codeQuantities reads ct:codeQuantities: the quantity of each EPC a
// commissioning or split creates, which EPCIS has no place for.
func (c *Capturer) codeQuantities(e *event) (map[string]amountOf, error) {
	l, err := e.list("ct:codeQuantities")
	if err != nil {
		return nil, err
	}
	out := map[string]amountOf{}
	for i, x := range l {
		m, _ := x.(map[string]any)
		field := fmt.Sprintf("ct:codeQuantities[%d]", i)
		for _, k := range sortedKeys(m) {
			if k != "epc" && k != "quantity" && k != "uom" {
				return nil, refuse(field, "%s: give epc, quantity and uom only", k)
			}
		}
		code, err := epcCode(field, m["epc"])
		if err != nil {
			return nil, err
		}
		uom, _ := m["uom"].(string)
		q, unit, err := parseAmount(field, m["quantity"], uom)
		if err != nil {
			return nil, err
		}
		if _, dup := out[code]; dup {
			return nil, refuse(field, "%s is named twice", code)
		}
		out[code] = amountOf{q, unit}
	}
	return out, nil
}

// quantity is one element of a quantity list: the code its class names and
// the amount; uom is nil when no quantity is given.
type classQuantity struct {
	code string
	n    uint64
	uom  *types.QuantityUnit
}

// quantities reads a quantity list. A class names a code of the chain only
// when it is one: a GTIN with a lot and no serial, the lot-level code.
func (c *Capturer) quantities(e *event, k string) ([]classQuantity, error) {
	l, err := e.list(k)
	if err != nil {
		return nil, err
	}
	var out []classQuantity
	for i, x := range l {
		field := fmt.Sprintf("%s[%d]", k, i)
		m, _ := x.(map[string]any)
		if m == nil {
			return nil, refuse(field, "must be an object")
		}
		for _, f := range sortedKeys(m) {
			if f != "epcClass" && f != "quantity" && f != "uom" {
				return nil, refuse(field, "%s: give epcClass, quantity and uom only", f)
			}
		}
		code, err := epcCode(field, m["epcClass"])
		if err != nil {
			return nil, err
		}
		if cc, _ := types.ParseCode(code); cc.Kind != types.CodeGTIN || cc.Serial != "" {
			return nil, refuse(field, "class %v names no single code: a quantity is recorded of a lot-level code (GTIN and lot); name serialised or native codes in the EPC list", m["epcClass"])
		}
		cq := classQuantity{code: code}
		if m["quantity"] != nil {
			uom, _ := m["uom"].(string)
			n, unit, err := parseAmount(field, m["quantity"], uom)
			if err != nil {
				return nil, err
			}
			cq.n, cq.uom = n, &unit
		}
		out = append(out, cq)
	}
	return out, nil
}

// items reads the codes and quantities an event moves: an EPC is a whole
// instance (one piece of a code counted in pieces, all of a weighed code as
// commissioned) unless ct:codeQuantities says otherwise; a quantity of a
// lot-level code is that quantity.
func (c *Capturer) items(ctx context.Context, e *event, epcKey, qKey string) ([]*types.CodeQuantity, error) {
	explicit, err := c.codeQuantities(e)
	if err != nil {
		return nil, err
	}
	return c.itemsWith(ctx, e, epcKey, qKey, explicit)
}

// itemsWith is items with the explicit quantities given.
func (c *Capturer) itemsWith(ctx context.Context, e *event, epcKey, qKey string, explicit map[string]amountOf) ([]*types.CodeQuantity, error) {
	epcs, err := e.list(epcKey)
	if err != nil {
		return nil, err
	}
	var out []*types.CodeQuantity
	for i, x := range epcs {
		field := fmt.Sprintf("%s[%d]", epcKey, i)
		code, err := epcCode(field, x)
		if err != nil {
			return nil, err
		}
		r, err := c.code(ctx, code)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, refuse(field, "%s is not on chain", code)
		}
		if q, ok := explicit[code]; ok {
			if q.unit != r.Unit {
				return nil, refuse("ct:codeQuantities", "%s is counted in %s", code, unitName(r.Unit))
			}
			delete(explicit, code)
			out = append(out, &types.CodeQuantity{Code: code, Quantity: q.n})
			continue
		}
		q := r.Commissioned
		if r.Unit == types.QuantityUnit_QUANTITY_UNIT_PIECES {
			q = 1
		}
		out = append(out, &types.CodeQuantity{Code: code, Quantity: q})
	}
	for _, k := range slices.Sorted(maps.Keys(explicit)) {
		return nil, refuse("ct:codeQuantities", "%s is not in %s", k, epcKey)
	}
	qs, err := c.quantities(e, qKey)
	if err != nil {
		return nil, err
	}
	for i, q := range qs {
		field := fmt.Sprintf("%s[%d]", qKey, i)
		r, err := c.code(ctx, q.code)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, refuse(field, "%s is not on chain", q.code)
		}
		if q.uom == nil {
			return nil, refuse(field, "give the quantity of %s", q.code)
		}
		if *q.uom != r.Unit {
			return nil, refuse(field, "%s is counted in %s", q.code, unitName(r.Unit))
		}
		out = append(out, &types.CodeQuantity{Code: q.code, Quantity: q.n})
	}
	if len(out) == 0 {
		return nil, refuse(epcKey, "the event names no code")
	}
	return out, nil
}

func unitName(u types.QuantityUnit) string {
	switch u {
	case types.QuantityUnit_QUANTITY_UNIT_GRAMS:
		return "grams (uom KGM, GRM or TNE)"
	case types.QuantityUnit_QUANTITY_UNIT_PIECES:
		return "pieces (no uom)"
	}
	return "an unknown unit"
}

// massUnits are the UN/ECE units of mass the chain converts to grams exactly.
var massUnits = map[string]int64{"GRM": 1, "KGM": 1000, "TNE": 1_000_000}

// parseAmount reads an EPCIS quantity as the chain's integer amount: a
// mass as grams (exactly, or refused), a count (no uom) as pieces.
func parseAmount(field string, v any, uom string) (uint64, types.QuantityUnit, error) {
	n, ok := v.(json.Number)
	if !ok || len(n) > 32 {
		return 0, 0, refuse(field, "give the quantity as a number")
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return 0, 0, refuse(field, "%s is not a number", n)
	}
	unit := types.QuantityUnit_QUANTITY_UNIT_PIECES
	if uom != "" {
		f, ok := massUnits[uom]
		if !ok {
			return 0, 0, refuse(field, "uom %s: the chain counts goods in grams (KGM, GRM, TNE) or pieces (no uom)", uom)
		}
		r.Mul(r, big.NewRat(f, 1))
		unit = types.QuantityUnit_QUANTITY_UNIT_GRAMS
	}
	if !r.IsInt() || r.Sign() <= 0 || !r.Num().IsUint64() {
		return 0, 0, refuse(field, "%s %s is not a positive whole number of %s", n, uom, unitName(unit))
	}
	return r.Num().Uint64(), unit, nil
}
