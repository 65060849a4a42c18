package export

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// EPCIS 2.0 document constants.
const (
	// EPCISContext is the standard JSON-LD context of EPCIS 2.0.
	EPCISContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
	// ExtensionNamespace is the IRI of the "ct:" prefix every field beyond
	// the standard is written under.
	ExtensionNamespace = "https://id.coldtrace.example/voc/"
)

// cbvSteps are the business steps of CBV 2.0.
var cbvSteps = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`accepting arriving assembling collecting commissioning consigning
		creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing
		encoding entering_exiting holding inspecting installing killing loading other packing picking receiving
		removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping
		staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping`) {
		m[s] = true
	}
	return m
}()

// chinaOffset is the eventTimeZoneOffset of every event: the chain's
// enterprises and regulators are in China, which keeps one offset all year.
var chinaOffset = time.Unix(0, 0).In(types.China).Format("-07:00")

// EPCIS event types.
const (
	objectEvent         = "ObjectEvent"
	aggregationEvent    = "AggregationEvent"
	transformationEvent = "TransformationEvent"
)

// EPCIS actions.
const (
	actionAdd     = "ADD"
	actionObserve = "OBSERVE"
	actionDelete  = "DELETE"
)

// epcisDocument is an EPCISDocument; field order is output order.
type epcisDocument struct {
	Context       []any     `json:"@context"`
	Type          string    `json:"type"`
	SchemaVersion string    `json:"schemaVersion"`
	CreationDate  string    `json:"creationDate"`
	Body          epcisBody `json:"epcisBody"`
}

type epcisBody struct {
	EventList []*epcisEvent `json:"eventList"`
}

// epcisEvent holds the fields of every event type this package writes;
// empty fields are left out.
type epcisEvent struct {
	Type                string            `json:"type"`
	EventID             string            `json:"eventID"`
	EventTime           string            `json:"eventTime"`
	EventTimeZoneOffset string            `json:"eventTimeZoneOffset"`
	RecordTime          string            `json:"recordTime,omitempty"` // the block's time, when the event happened earlier (an offline scan)
	ErrorDeclaration    *errorDeclaration `json:"errorDeclaration,omitempty"`

	ParentID           string      `json:"parentID,omitempty"`
	EPCList            *[]string   `json:"epcList,omitempty"` // a pointer so that an empty list can be written
	QuantityList       []*quantity `json:"quantityList,omitempty"`
	ChildEPCs          []string    `json:"childEPCs,omitempty"`
	ChildQuantityList  []*quantity `json:"childQuantityList,omitempty"`
	InputEPCList       []string    `json:"inputEPCList,omitempty"`
	InputQuantityList  []*quantity `json:"inputQuantityList,omitempty"`
	OutputEPCList      []string    `json:"outputEPCList,omitempty"`
	OutputQuantityList []*quantity `json:"outputQuantityList,omitempty"`

	Action             string            `json:"action,omitempty"`
	BizStep            string            `json:"bizStep,omitempty"`
	Disposition        string            `json:"disposition,omitempty"`
	ReadPoint          *location         `json:"readPoint,omitempty"`
	BizLocation        *location         `json:"bizLocation,omitempty"`
	BizTransactionList []*bizTransaction `json:"bizTransactionList,omitempty"`
	SourceList         []*source         `json:"sourceList,omitempty"`
	DestinationList    []*destination    `json:"destinationList,omitempty"`
	SensorElementList  []*sensorElement  `json:"sensorElementList,omitempty"`
	ILMD               *ilmd             `json:"ilmd,omitempty"`

	// Extensions, in the ct: namespace.
	Message          string   `json:"ct:message"`
	ChainEventHash   string   `json:"ct:chainEventHash"`
	Authority        string   `json:"ct:authority,omitempty"`
	Holder           string   `json:"ct:holder,omitempty"`
	Batch            string   `json:"ct:batch,omitempty"`
	Carrier          string   `json:"ct:carrier,omitempty"`
	DeliveryNote     string   `json:"ct:deliveryNote,omitempty"`
	SaleKind         string   `json:"ct:saleKind,omitempty"`
	Excursion        bool     `json:"ct:excursion,omitempty"`
	TestResult       string   `json:"ct:testResult,omitempty"`
	TestName         string   `json:"ct:testName,omitempty"`
	Lab              string   `json:"ct:lab,omitempty"`
	SampleID         string   `json:"ct:sampleID,omitempty"`
	InspectionCert   string   `json:"ct:inspectionCertificate,omitempty"`
	DisinfectionCert string   `json:"ct:disinfectionCertificate,omitempty"`
	Method           string   `json:"ct:method,omitempty"`
	DocumentHash     string   `json:"ct:documentHash,omitempty"`
	Witness          string   `json:"ct:witness,omitempty"`
	Reason           string   `json:"ct:reason,omitempty"`
	Note             string   `json:"ct:note,omitempty"`
	DeclarationHash  string   `json:"ct:declarationChainEventHash,omitempty"`
	CorrectiveHashes []string `json:"ct:correctiveChainEventHashes,omitempty"`
	DeclaredBy       string   `json:"ct:declaredBy,omitempty"`
	CorrectionNote   string   `json:"ct:correctionNote,omitempty"`
	// CodeQuantities gives the quantity of each EPC a commissioning or a
	// split creates, which EPCIS has no place for (an EPC is an instance).
	CodeQuantities []*codeQuantityOut `json:"ct:codeQuantities,omitempty"`
}

