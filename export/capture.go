package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// GLN is the GS1 Global Location Number the enterprise registered, if
	// any: its events may name its premises (/414/) and itself (/417/) by it.
	GLN string
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
	if id != want && (c.GLN == "" || id != GS1CanonicalBase+"/414/"+c.GLN) {
		return refuse(k, "%s: the chain knows one site of the enterprise, its registered premises %s%s", id, want, c.glnNote())
	}
	return nil
}

func (c *Capturer) glnNote() string {
	if c.GLN == "" {
		return " (it registered no GLN)"
	}
	return " or " + GS1CanonicalBase + "/414/" + c.GLN
}

// party reads a party URI ({base}/party/{USCC}) as a USCC.
func (c *Capturer) party(field, uri string) (string, error) {
	p := c.base() + "/party/"
	if c.GLN != "" && uri == GS1CanonicalBase+"/417/"+c.GLN {
		return c.Enterprise, nil
	}
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
	if want := c.base() + "/location/" + owner; loc != "" && loc != want && !(owner == c.Enterprise && c.GLN != "" && loc == GS1CanonicalBase+"/414/"+c.GLN) {
		return "", refuse(k, "location %s: the chain knows one site of %s, %s", loc, owner, want)
	}
	return owner, nil
}
