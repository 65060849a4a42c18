package export

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// objectEvent maps an ObjectEvent by its business step.
func (c *Capturer) objectEvent(ctx context.Context, e *event) (proto.Message, error) {
	step, err := e.bizStep()
	if err != nil {
		return nil, err
	}
	switch step {
	case "commissioning":
		return c.commission(ctx, e)
	case "shipping":
		return c.dispatch(ctx, e)
	case "receiving":
		return c.receive(ctx, e)
	case "retail_selling":
		return c.sell(ctx, e)
	case "storing":
		return c.warehouseEntry(ctx, e)
	case "sensor_reporting":
		return c.sensorReport(ctx, e)
	case "":
		return nil, refuse("bizStep", "is missing: the chain records an ObjectEvent by its business step")
	}
	return nil, refuse("bizStep", "%s: an enterprise records commissioning, shipping, receiving, retail_selling, storing and sensor_reporting ObjectEvents on chain (tests, holds, releases, recalls and destruction are signed by a regulator or warehouse with 'coldtrace tx')", step)
}

func (c *Capturer) commission(ctx context.Context, e *event) (proto.Message, error) {
	if err := c.observed(e, actionAdd, "active", true); err != nil {
		return nil, err
	}
	m := &types.MsgCommission{}
	var err error
	if m.Batch, m.Facts, err = c.ilmd(e); err != nil {
		return nil, err
	}
	explicit, err := c.codeQuantities(e)
	if err != nil {
		return nil, err
	}
	epcs, err := e.list("epcList")
	if err != nil {
		return nil, err
	}
	for i, x := range epcs {
		code, err := epcCode(fmt.Sprintf("epcList[%d]", i), x)
		if err != nil {
			return nil, err
		}
		if native(code) {
			return nil, refuse("epcList", "%s: the chain issues native codes itself; commission GS1 codes here, or native ones with 'coldtrace tx commission'", code)
		}
		q, ok := explicit[code]
		if !ok {
			return nil, refuse("epcList", "%s: give its quantity in ct:codeQuantities (the chain records the quantity and unit of every code)", code)
		}
		delete(explicit, code)
		m.Codes = append(m.Codes, &types.NewCode{Code: code, Quantity: q.n, Unit: q.unit})
	}
	for _, k := range slices.Sorted(maps.Keys(explicit)) {
		return nil, refuse("ct:codeQuantities", "%s is not in epcList", k)
	}
	qs, err := c.quantities(e, "quantityList")
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if q.uom == nil {
			return nil, refuse("quantityList", "%s: give the quantity commissioned", q.code)
		}
		m.Codes = append(m.Codes, &types.NewCode{Code: q.code, Quantity: q.n, Unit: *q.uom})
	}
	if len(m.Codes) == 0 {
		return nil, refuse("epcList", "the event commissions no code")
	}
	return m, nil
}

func (c *Capturer) dispatch(ctx context.Context, e *event) (proto.Message, error) {
	if err := c.observed(e, actionObserve, "in_transit", false); err != nil {
		return nil, err
	}
	m := &types.MsgDispatch{}
	from, err := c.parties(e, "sourceList", "source")
	if err != nil {
		return nil, err
	}
	if from != "" && from != c.Enterprise {
		return nil, refuse("sourceList", "owning_party %s: goods are dispatched by their holder, %s, who signs", from, c.Enterprise)
	}
	if m.Buyer, err = c.parties(e, "destinationList", "destination"); err != nil {
		return nil, err
	}
	if m.Buyer == "" {
		return nil, refuse("destinationList", "name the buyer as an owning_party: the chain records who must receive a dispatch")
	}
	if l, err := e.list("bizTransactionList"); err != nil || len(l) > 0 {
		if err == nil {
			err = refuse("bizTransactionList", "the chain numbers the consignment itself; the delivery note goes in ct:deliveryNote")
		}
		return nil, err
	}
	if carrier, err := e.str("ct:carrier"); err != nil {
		return nil, err
	} else if carrier != "" {
		if m.Carrier, err = c.party("ct:carrier", carrier); err != nil {
			return nil, err
		}
	}
	if m.Reference, err = e.str("ct:deliveryNote"); err != nil {
		return nil, err
	}
	m.Items, err = c.items(ctx, e, "epcList", "quantityList")
	return m, err
}

