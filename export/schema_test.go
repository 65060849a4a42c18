package export

import (
	"bytes"
	"os"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ecmaRegexp is an ECMAScript regular expression: GS1's schema uses
// look-ahead, which Go's regexp lacks.
type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileECMA(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*ecmaRegexp)(re), nil
}

// epcisSchema compiles GS1's EPCIS 2.0 JSON schema from the file named by
// EPCIS_SCHEMA. Without it the test is skipped, except under CI, where a
// missing schema fails.
func epcisSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := os.Getenv("EPCIS_SCHEMA")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("EPCIS_SCHEMA is not set: .ci/run names GS1's EPCIS-JSON-Schema.json")
		}
		t.Skip("EPCIS_SCHEMA names no GS1 EPCIS 2.0 JSON schema")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("EPCIS_SCHEMA: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("EPCIS_SCHEMA %s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileECMA)
	if err := c.AddResource("epcis-schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("epcis-schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

// validEPCIS fails the test unless out is an EPCIS document GS1's schema accepts.
func validEPCIS(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("the export breaks GS1's EPCIS 2.0 schema:\n%v", err)
	}
}

func TestEPCISSchema(t *testing.T) {
	s := epcisSchema(t)
	f := newFixture(t)
	validEPCIS(t, s, exportEPCIS(t, f.histories(), fixtureOptions()))
}