// codeQuantityOut is a ct:codeQuantities element.
type codeQuantityOut struct {
	EPC      string      `json:"epc"`
	Quantity json.Number `json:"quantity"`
	UOM      string      `json:"uom,omitempty"`
}

type errorDeclaration struct {
	DeclarationTime    string   `json:"declarationTime"`
	Reason             string   `json:"reason,omitempty"`
	CorrectiveEventIDs []string `json:"correctiveEventIDs,omitempty"`
}

type quantity struct {
	EPCClass string      `json:"epcClass"`
	Quantity json.Number `json:"quantity,omitempty"` // none: the whole class
	UOM      string      `json:"uom,omitempty"`
	n        uint64      // in the chain's unit (grams or pieces)
}

// addQuantity adds a quantity element to a list, summed with one of the
// same class and unit: two codes of one lot are one quantity of the lot.
func addQuantity(qs []*quantity, q *quantity) []*quantity {
	for _, o := range qs {
		if o.EPCClass == q.EPCClass && o.UOM == q.UOM {
			o.n += q.n
			o.Quantity = amount(o.n, o.UOM)
			return qs
		}
	}
	return append(qs, q)
}

// amount writes a quantity in the chain's unit for the EPCIS unit: grams as
// kilograms (KGM), pieces as a count.
func amount(n uint64, uom string) json.Number {
	if uom == "KGM" {
		return kilograms(n)
	}
	return json.Number(strconv.FormatUint(n, 10))
}

type location struct {
	ID string `json:"id"`
}

type bizTransaction struct {
	Type           string `json:"type,omitempty"`
	BizTransaction string `json:"bizTransaction"`
}

type source struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

type destination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

type sensorElement struct {
	SensorMetadata *sensorMetadata `json:"sensorMetadata,omitempty"`
	SensorReport   []*sensorReport `json:"sensorReport"`
}

type sensorMetadata struct {
	Time      string `json:"time,omitempty"`
	StartTime string `json:"startTime,omitempty"`
	EndTime   string `json:"endTime,omitempty"`
	DeviceID  string `json:"deviceID,omitempty"`
	RawData   string `json:"rawData,omitempty"`
}

type sensorReport struct {
	Type      string      `json:"type"`
	Exception string      `json:"exception,omitempty"`
	MinValue  json.Number `json:"minValue"`
	MaxValue  json.Number `json:"maxValue"`
	UOM       string      `json:"uom"`
}

