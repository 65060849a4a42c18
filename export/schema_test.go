package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/export/epcisschema"
)

// TestEPCISSchema: every export GS1's schema accepts — the whole fixture,
// each code alone, and the empty document.
func TestEPCISSchema(t *testing.T) {
	s := epcisschema.ForTest(t)
	f := newFixture(t)
	hs := f.histories()
	docs := map[string][]byte{"all": exportEPCIS(t, hs, fixtureOptions()), "none": exportEPCIS(t, nil, fixtureOptions())}
	for _, h := range hs {
		docs[h.Code.Code] = exportEPCIS(t, []History{h}, fixtureOptions())
	}
	for name, doc := range docs {
		if err := s.Validate(doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestEPCISSchemaRejects: the check can fail — a document with an action
// EPCIS lacks, or an event without its time, is refused.
func TestEPCISSchemaRejects(t *testing.T) {
	s := epcisschema.ForTest(t)
	doc := exportEPCIS(t, newFixture(t).histories(), fixtureOptions())
	for name, bad := range map[string][]byte{
		"action":    bytes.Replace(doc, []byte(`"action": "OBSERVE"`), []byte(`"action": "MOVE"`), 1),
		"eventTime": bytes.Replace(doc, []byte(`"eventTime"`), []byte(`"eventTimes"`), 1),
		"uom":       bytes.Replace(doc, []byte(`"uom": "KGM"`), []byte(`"uom": "kilogram"`), -1),
	} {
		if bytes.Equal(bad, doc) {
			t.Fatalf("%s: nothing replaced", name)
		}
		if err := s.Validate(bad); err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("%s: a broken document passed (%v)", name, err)
		}
	}
}