func (c *Capturer) receive(ctx context.Context, e *event) (proto.Message, error) {
	if err := c.observed(e, actionObserve, "in_progress", true); err != nil {
		return nil, err
	}
	from, err := c.parties(e, "sourceList", "source")
	if err != nil {
		return nil, err
	}
	to, err := c.parties(e, "destinationList", "destination")
	if err != nil {
		return nil, err
	}
	if to != "" && to != c.Enterprise {
		return nil, refuse("destinationList", "owning_party %s: a consignment is received by its buyer, %s, who signs", to, c.Enterprise)
	}
	m := &types.MsgReceive{}
	if m.Note, err = e.str("ct:note"); err != nil {
		return nil, err
	}
	if m.Received, err = c.items(ctx, e, "epcList", "quantityList"); err != nil {
		return nil, err
	}
	if m.Consignment, err = c.desadv(e); err != nil {
		return nil, err
	}
	if m.Consignment == nil {
		if m.Consignment, err = c.findConsignment(ctx, from, m.Received); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// desadv reads the consignment a despatch advice names.
func (c *Capturer) desadv(e *event) ([]byte, error) {
	l, err := e.list("bizTransactionList")
	if err != nil || len(l) == 0 {
		return nil, err
	}
	if len(l) != 1 {
		return nil, refuse("bizTransactionList", "name one consignment, as a desadv")
	}
	m, _ := l[0].(map[string]any)
	t, _ := m["type"].(string)
	v, _ := m["bizTransaction"].(string)
	if term(t, vocBizTxType, "urn:epcglobal:cbv:btt:") != "desadv" || len(m) != 2 {
		return nil, refuse("bizTransactionList", "the chain records one business transaction here: the consignment, type desadv")
	}
	p := c.base() + "/consignment/"
	id, err := hex.DecodeString(strings.TrimPrefix(v, p))
	if !strings.HasPrefix(v, p) || err != nil || len(id) != 32 {
		return nil, refuse("bizTransactionList", "%s: name the consignment as %s{64 hex characters}, as the shipping event's capture result gives it", v, p)
	}
	return id, nil
}

// findConsignment finds the one open consignment to the capturing
// enterprise (from the sender, when named) that carries every code received.
func (c *Capturer) findConsignment(ctx context.Context, from string, got []*types.CodeQuantity) ([]byte, error) {
	open, err := c.View.Inbound(ctx, c.Enterprise)
	if err != nil {
		return nil, err
	}
	var match [][]byte
	for _, con := range open {
		if con.Received || (from != "" && con.Sender != from) {
			continue
		}
		carried := map[string]bool{}
		for _, it := range con.Items {
			carried[it.Code] = true
		}
		all := true
		for _, it := range got {
			all = all && carried[it.Code]
		}
		if all {
			match = append(match, con.Id)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return nil, refuse("bizTransactionList", "no open consignment to %s carries these codes; name it as a desadv", c.Enterprise)
	}
	return nil, refuse("bizTransactionList", "%d open consignments carry these codes; name one as a desadv", len(match))
}

func (c *Capturer) sell(ctx context.Context, e *event) (proto.Message, error) {
	if err := c.observed(e, actionObserve, "retail_sold", true); err != nil {
		return nil, err
	}
	m := &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL}
	switch k, err := e.str("ct:saleKind"); {
	case err != nil:
		return nil, err
	case k == "consumed":
		m.Kind = types.SaleKind_SALE_KIND_CONSUMED
	case k != "" && k != "retail":
		return nil, refuse("ct:saleKind", "%q: retail or consumed", k)
	}
	from, err := c.parties(e, "sourceList", "source")
	if err != nil {
		return nil, err
	}
	if from != "" && from != c.Enterprise {
		return nil, refuse("sourceList", "owning_party %s: goods are sold by their holder, %s, who signs", from, c.Enterprise)
	}
	if m.BusinessBuyer, err = c.parties(e, "destinationList", "destination"); err != nil {
		return nil, err
	}
	m.Items, err = c.items(ctx, e, "epcList", "quantityList")
	return m, err
}

func (c *Capturer) warehouseEntry(ctx context.Context, e *event) (proto.Message, error) {
	if err := c.observed(e, actionObserve, "non_sellable_other", true); err != nil {
		return nil, err
	}
	codes, err := c.wholeCodes(e, "epcList")
	if err != nil {
		return nil, err
	}
	if l, _ := e.list("quantityList"); len(l) > 0 {
		return nil, refuse("quantityList", "a supervision warehouse enters whole codes: name them in epcList")
	}
	return &types.MsgWarehouseEntry{Codes: codes}, nil
}

// wholeCodes reads a list of codes named as a whole.
func (c *Capturer) wholeCodes(e *event, k string) ([]string, error) {
	l, err := e.list(k)
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, refuse(k, "names no code")
	}
	var out []string
	for i, x := range l {
		code, err := epcCode(fmt.Sprintf("%s[%d]", k, i), x)
		if err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, nil
}

func (c *Capturer) sensorReport(ctx context.Context, e *event) (proto.Message, error) {
	if err := e.action(actionObserve); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	m := &types.MsgSensorReport{}
	var err error
	if m.Consignment, err = c.desadv(e); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", m.Consignment == nil); err != nil {
		return nil, err
	}
	if l, _ := e.list("epcList"); len(l) > 0 || m.Consignment == nil {
		if m.Codes, err = c.wholeCodes(e, "epcList"); err != nil {
			return nil, err
		}
	}
	if m.Consignment != nil && len(m.Codes) > 0 {
		return nil, refuse("epcList", "a report of a consignment covers all it carries: leave epcList out")
	}
	l, err := e.list("sensorElementList")
	if err != nil {
		return nil, err
	}
	if len(l) != 1 {
		return nil, refuse("sensorElementList", "the chain records one sensor element per event")
	}
	se, _ := l[0].(map[string]any)
	for _, k := range sortedKeys(se) {
		if k != "sensorMetadata" && k != "sensorReport" {
			return nil, refuse("sensorElementList", "%s: the chain records sensorMetadata and sensorReport only", k)
		}
	}
	if md, ok := se["sensorMetadata"].(map[string]any); ok {
		if err := c.sensorMetadata(md, m); err != nil {
			return nil, err
		}
	} else if se["sensorMetadata"] != nil {
		return nil, refuse("sensorMetadata", "must be an object")
	}
	reports, _ := se["sensorReport"].([]any)
	if len(reports) != 1 {
		return nil, refuse("sensorReport", "the chain records one temperature report per event")
	}
	r, _ := reports[0].(map[string]any)
	var min, max any
	for _, k := range sortedKeys(r) {
		v := r[k]
		switch k {
		case "type":
			if s, _ := v.(string); s != "gs1:Temperature" && s != "https://gs1.org/voc/Temperature" {
				return nil, refuse("sensorReport", "type %v: the chain records temperature only (gs1:Temperature)", v)
			}
		case "uom":
			if v != "CEL" {
				return nil, refuse("sensorReport", "uom %v: give degrees Celsius (CEL)", v)
			}
		case "minValue":
			min = v
		case "maxValue":
			max = v
		case "value":
			min, max = v, v
		case "exception": // the chain decides an excursion against the batch's range
		default:
			return nil, refuse("sensorReport", "%s: the chain records type, uom, minValue, maxValue (or value) only", k)
		}
	}
	if r["type"] == nil || r["uom"] == nil {
		return nil, refuse("sensorReport", "give type gs1:Temperature and uom CEL")
	}
	if m.MinCenti, err = centi(min); err != nil {
		return nil, err
	}
	if m.MaxCenti, err = centi(max); err != nil {
		return nil, err
	}
	return m, nil
}

func (c *Capturer) sensorMetadata(md map[string]any, m *types.MsgSensorReport) error {
	for _, k := range sortedKeys(md) {
		v := md[k]
		s, ok := v.(string)
		if !ok {
			return refuse("sensorMetadata", "%s must be a string", k)
		}
		switch k {
		case "startTime", "endTime":
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || t.Nanosecond() != 0 {
				return refuse("sensorMetadata", "%s %q: give an RFC 3339 time in whole seconds", k, s)
			}
			if k == "startTime" {
				m.StartUnix = t.Unix()
			} else {
				m.EndUnix = t.Unix()
			}
		case "deviceID":
			p := c.base() + "/device/"
			if !strings.HasPrefix(s, p) || len(s) == len(p) {
				return refuse("sensorMetadata", "deviceID %s: name the device as %s{id}", s, p)
			}
			m.DeviceId = strings.TrimPrefix(s, p)
		case "rawData":
			h, ok := niHash(s)
			if !ok {
				return refuse("sensorMetadata", "rawData %s: give the raw data's hash as ni:///sha-256;{64 hex characters}", s)
			}
			m.RawDataHash = h
		default:
			return refuse("sensorMetadata", "%s: the chain records startTime, endTime, deviceID and rawData only", k)
		}
	}
	if (m.StartUnix == 0) != (m.EndUnix == 0) {
		return refuse("sensorMetadata", "give both startTime and endTime, or neither")
	}
	return nil
}

// centi reads degrees Celsius with at most two decimals as centi-degrees.
func centi(v any) (int32, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, refuse("sensorReport", "give minValue and maxValue (or value) as numbers")
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || len(n) > 32 {
		return 0, refuse("sensorReport", "%s is not a number", n)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() || !r.Num().IsInt64() || r.Num().Int64() < -100_000 || r.Num().Int64() > 100_000 {
		return 0, refuse("sensorReport", "%s: give degrees Celsius between -1000 and 1000 with at most two decimals", n)
	}
	return int32(r.Num().Int64()), nil
}

// niHash reads an RFC 6920 ni:///sha-256;{hex} URI.
func niHash(s string) ([]byte, bool) {
	h, err := hex.DecodeString(strings.TrimPrefix(s, "ni:///sha-256;"))
	return h, strings.HasPrefix(s, "ni:///sha-256;") && err == nil && len(h) == 32
}

func (c *Capturer) aggregationEvent(ctx context.Context, e *event) (proto.Message, error) {
	step, err := e.bizStep()
	if err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", true); err != nil {
		return nil, err
	}
	parent, err := e.str("parentID")
	if err != nil {
		return nil, err
	}
	if parent == "" {
		return nil, refuse("parentID", "name the logistic unit (an SSCC)")
	}
	unit, err := epcCode("parentID", parent)
	if err != nil {
		return nil, err
	}
	switch step {
	case "packing":
		if err := e.action(actionAdd); err != nil {
			return nil, err
		}
		if err := e.expect("disposition", "in_progress", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
			return nil, err
		}
		items, err := c.items(ctx, e, "childEPCs", "childQuantityList")
		return &types.MsgAggregate{Unit: unit, Items: items}, err
	case "unpacking":
		if err := e.action(actionDelete); err != nil {
			return nil, err
		}
		if err := e.expect("disposition", "", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
			return nil, err
		}
		// The chain always empties the unit; the lists, when given, name
		// what it held, which the chain knows: they are checked, not recorded.
		if e.m["childEPCs"] != nil || e.m["childQuantityList"] != nil {
			if _, err := c.items(ctx, e, "childEPCs", "childQuantityList"); err != nil {
				return nil, err
			}
		}
		return &types.MsgDisaggregate{Unit: unit}, nil
	}
	return nil, refuse("bizStep", "%q: the chain records AggregationEvents of packing (ADD) and unpacking (DELETE)", step)
}

func (c *Capturer) transformationEvent(ctx context.Context, e *event) (proto.Message, error) {
	if err := e.expect("bizStep", "repackaging", vocBizStep, "urn:epcglobal:cbv:bizstep:"); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "active", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", true); err != nil {
		return nil, err
	}
	in, err := c.itemsWith(ctx, e, "inputEPCList", "inputQuantityList", map[string]amountOf{})
	if err != nil {
		return nil, err
	}
	if len(in) != 1 {
		return nil, refuse("inputEPCList", "the chain splits one code at a time: name one input")
	}
	parent, err := c.code(ctx, in[0].Code)
	if err != nil {
		return nil, err
	}
	m := &types.MsgSplit{Parent: in[0].Code}
	explicit, err := c.codeQuantities(e)
	if err != nil {
		return nil, err
	}
	outs, err := e.list("outputEPCList")
	if err != nil {
		return nil, err
	}
	var total uint64
	for i, x := range outs {
		code, err := epcCode(fmt.Sprintf("outputEPCList[%d]", i), x)
		if err != nil {
			return nil, err
		}
		q, ok := explicit[code]
		if !ok {
			return nil, refuse("outputEPCList", "%s: give its quantity in ct:codeQuantities", code)
		}
		delete(explicit, code)
		m.Children = append(m.Children, &types.NewCode{Code: code, Quantity: q.n, Unit: q.unit})
		total += q.n
	}
	for _, k := range slices.Sorted(maps.Keys(explicit)) {
		return nil, refuse("ct:codeQuantities", "%s is not in outputEPCList", k)
	}
	qs, err := c.quantities(e, "outputQuantityList")
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if q.uom == nil {
			return nil, refuse("outputQuantityList", "%s: give the quantity split off", q.code)
		}
		m.Children = append(m.Children, &types.NewCode{Code: q.code, Quantity: q.n, Unit: *q.uom})
		total += q.n
	}
	if len(m.Children) == 0 {
		return nil, refuse("outputEPCList", "name the child codes: the chain issues native ones only through 'coldtrace tx split'")
	}
	if parent != nil {
		for i, ch := range m.Children {
			if ch.Unit != parent.Unit {
				return nil, refuse("outputQuantityList", "child %d is counted in another unit than its parent", i)
			}
		}
	}
	if in[0].Quantity != total {
		return nil, refuse("inputQuantityList", "the input (%d) is not the sum of the outputs (%d): a split conserves quantity", in[0].Quantity, total)
	}
	return m, nil
}

