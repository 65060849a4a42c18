package export

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/coldtrace/coldtrace/types"
)

// fakeView is a chain with a weighed lot code, a serialised weighed code,
// a pallet and one open consignment.
type fakeView struct{}

const (
	capUSCC = "91330100MA2CAPTA1C"
	capLot  = "/01/09521234543213/10/L1"
	capSer  = "/01/09521234543213/10/L1/21/0001"
	capUnit = "/00/095212345000000018"
)

func (fakeView) Code(_ context.Context, code string) (*types.CodeRecord, error) {
	switch code {
	case capLot:
		return &types.CodeRecord{Code: code, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, Commissioned: 20_000}, nil
	case capSer:
		return &types.CodeRecord{Code: code, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, Commissioned: 5_900}, nil
	case capUnit:
		return &types.CodeRecord{Code: code, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES, Commissioned: 1, LogisticUnit: true}, nil
	}
	return nil, nil
}

func (fakeView) Inbound(context.Context, string) ([]*types.Consignment, error) {
	return []*types.Consignment{{Id: make([]byte, 32), Sender: "91330106MA2CAPTB14", Items: []*types.CodeQuantity{{Code: capUnit, Quantity: 1}}}}, nil
}

var capNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func capEvent(t *testing.T, s string) map[string]any {
	t.Helper()
	d, err := ReadDocument([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[` + s + `]}}`))
	if err != nil {
		t.Fatal(err)
	}
	return d.Events[0]
}

const at = `"eventTime":"2026-11-26T07:59:00Z","eventTimeZoneOffset":"+08:00",`

// TestCaptureMapping: each event the chain can express maps to its message
// (golden file); each it cannot is refused naming the field and the reason.
func TestCaptureMapping(t *testing.T) {
	cases := captureCases
	var out strings.Builder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Capturer{Enterprise: capUSCC, View: fakeView{}, Now: func() time.Time { return capNow }}
			msg, err := c.Map(context.Background(), capEvent(t, tc.event))
			var ref *Refusal
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				b, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(types.WrapMsg(msg))
				var v any
				_ = json.Unmarshal(b, &v)
				pretty, _ := json.Marshal(v)
				out.WriteString(tc.name + ": " + string(pretty) + "\n")
				return
			}
			if !errors.As(err, &ref) || !strings.Contains(err.Error(), tc.refused) {
				t.Fatalf("got %v (%T), want a refusal naming %q", err, err, tc.refused)
			}
		})
	}
	golden(t, "capture.golden", []byte(out.String()))
}

// captureCases are events the chain can express (refused "") and events
// it cannot, with a part of the refusal.
var captureCases = []struct {
	name, event string
	refused     string // part of the refusal; "" for a mapping
}{
	{"commission", `{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"commissioning","epcList":["https://example.com/01/09521234543213/10/L2/21/0001"],"ct:codeQuantities":[{"epc":"https://example.com/01/09521234543213/10/L2/21/0001","quantity":5.9,"uom":"KGM"}],"quantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213/10/L2","quantity":1,"uom":"TNE"}],"ilmd":{"cbvmda:lotNumber":"L2","cbvmda:countryOfOrigin":"EC","ct:productName":"Shrimp","ct:category":"frozen shrimp","ct:productionDate":"2026-06-01","cbvmda:itemExpirationDate":"2027-06-01","ct:nucleicAcidTest":{"ct:result":"negative","ct:lab":"Lab","ct:date":"2026-06-02"},"ct:storageTemperature":{"ct:minValue":-30,"ct:maxValue":-18.5,"ct:uom":"CEL"}}}`, ""},
	{"commission more codes of a batch", `{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"urn:epcglobal:cbv:bizstep:commissioning","quantityList":[{"epcClass":"urn:epc:class:lgtin:9521234.054321.L3","quantity":12}],"ilmd":{"cbvmda:lotNumber":"L3"}}`, ""},
	{"ship", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit","epcList":["` + capUnit + `"],"quantityList":[{"epcClass":"https://id.gs1.org` + capLot + `","quantity":2.5,"uom":"KGM"}],"destinationList":[{"type":"owning_party","destination":"https://id.coldtrace.example/party/91330106MA2CAPTB14"}],"ct:deliveryNote":"DN-1"}`, ""},
	{"receive, consignment found", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"receiving","epcList":["https://id.gs1.org` + capUnit + `"],"ct:note":"cold"}`, ""},
	{"sell a whole serialised code", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"retail_selling","epcList":["https://id.coldtrace.example` + capSer + `"],"ct:saleKind":"consumed"}`, ""},
	{"storing", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"storing","epcList":["https://id.gs1.org` + capSer + `"]}`, ""},
	{"sensor", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"sensor_reporting","epcList":["https://id.gs1.org` + capSer + `"],"sensorElementList":[{"sensorMetadata":{"startTime":"2026-11-26T06:00:00Z","endTime":"2026-11-26T07:00:00Z","deviceID":"https://id.coldtrace.example/device/T-9"},"sensorReport":[{"type":"gs1:Temperature","minValue":-20.5,"maxValue":-18,"uom":"CEL"}]}]}`, ""},
	{"pack", `{"type":"AggregationEvent",` + at + `"action":"ADD","bizStep":"packing","parentID":"https://id.gs1.org` + capUnit + `","childEPCs":["https://id.gs1.org` + capSer + `"]}`, ""},
	{"unpack", `{"type":"AggregationEvent",` + at + `"action":"DELETE","bizStep":"unpacking","parentID":"https://id.gs1.org` + capUnit + `"}`, ""},
	{"split", `{"type":"TransformationEvent",` + at + `"bizStep":"repackaging","inputQuantityList":[{"epcClass":"https://id.gs1.org` + capLot + `","quantity":2,"uom":"KGM"}],"outputEPCList":["https://id.gs1.org/01/09521234543213/10/L1/21/0100"],"ct:codeQuantities":[{"epc":"https://id.gs1.org/01/09521234543213/10/L1/21/0100","quantity":2000,"uom":"GRM"}]}`, ""},
	{"correction", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"shipping","errorDeclaration":{"declarationTime":"2026-11-26T07:59:00Z","reason":"did_not_occur"},"ct:chainEventHash":"ni:///sha-256;` + strings.Repeat("ab", 32) + `","ct:correctionNote":"typo"}`, ""},

	{"correction of an old event", `{"type":"ObjectEvent","eventTime":"2026-10-01T07:59:00Z","eventTimeZoneOffset":"+08:00","action":"OBSERVE","bizStep":"shipping","errorDeclaration":{"declarationTime":"2026-11-26T07:59:30Z","reason":"incorrect_data"},"ct:chainEventHash":"ni:///sha-256;` + strings.Repeat("cd", 32) + `"}`, ""},
	{"old declaration", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"shipping","errorDeclaration":{"declarationTime":"2026-11-20T07:59:30Z"},"ct:chainEventHash":"ni:///sha-256;` + strings.Repeat("cd", 32) + `"}`, "errorDeclaration"},
	{"old event", `{"type":"ObjectEvent","eventTime":"2026-11-25T07:59:00Z","action":"OBSERVE","bizStep":"storing","epcList":["` + capSer + `"]}`, "eventTime"},
	{"another offset", `{"type":"ObjectEvent","eventTime":"2026-11-26T07:59:00Z","eventTimeZoneOffset":"-05:00","action":"OBSERVE","bizStep":"storing","epcList":["` + capSer + `"]}`, "eventTimeZoneOffset"},
	{"destroying", `{"type":"ObjectEvent",` + at + `"action":"DELETE","bizStep":"destroying","epcList":["` + capSer + `"]}`, "bizStep: destroying"},
	{"transaction event", `{"type":"TransactionEvent",` + at + `"action":"ADD","bizTransactionList":[]}`, "TransactionEvent"},
	{"unknown field", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"storing","epcList":["` + capSer + `"],"certificationInfo":"x"}`, "certificationInfo"},
	{"GLN location", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"storing","epcList":["` + capSer + `"],"readPoint":{"id":"https://id.gs1.org/414/9521234000006"}}`, "no GLN"},
	{"ship without buyer", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"shipping","epcList":["` + capSer + `"]}`, "buyer"},
	{"pounds", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"retail_selling","quantityList":[{"epcClass":"https://id.gs1.org` + capLot + `","quantity":2,"uom":"LBR"}]}`, "uom LBR"},
	{"sub-gram", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"retail_selling","quantityList":[{"epcClass":"https://id.gs1.org` + capLot + `","quantity":0.0005,"uom":"KGM"}]}`, "whole number"},
	{"class of serialised codes", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"retail_selling","quantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213","quantity":2}]}`, "product class"},
	{"unknown code", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"retail_selling","epcList":["https://id.gs1.org/01/09521234543213/10/ZZ/21/1"]}`, "not on chain"},
	{"commission without quantity", `{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"commissioning","epcList":["https://id.gs1.org/01/09521234543213/10/L2/21/0002"],"ilmd":{"cbvmda:lotNumber":"L2"}}`, "ct:codeQuantities"},
	{"commission native", `{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"commissioning","epcList":["https://id.coldtrace.example/c/CT-91330100MA2CAPTA1C-1-P"],"ilmd":{"cbvmda:lotNumber":"L2"}}`, "native codes"},
	{"unknown ILMD", `{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"commissioning","quantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213/10/L4","quantity":1}],"ilmd":{"cbvmda:lotNumber":"L4","cbvmda:farmList":[]}}`, "cbvmda:farmList"},
	{"two temperatures", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"sensor_reporting","epcList":["` + capSer + `"],"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":1,"uom":"CEL"},{"type":"gs1:Humidity","value":1}]}]}`, "one temperature"},
	{"split not conserving", `{"type":"TransformationEvent",` + at + `"bizStep":"repackaging","inputQuantityList":[{"epcClass":"https://id.gs1.org` + capLot + `","quantity":3,"uom":"KGM"}],"outputQuantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213/10/L9","quantity":2,"uom":"KGM"}]}`, "conserves"},
	{"correction without chain hash", `{"type":"ObjectEvent",` + at + `"action":"OBSERVE","bizStep":"shipping","errorDeclaration":{"declarationTime":"2026-11-26T07:59:00Z"}}`, "ct:chainEventHash"},
}