// ilmd is the instance/lot master data of commissioned codes: standard CBV
// master data attributes where CBV defines one, the rest under ct:.
type ilmd struct {
	LotNumber               string    `json:"cbvmda:lotNumber,omitempty"`
	CountryOfOrigin         string    `json:"cbvmda:countryOfOrigin,omitempty"`
	ItemExpirationDate      string    `json:"cbvmda:itemExpirationDate,omitempty"`
	Batch                   string    `json:"ct:batch,omitempty"`
	ProductName             string    `json:"ct:productName,omitempty"`
	Category                string    `json:"ct:category,omitempty"`
	GTIN                    string    `json:"ct:gtin,omitempty"`
	ProductionDate          string    `json:"ct:productionDate,omitempty"`
	ShelfLifeDays           uint32    `json:"ct:shelfLifeDays,omitempty"`
	Supplier                string    `json:"ct:supplier,omitempty"`
	CertificateOfOrigin     string    `json:"ct:certificateOfOrigin,omitempty"`
	CustomsDeclaration      string    `json:"ct:customsDeclaration,omitempty"`
	InspectionCertificate   string    `json:"ct:inspectionCertificate,omitempty"`
	DisinfectionCertificate string    `json:"ct:disinfectionCertificate,omitempty"`
	NucleicAcidTest         *labTest  `json:"ct:nucleicAcidTest,omitempty"`
	StorageTemperature      *tempSpan `json:"ct:storageTemperature,omitempty"`
	NetGramsPerPiece        uint32    `json:"ct:netGramsPerPiece,omitempty"`
	HSCode                  string    `json:"ct:hsCode,omitempty"`
}

type labTest struct {
	Result       string `json:"ct:result,omitempty"`
	Lab          string `json:"ct:lab,omitempty"`
	Date         string `json:"ct:date,omitempty"`
	DocumentHash string `json:"ct:documentHash,omitempty"`
}

type tempSpan struct {
	MinValue json.Number `json:"ct:minValue"`
	MaxValue json.Number `json:"ct:maxValue"`
	UOM      string      `json:"ct:uom"`
}

