package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// History is everything known about one code: its record, batch facts, events
// (oldest first, with the hash each is stored under on chain) and the parties
// and consignments the events name.
type History struct {
	Code         *types.CodeRecord
	Batch        *types.Batch
	Events       []*types.Event
	EventHashes  [][]byte                      // sha256 of each event's stored bytes, same order
	Enterprises  map[string]*types.Enterprise  // by USCC
	Consignments map[string]*types.Consignment // by hex id (lower case)
}

// Options control identifiers and the document date.
type Options struct {
	// DigitalLinkBase is the resolver every code's GS1 Digital Link URI is
	// written on, and the base of the HTTP URIs of parties, locations,
	// consignments, devices and native lots; DefaultDigitalLinkBase when
	// empty.
	DigitalLinkBase string
	// ChainID names the chain; every eventID is derived from it and the
	// event's hash. Required.
	ChainID string
	// FishingVesselBatches are the batches (USCC/BATCH) of food obtained
	// from a fishing vessel, whose commissioning is the first land-based
	// receiving in the FSMA 204 export. The chain does not record how food
	// was produced, so the caller says.
	FishingVesselBatches []string
	// Created is the document's creation time. Pass the block time of the
	// answer the histories come from so that the output is reproducible; when
	// zero, the time of the newest event is used.
	Created time.Time
}

// DefaultDigitalLinkBase is the Digital Link resolver used when Options leaves it empty.
const DefaultDigitalLinkBase = "https://id.coldtrace.example"

// EventHash is the hash an event is stored under on chain: sha256 of its
// deterministic protobuf encoding. Use it to fill History.EventHashes from a
// /trace/history answer, which carries the events without their hashes.
func EventHash(e *types.Event) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(e)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

// entry is one chain event, once however many histories hold it.
type entry struct {
	ev   *types.Event
	hash []byte
	hex  string
	msg  proto.Message

	// Resolved while indexing, in chain order.
	created []codeQuantity            // commissioning and repackaging: the new codes in message order
	units   map[string][]codeQuantity // contents of the logistic units the event moves or empties, as far as known
}

type codeQuantity struct {
	code string
	q    uint64
}

// index is what both exports read: every distinct event in chain order, and
// what the histories reveal about codes, batches, parties and consignments.
type index struct {
	o             Options
	base          string
	entries       []*entry                     // sorted by block time, then hash
	byHash        map[string]*entry            // by hex hash
	records       map[string]*types.CodeRecord // the codes whose histories were given
	units         map[string]types.QuantityUnit
	batchOf       map[string]string // code → batch id
	batches       map[string]*types.Batch
	enterprises   map[string]*types.Enterprise
	consignments  map[string]*types.Consignment
	corrections   map[string][]*entry // hex hash of a corrected event → its error declarations
	creator       map[string]string   // code → actor of the commissioning or repackaging that created it
	createdQ      map[string]uint64   // code → quantity it was created with
	ids           map[string]string   // hex hash → EPCIS eventID, as computed
	fishingVessel map[string]bool     // batch ids of Options.FishingVesselBatches
}