// FuzzCaptureDocument: no document makes the reader or the mapping panic.
func FuzzCaptureDocument(f *testing.F) {
	f.Add([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[{"type":"ObjectEvent",` + at + `"action":"ADD","bizStep":"commissioning","quantityList":[{"epcClass":"https://id.gs1.org/01/09521234543213/10/L2","quantity":1e3,"uom":"KGM"}],"ilmd":{"cbvmda:lotNumber":"L2","ct:shelfLifeDays":5}}]}}`))
	f.Add([]byte(`{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"resultsBody":{"eventList":[{"type":"TransformationEvent",` + at + `"inputEPCList":["` + capSer + `"],"outputEPCList":[1]}]}}}}`))
	f.Add([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[{"type":"ObjectEvent",` + at + `"bizStep":"sensor_reporting","action":"OBSERVE","sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":1e999999,"uom":"CEL"}]}]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ReadDocument(b)
		if err != nil {
			return
		}
		c := &Capturer{Enterprise: capUSCC, View: fakeView{}, Now: func() time.Time { return capNow }}
		for _, ev := range d.Events {
			if _, err := c.Map(context.Background(), ev); err != nil {
				var ref *Refusal
				if !errors.As(err, &ref) {
					t.Fatalf("a document's fault is not a refusal: %v", err)
				}
			}
		}
	})
}

// TestDocsCaptureILMD: docs/EPCIS.md names every ILMD field a capture reads.
func TestDocsCaptureILMD(t *testing.T) {
	b, err := os.ReadFile("../docs/EPCIS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ILMDFields() {
		if !strings.Contains(string(b), "`"+f+"`") {
			t.Errorf("docs/EPCIS.md does not name the ILMD field %s", f)
		}
	}
}

// TestDocsCaptureMapping: docs/EPCIS.md's mapping table names, for each
// event type, action and step, the message the mapping gives, and every
// message the mapping gives is in the table.
func TestDocsCaptureMapping(t *testing.T) {
	b, err := os.ReadFile("../docs/EPCIS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]string{} // "type action step" → message
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| EPCIS event | chain message |") {
			in = true
			continue
		}
		if in && !strings.HasPrefix(l, "|") {
			break
		}
		cells := strings.Split(l, "|")
		if !in || len(cells) < 4 || strings.HasPrefix(cells[1], " ---") {
			continue
		}
		doc[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[2])
	}
	got := map[string]string{}
	for _, tc := range captureCases {
		if tc.refused != "" {
			continue
		}
		c := &Capturer{Enterprise: capUSCC, View: fakeView{}, Now: func() time.Time { return capNow }}
		ev := capEvent(t, tc.event)
		msg, err := c.Map(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		key := "any event with `errorDeclaration`"
		if ev["errorDeclaration"] == nil {
			action, _ := ev["action"].(string)
			step := strings.TrimPrefix(ev["bizStep"].(string), "urn:epcglobal:cbv:bizstep:")
			key = strings.Join(strings.Fields(ev["type"].(string)+" "+action+" "+step), " ")
		}
		got[key] = types.MsgName(msg)
	}
	if len(got) < 10 {
		t.Fatalf("the cases map only %d kinds of event", len(got))
	}
	if len(doc) != len(got) {
		t.Errorf("docs/EPCIS.md maps %d kinds of event, the tests map %d: %v / %v", len(doc), len(got), doc, got)
	}
	for k, m := range got {
		if doc[k] != m {
			t.Errorf("%s maps to %s; docs/EPCIS.md says %q", k, m, doc[k])
		}
	}
}
