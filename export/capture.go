package export

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// Refusal is why the chain cannot record a captured event as it is: the
// event is refused whole, never recorded in part.
type Refusal struct {
	Field  string // the event's field at fault, "" for the event as a whole
	Reason string
}

func (r *Refusal) Error() string {
	if r.Field == "" {
		return r.Reason
	}
	return r.Field + ": " + r.Reason
}

func refuse(field, format string, args ...any) error {
	return &Refusal{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ChainView is what mapping a captured event reads from the chain: the
// records of the codes it names and the consignments waiting for the
// capturing enterprise. Answers need not be verified: the chain checks
// every tx again.
type ChainView interface {
	// Code is a code's record (canonical form), nil without error when the
	// chain has none.
	Code(ctx context.Context, code string) (*types.CodeRecord, error)
	// Inbound lists the open consignments to an enterprise.
	Inbound(ctx context.Context, uscc string) ([]*types.Consignment, error)
}

// Capturer maps captured EPCIS events to the chain messages of one
// enterprise, the signer of every tx it builds.
type Capturer struct {
	// Enterprise is the signer's USCC.
	Enterprise string
	// DigitalLinkBase is the base of the party, location, consignment and
	// device URIs the events use, as the exports write them
	// (DefaultDigitalLinkBase when empty).
	DigitalLinkBase string
	View            ChainView
	// Now and MaxAge bound eventTime: the chain dates an event by its
	// block, so an event older than MaxAge (or more than a minute ahead)
	// would be misdated and is refused. MaxAge 0 takes DefaultMaxEventAge.
	Now    func() time.Time
	MaxAge time.Duration

	// created are the codes events mapped earlier create (a document that
	// commissions, packs and ships sends them before the chain has them).
	created map[string]*types.CodeRecord
}

// code is a code's record: as an earlier event of the document creates it,
// else as on chain.
func (c *Capturer) code(ctx context.Context, code string) (*types.CodeRecord, error) {
	if r := c.created[code]; r != nil {
		return r, nil
	}
	return c.View.Code(ctx, code)
}

// remember notes the codes a mapped message creates.
func (c *Capturer) remember(msg proto.Message) {
	if c.created == nil {
		c.created = map[string]*types.CodeRecord{}
	}
	switch m := msg.(type) {
	case *types.MsgCommission:
		for _, nc := range m.Codes {
			c.created[nc.Code] = &types.CodeRecord{Code: nc.Code, Unit: nc.Unit, Commissioned: nc.Quantity}
		}
	case *types.MsgSplit:
		for _, nc := range m.Children {
			c.created[nc.Code] = &types.CodeRecord{Code: nc.Code, Unit: nc.Unit, Commissioned: nc.Quantity}
		}
	case *types.MsgAggregate:
		if c.created[m.Unit] == nil {
			c.created[m.Unit] = &types.CodeRecord{Code: m.Unit, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES, Commissioned: 1, LogisticUnit: true}
		}
	}
}

// DefaultMaxEventAge is how old a captured event may be.
const DefaultMaxEventAge = time.Hour

// futureSkew is how far ahead of the capture server's clock an eventTime may be.
const futureSkew = time.Minute

// Document is a captured EPCISDocument (or EPCISQueryDocument): its events
// as JSON objects and its namespace prefixes.
type Document struct {
	Events     []map[string]any
	Namespaces map[string]string // prefix → IRI, from the @context
}

// MaxDocumentEvents bounds the events ReadDocument accepts.
const MaxDocumentEvents = 10000

// ReadDocument reads an EPCISDocument or EPCISQueryDocument in the JSON-LD
// binding: its events in order. It checks the document's shape only; each
// event is checked when mapped.
func ReadDocument(b []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("the body holds more than one JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("the body holds more than one JSON value")
	}
	d := &Document{Namespaces: map[string]string{}}
	readContext(doc["@context"], d.Namespaces)
	body, _ := doc["epcisBody"].(map[string]any)
	if body == nil {
		return nil, errors.New("the document has no epcisBody object")
	}
	var list any
	switch doc["type"] {
	case "EPCISDocument":
		list = body["eventList"]
	case "EPCISQueryDocument":
		qr, _ := body["queryResults"].(map[string]any)
		rb, _ := qr["resultsBody"].(map[string]any)
		list = rb["eventList"]
	default:
		return nil, fmt.Errorf("type is %v: the capture interface takes an EPCISDocument or EPCISQueryDocument", doc["type"])
	}
	events, ok := list.([]any)
	if !ok {
		return nil, errors.New("the document has no eventList array")
	}
	if len(events) > MaxDocumentEvents {
		return nil, fmt.Errorf("the document holds %d events, more than %d", len(events), MaxDocumentEvents)
	}
	for i, e := range events {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("eventList[%d] is not a JSON object", i)
		}
		d.Events = append(d.Events, m)
	}
	return d, nil
}

// readContext collects the prefixes an @context defines.
func readContext(v any, ns map[string]string) {
	switch c := v.(type) {
	case []any:
		for _, x := range c {
			readContext(x, ns)
		}
	case map[string]any:
		for p, iri := range c {
			if s, ok := iri.(string); ok {
				ns[p] = s
			}
		}
	}
}

// event is a captured event being mapped: the fields it reads are marked,
// and a field left unread is refused rather than dropped.
type event struct {
	m    map[string]any
	used map[string]bool
}

func (e *event) get(k string) any {
	e.used[k] = true
	return e.m[k]
}

func (e *event) str(k string) (string, error) {
	v := e.get(k)
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", refuse(k, "must be a string")
	}
	return strings.TrimSpace(s), nil
}