// correction maps an event carrying an errorDeclaration. The chain names
// events by the hash they are stored under: the declaration must give it
// (ct:chainEventHash, as the query interface writes it).
func (c *Capturer) correction(e *event) (proto.Message, error) {
	for k := range e.m {
		e.used[k] = true // the repeated event's own fields: it is on chain already
	}
	ed, _ := e.m["errorDeclaration"].(map[string]any)
	if ed == nil {
		return nil, refuse("errorDeclaration", "must be an object")
	}
	h, _ := e.m["ct:chainEventHash"].(string)
	hash, ok := niHash(h)
	if !ok {
		return nil, refuse("ct:chainEventHash", "an error declaration must name the chain event it corrects (ni:///sha-256;{hex}, as the query interface gives it): the chain keeps no index of eventIDs")
	}
	m := &types.MsgCorrect{Event: hash}
	m.Note, _ = e.m["ct:correctionNote"].(string)
	for _, k := range sortedKeys(ed) {
		v := ed[k]
		switch k {
		case "declarationTime":
			if err := c.checkTimeValue("errorDeclaration", v); err != nil {
				return nil, err
			}
		case "reason":
			s, _ := v.(string)
			switch term(s, "https://ref.gs1.org/cbv/ER-", "urn:epcglobal:cbv:er:") {
			case "did_not_occur":
				m.Reason = types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR
			case "incorrect_data":
				m.Reason = types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA
			default:
				return nil, refuse("errorDeclaration", "reason %v: did_not_occur or incorrect_data", v)
			}
		case "correctiveEventIDs":
			l, _ := v.([]any)
			hs, _ := e.m["ct:correctiveChainEventHashes"].([]any)
			if len(hs) != len(l) {
				return nil, refuse("errorDeclaration", "give the chain hash of every corrective event in ct:correctiveChainEventHashes")
			}
		default:
			return nil, refuse("errorDeclaration", "%s: the chain records reason and correctiveEventIDs", k)
		}
	}
	hs, _ := e.m["ct:correctiveChainEventHashes"].([]any)
	for _, x := range hs {
		s, _ := x.(string)
		h, ok := niHash(s)
		if !ok {
			return nil, refuse("ct:correctiveChainEventHashes", "%v is not ni:///sha-256;{hex}", x)
		}
		m.CorrectiveEvents = append(m.CorrectiveEvents, h)
	}
	return m, nil
}

// observed checks what every object event at the signer's premises states:
// its action, its disposition, its read point, and (placed) its business
// location; goods in transit have none.
func (c *Capturer) observed(e *event, action, disposition string, placed bool) error {
	if err := e.action(action); err != nil {
		return err
	}
	if err := e.expect("disposition", disposition, vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return err
	}
	return c.place(e, "bizLocation", placed)
}