// EPCIS writes the events of the histories as an EPCIS 2.0 JSON-LD
// EPCISDocument. Every chain event appears once however many histories hold
// it, in chain order (block time, then hash); its eventID is the hash it is
// stored under. See the package documentation for how each message maps.
func EPCIS(hs []History, o Options) ([]byte, error) {
	x, err := newIndex(hs, o)
	if err != nil {
		return nil, err
	}
	created := o.Created
	if created.IsZero() && len(x.entries) > 0 {
		created = timeOf(x.entries[len(x.entries)-1].ev.TimeMs)
	}
	doc := &epcisDocument{
		Context:       []any{EPCISContext, map[string]string{"ct": ExtensionNamespace}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  timestamp(created.UnixMilli()),
		Body:          epcisBody{EventList: []*epcisEvent{}},
	}
	for _, e := range x.entries {
		ev, err := x.epcisEvent(e)
		if err != nil {
			return nil, err
		}
		doc.Body.EventList = append(doc.Body.EventList, ev)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return buf.Bytes(), nil
}

// epcisEvent maps one chain event.
func (x *index) epcisEvent(e *entry) (*epcisEvent, error) {
	if m, ok := e.msg.(*types.MsgCorrect); ok {
		return x.errorDeclaration(e, m, 0)
	}
	return x.mapEvent(e)
}

// errorDeclaration repeats the corrected event as it was exported (same
// type, fields, eventTime and eventID, as EPCIS requires) and adds the
// declaration. The correction's own chain hash is ct:declarationChainEventHash.
func (x *index) errorDeclaration(e *entry, m *types.MsgCorrect, depth int) (*epcisEvent, error) {
	orig := x.byHash[hex.EncodeToString(m.Event)]
	if orig == nil {
		return nil, fmt.Errorf("export: event %s declares event %x erroneous, which no history holds", e.hex, m.Event)
	}
	var ev *epcisEvent
	var err error
	if inner, ok := orig.msg.(*types.MsgCorrect); ok && depth < 8 {
		ev, err = x.errorDeclaration(orig, inner, depth+1) // a correction of a correction repeats the root event
	} else {
		ev, err = x.mapEvent(orig)
	}
	if err != nil {
		return nil, err
	}
	ed := &errorDeclaration{DeclarationTime: timestamp(e.ev.TimeMs)}
	switch m.Reason {
	case types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR:
		ed.Reason = "did_not_occur"
	case types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA:
		ed.Reason = "incorrect_data"
	}
	for _, h := range m.CorrectiveEvents {
		if id, err := x.idOf(h); err != nil {
			return nil, err
		} else if id != "" {
			ed.CorrectiveEventIDs = append(ed.CorrectiveEventIDs, id)
		}
		ev.CorrectiveHashes = append(ev.CorrectiveHashes, hashURI(h))
	}
	ev.ErrorDeclaration = ed
	ev.DeclarationHash = hashURI(e.hash)
	ev.DeclaredBy = x.party(e.ev.Actor)
	ev.CorrectionNote = m.Note
	return ev, nil
}

// mapEvent maps every message but a correction.
func (x *index) mapEvent(e *entry) (*epcisEvent, error) {
	ev := &epcisEvent{
		Type:                objectEvent,
		EventTime:           timestamp(occurredMs(e.ev)),
		EventTimeZoneOffset: chinaOffset,
		Message:             types.MsgName(e.msg),
		ChainEventHash:      hashURI(e.hash),
	}
	if occurredMs(e.ev) != e.ev.TimeMs {
		ev.RecordTime = timestamp(e.ev.TimeMs)
	}
	actor := x.party(e.ev.Actor)
	if x.isEnterprise(e.ev.Actor) {
		site := &location{ID: x.location(e.ev.Actor)}
		ev.ReadPoint, ev.BizLocation = site, site
	} else {
		ev.Authority = actor // a regulator or customs acts on goods; where, the message does not say
	}
	var err error
	switch m := e.msg.(type) {
	case *types.MsgCommission:
		ev.Action, ev.BizStep, ev.Disposition = actionAdd, "commissioning", "active"
		for _, c := range e.created {
			if epc := x.addObject(ev, c.code, c.q); epc != "" {
				ev.CodeQuantities = append(ev.CodeQuantities, x.codeQuantity(epc, c.code, c.q))
			}
		}
		ev.ILMD = x.lotData(e.ev.Actor+"/"+m.Batch, m)

	case *types.MsgDispatch:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "shipping", "in_transit"
		ev.BizLocation = nil // in transit
		if err = x.addItems(ev, m.Items); err != nil {
			break
		}
		ev.SourceList, ev.DestinationList = x.transfer(e.ev.Actor, m.Buyer)
		ev.BizTransactionList = x.consignmentRef(e.ev.Consignment)
		if m.Carrier != "" {
			ev.Carrier = x.party(m.Carrier)
		}
		ev.DeliveryNote = m.Reference

	case *types.MsgReceive:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "receiving", "in_progress"
		var got []*types.CodeQuantity
		for _, it := range m.Received {
			if it.Quantity > 0 {
				got = append(got, it)
			}
		}
		if err = x.addItems(ev, got); err != nil {
			break
		}
		ev.SourceList, ev.DestinationList = x.transfer(x.sender(m.Consignment), e.ev.Actor)
		ev.BizTransactionList = x.consignmentRef(m.Consignment)
		ev.Note = m.Note

	case *types.MsgSell:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "retail_selling", "retail_sold"
		if err = x.addItems(ev, m.Items); err != nil {
			break
		}
		ev.SaleKind = "retail"
		if m.Kind == types.SaleKind_SALE_KIND_CONSUMED {
			ev.SaleKind = "consumed"
		}
		if m.BusinessBuyer != "" { // a consumer is never named
			ev.SourceList, ev.DestinationList = x.transfer(e.ev.Actor, m.BusinessBuyer)
		}

	case *types.MsgSplit:
		ev.Type, ev.BizStep, ev.Disposition = transformationEvent, "repackaging", "active"
		var parent string
		if parent, err = x.canon(m.Parent); err != nil {
			break
		}
		var total uint64
		for _, c := range e.created {
			total += c.q
			if epc := x.put(&ev.OutputEPCList, &ev.OutputQuantityList, c.code, c.q); epc != "" {
				ev.CodeQuantities = append(ev.CodeQuantities, x.codeQuantity(epc, c.code, c.q))
			}
		}
		x.put(&ev.InputEPCList, &ev.InputQuantityList, parent, total)

	case *types.MsgAggregate:
		ev.Type, ev.Action, ev.BizStep, ev.Disposition = aggregationEvent, actionAdd, "packing", "in_progress"
		var unit string
		if unit, err = x.canon(m.Unit); err != nil {
			break
		}
		ev.ParentID = x.digitalLink(unit)
		for _, it := range m.Items {
			var code string
			if code, err = x.canon(it.Code); err != nil {
				break
			}
			x.put(&ev.ChildEPCs, &ev.ChildQuantityList, code, it.Quantity)
		}

	case *types.MsgDisaggregate:
		ev.Type, ev.Action, ev.BizStep = aggregationEvent, actionDelete, "unpacking"
		var unit string
		if unit, err = x.canon(m.Unit); err != nil {
			break
		}
		ev.ParentID = x.digitalLink(unit)
		x.children(ev, e, unit)

	case *types.MsgSensorReport:
		ev.Action, ev.BizStep = actionObserve, "sensor_reporting"
		ev.EPCList = x.epcs(e.ev.Codes)
		if len(m.Consignment) > 0 {
			ev.BizLocation = nil // in transit
			ev.BizTransactionList = x.consignmentRef(m.Consignment)
		}
		ev.SensorElementList = []*sensorElement{x.sensor(m, e.ev.Excursion)}
		ev.Excursion = e.ev.Excursion

	case *types.MsgWarehouseEntry:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "storing", "non_sellable_other"
		ev.EPCList = x.epcs(e.ev.Codes)

	case *types.MsgRelease:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "inspecting", "conformant"
		ev.EPCList = x.epcs(e.ev.Codes)
		ev.InspectionCert, ev.DisinfectionCert = m.InspectionCertificate, m.DisinfectionCertificate

	case *types.MsgRecordTest:
		ev.Action, ev.BizStep = actionObserve, "inspecting"
		if m.Kind == types.TestKind_TEST_KIND_SAMPLING {
			ev.BizStep = "sampling"
		}
		switch m.Result {
		case types.TestResult_TEST_RESULT_NEGATIVE:
			ev.Disposition, ev.TestResult = "conformant", "negative"
		case types.TestResult_TEST_RESULT_POSITIVE:
			ev.Disposition, ev.TestResult = "non_conformant", "positive"
		}
		ev.EPCList = x.epcs(e.ev.Codes)
		ev.Batch, ev.TestName, ev.Lab, ev.SampleID = m.Batch, m.TestName, m.Lab, m.SampleId
		if len(m.DocumentHash) > 0 {
			ev.BizTransactionList = []*bizTransaction{{Type: "testres", BizTransaction: hashURI(m.DocumentHash)}}
		}

	case *types.MsgHold:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "holding", "non_conformant"
		ev.EPCList = x.epcs(e.ev.Codes)
		ev.Batch, ev.Reason = m.Batch, m.Reason

	case *types.MsgUnhold:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "inspecting", "conformant"
		ev.EPCList = x.epcs(e.ev.Codes)
		ev.Batch, ev.Reason = m.Batch, m.Reason

	case *types.MsgRecall:
		ev.Action, ev.BizStep, ev.Disposition = actionObserve, "holding", "recalled"
		ev.EPCList = x.epcs(e.ev.Codes)
		ev.Batch, ev.Reason = m.Batch, m.Reason

	case *types.MsgDestroy:
		ev.Action, ev.BizStep, ev.Disposition = actionDelete, "destroying", "destroyed"
		var code string
		if code, err = x.canon(m.Code); err != nil {
			break
		}
		x.addObject(ev, code, m.Quantity)
		ev.Authority = ""
		if x.isEnterprise(m.Holder) {
			site := &location{ID: x.location(m.Holder)}
			ev.ReadPoint, ev.BizLocation = site, site
		}
		ev.Holder = x.party(m.Holder)
		ev.Witness = actor
		ev.Method = m.Method
		if len(m.DocumentHash) > 0 {
			ev.DocumentHash = hashURI(m.DocumentHash)
		}

	default:
		// A message this mapping does not know (one a later rules version
		// adds) is still an observation of the codes the chain applied it
		// to, under the chain's business step when CBV has it.
		ev.Action = actionObserve
		if cbvSteps[e.ev.BizStep] {
			ev.BizStep = e.ev.BizStep
		}
		ev.EPCList = x.epcs(e.ev.Codes)
	}
	if err != nil {
		return nil, fmt.Errorf("export: event %s: %w", e.hex, err)
	}
	if b := batchOf(e.msg); b != "" {
		// A batch-level test, hold or recall applies to the whole lot,
		// whichever codes the chain found of it: the lot's class, no quantity.
		ev.QuantityList = addQuantity(ev.QuantityList, &quantity{EPCClass: x.lotClass(b)})
	}
	if ev.Type == objectEvent && ev.EPCList == nil && len(ev.QuantityList) == 0 {
		ev.EPCList = &[]string{} // an ObjectEvent names its objects, if only as an empty list
	}
	if ev.EventID, err = x.hashID(ev); err != nil {
		return nil, fmt.Errorf("export: event %s: %w", e.hex, err)
	}
	x.ids[e.hex] = ev.EventID
	return ev, nil
}

// hashID is an event's EPCIS Event Hash ID (CBV 2.0 §8.9), computed from
// the event as exported, before any error declaration.
func (x *index) hashID(ev *epcisEvent) (string, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return "", err
	}
	id, _, err := EventHashID(b, map[string]string{"ct": ExtensionNamespace})
	return id, err
}

// idOf is the eventID of the chain event stored under hash, "" when no
// history holds it.
func (x *index) idOf(hash []byte) (string, error) {
	key := hex.EncodeToString(hash)
	if id, ok := x.ids[key]; ok {
		return id, nil
	}
	e := x.byHash[key]
	if e == nil {
		return "", nil
	}
	if _, ok := e.msg.(*types.MsgCorrect); ok {
		return "", nil // a correction is no event of its own in EPCIS
	}
	ev, err := x.mapEvent(e)
	if err != nil {
		return "", err
	}
	return ev.EventID, nil
}

// batchOf is the batch a batch-level message names.
func batchOf(msg any) string {
	switch m := msg.(type) {
	case *types.MsgRecordTest:
		return m.Batch
	case *types.MsgHold:
		return m.Batch
	case *types.MsgUnhold:
		return m.Batch
	case *types.MsgRecall:
		return m.Batch
	}
	return ""
}

// addItems adds the quantities of a message to an ObjectEvent.
func (x *index) addItems(ev *epcisEvent, items []*types.CodeQuantity) error {
	for i, it := range items {
		code, err := x.canon(it.Code)
		if err != nil {
			return fmt.Errorf("items[%d]: %w", i, err)
		}
		x.addObject(ev, code, it.Quantity)
	}
	return nil
}

// addObject adds a quantity of a code to an ObjectEvent's epcList or
// quantityList; it returns the EPC when it went in the epcList.
func (x *index) addObject(ev *epcisEvent, code string, q uint64) string {
	epc, qe := x.what(code, q)
	if qe != nil {
		ev.QuantityList = addQuantity(ev.QuantityList, qe)
		return ""
	}
	if ev.EPCList == nil {
		ev.EPCList = &[]string{}
	}
	*ev.EPCList = append(*ev.EPCList, epc)
	return epc
}

// put adds a quantity of a code to a pair of lists (input, output or
// child); it returns the EPC when it went in the EPC list.
func (x *index) put(epcs *[]string, qs *[]*quantity, code string, q uint64) string {
	epc, qe := x.what(code, q)
	if qe != nil {
		*qs = addQuantity(*qs, qe)
		return ""
	}
	*epcs = append(*epcs, epc)
	return epc
}

// codeQuantity is the ct:codeQuantities element of a code a message
// creates and names as an EPC.
func (x *index) codeQuantity(epc, code string, q uint64) *codeQuantityOut {
	out := &codeQuantityOut{EPC: epc, Quantity: amount(q, "")}
	if x.units[code] == types.QuantityUnit_QUANTITY_UNIT_GRAMS {
		out.Quantity, out.UOM = kilograms(q), "KGM"
	}
	return out
}

// what names a quantity of a code. A whole instance (one piece of a
// serialised item or logistic unit, or all of a serialised or native code
// of weighed goods) is an EPC; any other quantity is a quantity of the
// code's class (see class): kilograms (uom KGM) for weighed goods, a count
// for pieces. A code whose unit the histories do not reveal is named as an
// EPC, its quantity left unsaid rather than guessed.
func (x *index) what(code string, q uint64) (string, *quantity) {
	unit, known := x.units[code]
	switch {
	case !known || unit == types.QuantityUnit_QUANTITY_UNIT_UNSPECIFIED:
		return x.digitalLink(code), nil
	case instance(code) && (unit == types.QuantityUnit_QUANTITY_UNIT_PIECES && q == 1 || q == x.whole(code)):
		return x.digitalLink(code), nil
	case unit == types.QuantityUnit_QUANTITY_UNIT_GRAMS:
		return "", &quantity{EPCClass: x.class(code), Quantity: kilograms(q), UOM: "KGM", n: q}
	default:
		return "", &quantity{EPCClass: x.class(code), Quantity: amount(q, ""), n: q}
	}
}

// whole is the quantity a code was created with, 0 when unknown.
func (x *index) whole(code string) uint64 {
	if r := x.records[code]; r != nil && r.Commissioned > 0 {
		return r.Commissioned
	}
	return x.createdQ[code]
}

// kilograms writes grams as kilograms, exactly: 5900 is 5.9.
func kilograms(g uint64) json.Number {
	s := strconv.FormatUint(g/1000, 10)
	if frac := g % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return json.Number(s)
}

// epcs lists codes as Digital Link URIs, for events about codes as a whole.
func (x *index) epcs(codes []string) *[]string {
	if len(codes) == 0 {
		return nil // an ObjectEvent naming nothing else gets an empty list at the end
	}
	out := []string{}
	for _, c := range codes {
		out = append(out, x.digitalLink(c))
	}
	return &out
}

// children lists what an unpacking took out of a unit, when the histories
// show every packing of it; otherwise the lists are left out, which in
// EPCIS means everything in the unit (and the chain always empties it).
func (x *index) children(ev *epcisEvent, e *entry, unit string) {
	want := map[string]bool{}
	for _, c := range e.ev.Codes {
		if c != unit {
			want[c] = true
		}
	}
	known := e.units[unit]
	if len(known) != len(want) {
		return
	}
	for _, c := range known {
		if !want[c.code] {
			return
		}
	}
	for _, c := range known {
		x.put(&ev.ChildEPCs, &ev.ChildQuantityList, c.code, c.q)
	}
}

// transfer names the parties and sites goods pass between: owning_party
// and location sources and destinations, each left out when unknown.
func (x *index) transfer(from, to string) ([]*source, []*destination) {
	var src []*source
	var dst []*destination
	if from != "" {
		src = append(src, &source{Type: "owning_party", Source: x.party(from)})
		if x.isEnterprise(from) {
			src = append(src, &source{Type: "location", Source: x.location(from)})
		}
	}
	if to != "" {
		dst = append(dst, &destination{Type: "owning_party", Destination: x.party(to)})
		if x.isEnterprise(to) {
			dst = append(dst, &destination{Type: "location", Destination: x.location(to)})
		}
	}
	return src, dst
}

// consignmentRef names a consignment as the despatch advice of a shipment.
func (x *index) consignmentRef(id []byte) []*bizTransaction {
	if len(id) == 0 {
		return nil
	}
	return []*bizTransaction{{Type: "desadv", BizTransaction: x.uri("consignment", hex.EncodeToString(id))}}
}

// sensor is a temperature report: the range read over the window, in
// degrees Celsius with two decimals.
func (x *index) sensor(m *types.MsgSensorReport, excursion bool) *sensorElement {
	md := &sensorMetadata{}
	if m.StartUnix != 0 || m.EndUnix != 0 {
		md.StartTime, md.EndTime = timestamp(types.UnixTime(m.StartUnix).UnixMilli()), timestamp(types.UnixTime(m.EndUnix).UnixMilli())
	}
	if m.DeviceId != "" {
		md.DeviceID = x.uri("device", m.DeviceId)
	}
	if len(m.RawDataHash) > 0 {
		md.RawData = hashURI(m.RawDataHash)
	}
	r := &sensorReport{Type: "gs1:Temperature", MinValue: json.Number(types.FormatCenti(m.MinCenti)), MaxValue: json.Number(types.FormatCenti(m.MaxCenti)), UOM: "CEL"}
	if excursion {
		r.Exception = "ALARM_CONDITION"
	}
	se := &sensorElement{SensorReport: []*sensorReport{r}}
	if *md != (sensorMetadata{}) {
		se.SensorMetadata = md
	}
	return se
}

// lotData is the ILMD of a commissioning: the message's facts, or the
// batch's when the message adds codes to a recorded batch.
func (x *index) lotData(batchID string, m *types.MsgCommission) *ilmd {
	f := m.Facts
	if f == nil {
		if b := x.batches[batchID]; b != nil {
			f = b.Facts
		}
	}
	d := &ilmd{LotNumber: m.Batch, Batch: batchID}
	if f == nil {
		return d
	}
	d.CountryOfOrigin = f.OriginCountry
	d.NetGramsPerPiece, d.HSCode = f.NetGramsPerPiece, f.HsCode
	d.ItemExpirationDate = f.Expiry()
	d.ProductName, d.Category, d.GTIN = f.Name, f.Category, f.Gtin
	d.ProductionDate, d.ShelfLifeDays, d.Supplier = f.ProductionDate, f.ShelfLifeDays, f.Supplier
	d.CertificateOfOrigin, d.CustomsDeclaration = f.CertificateOfOrigin, f.CustomsDeclaration
	d.InspectionCertificate, d.DisinfectionCertificate = f.InspectionCertificate, f.DisinfectionCertificate
	if t := f.NucleicAcidTest; t != nil {
		lt := &labTest{Result: testResult(t.Result), Lab: t.Lab, Date: t.Date}
		if len(t.DocumentHash) > 0 {
			lt.DocumentHash = hashURI(t.DocumentHash)
		}
		d.NucleicAcidTest = lt
	}
	if f.TempMinCenti != 0 || f.TempMaxCenti != 0 {
		d.StorageTemperature = &tempSpan{MinValue: json.Number(types.FormatCenti(f.TempMinCenti)), MaxValue: json.Number(types.FormatCenti(f.TempMaxCenti)), UOM: "CEL"}
	}
	return d
}

func testResult(r types.TestResult) string {
	switch r {
	case types.TestResult_TEST_RESULT_NEGATIVE:
		return "negative"
	case types.TestResult_TEST_RESULT_POSITIVE:
		return "positive"
	}
	return ""
}

// occurredMs is when an event happened: the signed time of an offline scan
// (rules v3), else its block's time.
func occurredMs(ev *types.Event) int64 {
	if ev.EventTimeMs != 0 {
		return ev.EventTimeMs
	}
	return ev.TimeMs
}