func newIndex(hs []History, o Options) (*index, error) {
	if o.ChainID == "" {
		return nil, fmt.Errorf("export: Options.ChainID is required")
	}
	if o.DigitalLinkBase == "" {
		o.DigitalLinkBase = DefaultDigitalLinkBase
	}
	x := &index{
		o: o, base: strings.TrimRight(o.DigitalLinkBase, "/"),
		byHash: map[string]*entry{}, records: map[string]*types.CodeRecord{},
		units: map[string]types.QuantityUnit{}, batchOf: map[string]string{}, batches: map[string]*types.Batch{},
		enterprises: map[string]*types.Enterprise{}, consignments: map[string]*types.Consignment{},
		corrections: map[string][]*entry{}, creator: map[string]string{}, createdQ: map[string]uint64{}, ids: map[string]string{},
	}
	x.fishingVessel = map[string]bool{}
	for _, b := range o.FishingVesselBatches {
		x.fishingVessel[b] = true
	}
	for i, h := range hs {
		if h.Code == nil {
			return nil, fmt.Errorf("export: history %d has no code record", i)
		}
		if len(h.Events) != len(h.EventHashes) {
			return nil, fmt.Errorf("export: history of %s has %d events and %d hashes", h.Code.Code, len(h.Events), len(h.EventHashes))
		}
		code := h.Code.Code
		x.records[code] = h.Code
		x.units[code] = h.Code.Unit
		if h.Code.BatchId != "" {
			x.batchOf[code] = h.Code.BatchId
		}
		if h.Batch != nil {
			x.batches[h.Batch.Id] = h.Batch
		}
		for _, u := range slices.Sorted(maps.Keys(h.Enterprises)) {
			x.enterprises[u] = h.Enterprises[u]
		}
		for _, id := range slices.Sorted(maps.Keys(h.Consignments)) {
			x.consignments[strings.ToLower(id)] = h.Consignments[id]
		}
		for j, ev := range h.Events {
			if ev == nil || len(h.EventHashes[j]) == 0 {
				return nil, fmt.Errorf("export: history of %s: event %d or its hash is missing", code, j)
			}
			hx := hex.EncodeToString(h.EventHashes[j])
			e := x.byHash[hx]
			if e == nil {
				if ev.Msg == nil {
					return nil, fmt.Errorf("export: event %s carries no message", hx)
				}
				msg, err := ev.Msg.Inner()
				if err != nil {
					return nil, fmt.Errorf("export: event %s: %w", hx, err)
				}
				e = &entry{ev: ev, hash: h.EventHashes[j], hex: hx, msg: msg}
				x.byHash[hx] = e
				x.entries = append(x.entries, e)
			}
		}
	}
	sort.Slice(x.entries, func(i, j int) bool {
		a, b := x.entries[i], x.entries[j]
		if a.ev.TimeMs != b.ev.TimeMs {
			return a.ev.TimeMs < b.ev.TimeMs
		}
		return a.hex < b.hex
	})
	if err := x.resolve(); err != nil {
		return nil, err
	}
	return x, nil
}

// resolve walks the events in chain order and learns what the messages
// imply: the codes they created (native codes come from Event.Issued), the
// unit and batch of every code they name, and the contents of logistic units.
func (x *index) resolve() error {
	contents := map[string]map[string]uint64{} // unit → code → quantity, from the packing events seen
	snapshot := func(e *entry, unit string) {
		if e.units == nil {
			e.units = map[string][]codeQuantity{}
		}
		var cs []codeQuantity
		for _, c := range slices.Sorted(maps.Keys(contents[unit])) {
			cs = append(cs, codeQuantity{c, contents[unit][c]})
		}
		e.units[unit] = cs
	}
	for _, e := range x.entries {
		switch m := e.msg.(type) {
		case *types.MsgCommission:
			batchID := e.ev.Actor + "/" + m.Batch
			issued := 0
			for i, nc := range m.Codes {
				code, err := x.newCode(e, nc.Code, &issued)
				if err != nil {
					return fmt.Errorf("export: event %s codes[%d]: %w", e.hex, i, err)
				}
				e.created = append(e.created, codeQuantity{code, nc.Quantity})
				x.learn(code, nc.Unit, batchID)
				x.created(code, e.ev.Actor, nc.Quantity)
			}
		case *types.MsgSplit:
			parent, err := x.canon(m.Parent)
			if err != nil {
				return fmt.Errorf("export: event %s parent: %w", e.hex, err)
			}
			unit, known := x.units[parent]
			issued := 0
			for i, ch := range m.Children {
				code, err := x.newCode(e, ch.Code, &issued)
				if err != nil {
					return fmt.Errorf("export: event %s children[%d]: %w", e.hex, i, err)
				}
				e.created = append(e.created, codeQuantity{code, ch.Quantity})
				u := ch.Unit
				if known {
					u = unit
				}
				x.learn(code, u, x.batchOf[parent])
				x.created(code, e.ev.Actor, ch.Quantity)
			}
		case *types.MsgAggregate:
			unit, err := x.canon(m.Unit)
			if err != nil {
				return fmt.Errorf("export: event %s unit: %w", e.hex, err)
			}
			x.learn(unit, types.QuantityUnit_QUANTITY_UNIT_PIECES, "")
			if contents[unit] == nil {
				contents[unit] = map[string]uint64{}
			}
			for i, it := range m.Items {
				code, err := x.canon(it.Code)
				if err != nil {
					return fmt.Errorf("export: event %s items[%d]: %w", e.hex, i, err)
				}
				contents[unit][code] += it.Quantity
			}
		case *types.MsgDisaggregate:
			unit, err := x.canon(m.Unit)
			if err != nil {
				return fmt.Errorf("export: event %s unit: %w", e.hex, err)
			}
			snapshot(e, unit)
			delete(contents, unit)
		case *types.MsgDispatch:
			for i, it := range m.Items {
				code, err := x.canon(it.Code)
				if err != nil {
					return fmt.Errorf("export: event %s items[%d]: %w", e.hex, i, err)
				}
				if contents[code] != nil {
					snapshot(e, code)
				}
			}
		case *types.MsgReceive:
			for i, it := range m.Received {
				code, err := x.canon(it.Code)
				if err != nil {
					return fmt.Errorf("export: event %s received[%d]: %w", e.hex, i, err)
				}
				if contents[code] != nil {
					snapshot(e, code)
				}
			}
		case *types.MsgCorrect:
			orig := hex.EncodeToString(m.Event)
			x.corrections[orig] = append(x.corrections[orig], e)
		}
	}
	return nil
}

