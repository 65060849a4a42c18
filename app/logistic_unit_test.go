package app

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/coldtrace/coldtrace/types"
)

// TestEveryMessageOnAPallet: every message type, naming a pallet (an SSCC
// logistic unit held by a supervision warehouse) wherever it takes a code,
// signed by the warehouse, a regulator, the importer and a market, under
// the latest rules. None may fail inside the node (code 1): each acts on
// the pallet or refuses it with a code that says what to do.
func TestEveryMessageOnAPallet(t *testing.T) {
	c := newSVChainRules(t, nil, types.LatestRules)
	svParties(c)
	const decl = "310120230000666666"
	c.ok(c.tx(kSVCustoms, svDeclare(decl, 100_000)))
	c.ok(c.tx(kImp, svCommission("EC-U", svImportedFacts(decl), 2, 10_000)))
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(svCode("EC-U", svSerial(1)), 10_000, svCode("EC-U", svSerial(2)), 10_000)}))
	svReceiveAll(t, c, kSVWH, svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(svUnit, 1)}))))

	signers := []struct {
		name string
		key  ed25519.PrivateKey
	}{{"warehouse", kSVWH}, {"district", kDistrict}, {"importer", kImp}, {"market", kMarket}}
	named, refused := 0, map[uint32]int{}
	for _, fd := range bxMsgFields() {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(fd.Message().FullName())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range signers {
			m := mt.New()
			if !onPallet(m) {
				break
			}
			res := c.block(c.tx(s.key, m.Interface()))[0]
			// A tx refused before its handlers does not use its sequence.
			acct, err := snapshotState(t, c.app).Account(pub(s.key))
			if err != nil || acct == nil {
				t.Fatalf("%s's account: %v", s.name, err)
			}
			c.seq[string(pub(s.key))] = acct.Sequence
			if res.Code == types.ErrInternal.Code {
				t.Errorf("%s signed by the %s: the node failed (code 1): %s", fd.Name(), s.name, res.Log)
			}
			refused[res.Code]++
		}
		if onPallet(mt.New()) {
			named++
		}
	}
	if named < 10 || refused[types.ErrLogisticUnit.Code] < 5 {
		t.Fatalf("%d message types name a code, results %v: the test no longer reaches the handlers", named, refused)
	}
	t.Logf("%d message types, results by code: %v", named, refused)
}

// onPallet fills m's code fields with the pallet, and the fields a handler
// needs to get that far with plausible values; it says whether m takes a
// code at all.
func onPallet(m protoreflect.Message) bool {
	takes := false
	fs := m.Descriptor().Fields()
	for i := 0; i < fs.Len(); i++ {
		fd := fs.Get(i)
		name := string(fd.Name())
		switch {
		case fd.Kind() == protoreflect.StringKind && fd.IsList() && (name == "codes" || name == "units"):
			m.Mutable(fd).List().Append(protoreflect.ValueOfString(svUnit))
			takes = true
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && (name == "code" || name == "parent" || name == "unit"):
			m.Set(fd, protoreflect.ValueOfString(svUnit))
			takes = true
		case fd.Kind() == protoreflect.MessageKind && fd.IsList() && (name == "items" || name == "received"):
			el := m.Mutable(fd).List().NewElement()
			if onPallet(el.Message()) {
				m.Mutable(fd).List().Append(el)
				takes = true
			}
		case fd.Kind() == protoreflect.StringKind && name == "holder":
			m.Set(fd, protoreflect.ValueOfString(svWHUSCC))
		case fd.Kind() == protoreflect.StringKind && name == "buyer":
			m.Set(fd, protoreflect.ValueOfString(marketUSCC))
		case fd.Kind() == protoreflect.StringKind && (name == "reason" || name == "method" || name == "note" || name == "disinfection_certificate"):
			m.Set(fd, protoreflect.ValueOfString(fmt.Sprintf("test %s", name)))
		case fd.Kind() == protoreflect.Uint64Kind && name == "quantity":
			m.Set(fd, protoreflect.ValueOfUint64(1))
		}
	}
	return takes
}
