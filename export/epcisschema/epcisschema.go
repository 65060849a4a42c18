// Package epcisschema checks EPCIS 2.0 JSON documents against GS1's JSON
// schema, which the tests of the exports read from the file named by the
// environment variable EPCIS_SCHEMA (.ci/run sets it).
//
// Usage:
//
//	s, err := epcisschema.Load(os.Getenv(epcisschema.Env))
//	err = s.Validate(doc)
//
// GS1's schema writes its patterns for ECMAScript (with look-ahead), so they
// are compiled with an ECMAScript engine rather than Go's regexp.
package epcisschema

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Env names the environment variable that holds the schema's path.
const Env = "EPCIS_SCHEMA"

// Schema is GS1's EPCIS 2.0 JSON schema, compiled.
type Schema struct{ s *jsonschema.Schema }

// Load compiles the schema in the file at path.
func Load(path string) (*Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileECMA)
	if err := c.AddResource("epcis-json-schema.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("epcis-json-schema.json")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Schema{s}, nil
}

// Validate checks a JSON document against the schema.
func (s *Schema) Validate(doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	var ve *jsonschema.ValidationError
	if err := s.s.Validate(v); errors.As(err, &ve) {
		return fmt.Errorf("not an EPCIS 2.0 document GS1's schema accepts:\n%v", ve)
	} else if err != nil {
		return err
	}
	return nil
}

// ForTest loads the schema named by EPCIS_SCHEMA. Unset, the test is
// skipped, except with CI set, where it fails: CI must check every export.
func ForTest(t testing.TB) *Schema {
	t.Helper()
	path := os.Getenv(Env)
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run names GS1's EPCIS-JSON-Schema.json", Env)
		}
		t.Skipf("%s names no GS1 EPCIS 2.0 JSON schema", Env)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	return s
}

// ecmaRegexp is an ECMAScript regular expression.
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