// newCode is the canonical form of a code a message creates: the code as
// written, or the next native code the chain issued for an empty one.
func (x *index) newCode(e *entry, written string, issued *int) (string, error) {
	if written != "" {
		return x.canon(written)
	}
	if *issued >= len(e.ev.Issued) {
		return "", fmt.Errorf("a native code was requested but the event lists only %d issued", len(e.ev.Issued))
	}
	*issued++
	return x.canon(e.ev.Issued[*issued-1])
}

// learn records a code's unit and batch unless its record already said.
func (x *index) learn(code string, unit types.QuantityUnit, batchID string) {
	if _, ok := x.records[code]; ok {
		return
	}
	if unit != types.QuantityUnit_QUANTITY_UNIT_UNSPECIFIED {
		x.units[code] = unit
	}
	if batchID != "" {
		x.batchOf[code] = batchID
	}
}

// created records who created a code; the first creation counts.
func (x *index) created(code, actor string, q uint64) {
	if _, ok := x.creator[code]; !ok {
		x.creator[code], x.createdQ[code] = actor, q
	}
}

// canon is a code's canonical form, as the chain stores it.
func (x *index) canon(s string) (string, error) {
	c, err := types.ParseTxCode(s) // as committed, under any rules version
	if err != nil {
		return "", err
	}
	return c.String(), nil
}

// digitalLink is a canonical code's GS1 Digital Link URI on the resolver base.
func (x *index) digitalLink(code string) string {
	return x.base + code
}

// batch is the batch a code belongs to, or nil when the histories do not say.
func (x *index) batch(code string) *types.Batch {
	return x.batches[x.batchOf[code]]
}

// consignment finds a consignment record by id.
func (x *index) consignment(id []byte) *types.Consignment {
	return x.consignments[hex.EncodeToString(id)]
}

func isDivision(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (x *index) isEnterprise(id string) bool {
	return id != "" && id != types.CustomsID && !isDivision(id)
}

// timestamp formats a block time in milliseconds as an RFC 3339 UTC time.
func timestamp(ms int64) string {
	return timeOf(ms).Format("2006-01-02T15:04:05.000Z")
}

// timeOf is a block time in milliseconds as a UTC time.
func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
