package types

import (
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// reachableFields lists every field a tx can set: TxBody's and, through
// the Msg oneof, every message's, nested ones included.
func reachableFields() []string {
	seen := map[protoreflect.FullName]bool{}
	var out []string
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fs := md.Fields()
		for i := 0; i < fs.Len(); i++ {
			f := fs.Get(i)
			out = append(out, string(f.FullName()))
			if f.Message() != nil {
				walk(f.Message())
			}
		}
	}
	walk((&TxBody{}).ProtoReflect().Descriptor())
	slices.Sort(out)
	return out
}

// TestFieldsSinceV2: every field a tx could set that the v2 binary did not
// know (testdata/v2_fields.txt, listed by that binary) is declared in
// fieldSince, or belongs to a message declared in msgSince: otherwise an
// older rules version would accept a field its binary refused, and replay
// would differ. Regenerate the list only from a v2-era checkout:
//
//	V2_FIELDS_OUT=$PWD/types/testdata/v2_fields.txt go test ./types -run TestFieldsSinceV2
func TestFieldsSinceV2(t *testing.T) {
	if out := os.Getenv("V2_FIELDS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(reachableFields(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile("testdata/v2_fields.txt")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range strings.Fields(string(b)) {
		known[f] = true
	}
	for _, f := range reachableFields() {
		if known[f] {
			continue
		}
		name := protoreflect.FullName(f)
		if _, ok := fieldSince[name]; ok {
			continue
		}
		if _, ok := msgSince[name.Parent()]; ok {
			continue
		}
		if fd := (&Msg{}).ProtoReflect().Descriptor().Fields().ByName(name.Name()); name.Parent() == "coldtrace.v1.Msg" && fd != nil && fd.Message() != nil {
			if _, ok := msgSince[fd.Message().FullName()]; ok {
				continue // a Msg case whose message is new
			}
		}
		// Fields of a message type added after v2 are new with it.
		if !known[string(name.Parent())+".__type__"] && newType(string(name.Parent()), known) {
			continue
		}
		t.Errorf("%s is new since v2 but neither it nor its message is in fieldSince/msgSince", f)
	}
}

// newType: no field of the message was known to v2, so the message type
// itself is new and can only be reached through a new field or message.
func newType(msg string, known map[string]bool) bool {
	for f := range known {
		if strings.HasPrefix(f, msg+".") {
			return false
		}
	}
	return true
}