func (e *event) list(k string) ([]any, error) {
	v := e.get(k)
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, refuse(k, "must be a list")
	}
	return l, nil
}

// derivedFields are fields the chain works out itself: a captured event may
// carry them (a document exported from the chain does), and they are not
// recorded from the capture. Documented in docs/EPCIS.md.
var derivedFields = []string{"eventID", "recordTime", "ct:message", "ct:chainEventHash", "ct:excursion"}

// Map maps one captured event to the chain message that records it. A
// *Refusal says why the chain cannot record the event; any other error is
// a failure to read the chain.
func (c *Capturer) Map(ctx context.Context, raw map[string]any) (msg proto.Message, err error) {
	e := &event{m: raw, used: map[string]bool{}}
	for _, k := range derivedFields {
		e.used[k] = true
	}
	typ, err := e.str("type")
	if err != nil {
		return nil, err
	}
	if e.m["errorDeclaration"] != nil {
		// The repeated event keeps its own time; the declaration is dated
		// by its block.
		msg, err = c.correction(e)
	} else if err = c.checkTime(e); err == nil {
		switch typ {
		case objectEvent:
			msg, err = c.objectEvent(ctx, e)
		case aggregationEvent:
			msg, err = c.aggregationEvent(ctx, e)
		case transformationEvent:
			msg, err = c.transformationEvent(ctx, e)
		case "":
			return nil, refuse("type", "is missing")
		default:
			return nil, refuse("type", "the chain records no %s: ObjectEvent, AggregationEvent and TransformationEvent only", typ)
		}
	}
	if err != nil {
		return nil, err
	}
	if msg == nil {
		return nil, refuse("", "the event maps to no chain message")
	}
	var left []string
	for k := range e.m {
		if !e.used[k] {
			left = append(left, k)
		}
	}
	if len(left) > 0 {
		sort.Strings(left)
		return nil, refuse(left[0], "the chain has no place for this field in a %s event (fields not recorded: %s)", types.MsgName(msg), strings.Join(left, ", "))
	}
	c.remember(msg)
	return msg, nil
}

// checkTime checks eventTime and its offset: the chain dates the event by
// its block, at China's offset.
func (c *Capturer) checkTime(e *event) error {
	s, err := e.str("eventTime")
	if err != nil {
		return err
	}
	if s == "" {
		return refuse("eventTime", "is missing")
	}
	if err := c.checkTimeValue("eventTime", s); err != nil {
		return err
	}
	off, err := e.str("eventTimeZoneOffset")
	if err != nil {
		return err
	}
	if off != "" && off != chinaOffset {
		return refuse("eventTimeZoneOffset", "%s: the chain's enterprises are in China and every event is written at %s", off, chinaOffset)
	}
	return nil
}

// checkTimeValue checks that a time is recent enough for the block that
// records it to date it.
func (c *Capturer) checkTimeValue(field string, v any) error {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return refuse(field, "%v is not an RFC 3339 time", v)
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	age := c.MaxAge
	if age <= 0 {
		age = DefaultMaxEventAge
	}
	if t.Before(now.Add(-age)) {
		return refuse(field, "%s is more than %s before the capture: the chain dates every event by the block that records it, and would misdate this one", s, age)
	}
	if t.After(now.Add(futureSkew)) {
		return refuse(field, "%s is in the future", s)
	}
	return nil
}

func (c *Capturer) base() string {
	if c.DigitalLinkBase == "" {
		return DefaultDigitalLinkBase
	}
	return strings.TrimRight(c.DigitalLinkBase, "/")
}

// term reads a CBV term given bare, as a CBV 2.0 Web URI or as a CBV URN.
func term(s, web, urn string) string {
	s = strings.TrimPrefix(s, web)
	return strings.TrimPrefix(s, urn)
}

func (e *event) bizStep() (string, error) {
	s, err := e.str("bizStep")
	return term(s, vocBizStep, "urn:epcglobal:cbv:bizstep:"), err
}

// expect checks an optional CBV term against the one the chain records.
func (e *event) expect(k, want, web, urn string) error {
	s, err := e.str(k)
	if err != nil || s == "" {
		return err
	}
	if got := term(s, web, urn); got != want {
		if want == "" {
			return refuse(k, "%s: the chain records none here", got)
		}
		return refuse(k, "%s: the chain records %s here", got, want)
	}
	return nil
}

func (e *event) action(want string) error {
	a, err := e.str("action")
	if err != nil {
		return err
	}
	if a != want {
		return refuse("action", "%q: this step is recorded with action %s", a, want)
	}
	return nil
}

// place checks readPoint or bizLocation: the chain knows one site of an
// enterprise, its registered premises, and an event in transit has none.
func (c *Capturer) place(e *event, k string, allowed bool) error {
	v := e.get(k)
	if v == nil {
		return nil
	}
	m, _ := v.(map[string]any)
	id, _ := m["id"].(string)
	if len(m) != 1 || id == "" {
		return refuse(k, "must be an object with only an id")
	}
	want := c.base() + "/location/" + c.Enterprise
	if !allowed {
		return refuse(k, "goods in transit have no business location on chain")
	}
	if id != want {
		return refuse(k, "%s: the chain knows one site of the enterprise, its registered premises %s (no GLN is recorded)", id, want)
	}
	return nil
}

// party reads a party URI ({base}/party/{USCC}) as a USCC.
func (c *Capturer) party(field, uri string) (string, error) {
	p := c.base() + "/party/"
	if !strings.HasPrefix(uri, p) {
		return "", refuse(field, "%s: name an enterprise as %s{USCC} (the chain records no GLN)", uri, p)
	}
	u := strings.TrimPrefix(uri, p)
	if err := types.ValidateUSCC(u); err != nil {
		return "", refuse(field, "%s: %v", uri, err)
	}
	return u, nil
}

// parties reads a sourceList or destinationList: the owning party and the
// location, which must be that party's premises. It returns the party.
func (c *Capturer) parties(e *event, k, inner string) (string, error) {
	l, err := e.list(k)
	if err != nil || l == nil {
		return "", err
	}
	var owner, loc string
	for i, x := range l {
		m, _ := x.(map[string]any)
		t, _ := m["type"].(string)
		v, _ := m[inner].(string)
		if len(m) != 2 || v == "" {
			return "", refuse(k, "entry %d must have a type and a %s", i, inner)
		}
		switch term(t, vocSrcDstType, "urn:epcglobal:cbv:sdt:") {
		case "owning_party":
			if owner != "" {
				return "", refuse(k, "names two owning parties")
			}
			if owner, err = c.party(k, v); err != nil {
				return "", err
			}
		case "location":
			if loc != "" {
				return "", refuse(k, "names two locations")
			}
			loc = v
		default:
			return "", refuse(k, "type %s: the chain records owning_party and location only", t)
		}
	}
	if owner == "" {
		return "", refuse(k, "names no owning_party")
	}
	if want := c.base() + "/location/" + owner; loc != "" && loc != want {
		return "", refuse(k, "location %s: the chain knows one site of %s, %s", loc, owner, want)
	}
	return owner, nil
}

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
	if err := e.action(actionAdd); err != nil {
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
	for k := range explicit {
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
	if err := e.action(actionObserve); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "in_transit", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", false); err != nil {
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
	if err := e.action(actionObserve); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "in_progress", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", true); err != nil {
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
	if err := e.action(actionObserve); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "retail_sold", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", true); err != nil {
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
	if err := e.action(actionObserve); err != nil {
		return nil, err
	}
	if err := e.expect("disposition", "non_sellable_other", vocDisposition, "urn:epcglobal:cbv:disp:"); err != nil {
		return nil, err
	}
	if err := c.place(e, "readPoint", true); err != nil {
		return nil, err
	}
	if err := c.place(e, "bizLocation", true); err != nil {
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
	for k := range se {
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
	for k, v := range r {
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
	for k, v := range md {
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
	for k := range explicit {
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
	for k, v := range ed {
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
		for k := range m {
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
		for f := range m {
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
	for k := range explicit {
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
