package testnet

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
)

// TestNodeAnswersWithDocumentedCodes: on a real node, what the mempool sees
// first is answered by the app with the codes docs/ERRORS.md gives: a tx
// above the chain's max_tx_bytes gets code 2 (the mempool's own limit is
// higher), an empty tx code 3, a non-canonical one code 40.
func TestNodeAnswersWithDocumentedCodes(t *testing.T) {
	n := testnode.Start(t, "limits-e2e")
	ctx := context.Background()
	acct, err := n.Client.Account(ctx, pub(n.Root))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []proto.Message
	for i := 0; i < 99; i++ {
		m := regEnterpriseMsg(mkUSCC(fmt.Sprintf("91330100MA%07d", i)), "330100", pub(testKey(fmt.Sprint("big", i))))
		m.Name = strings.Repeat("冷", 66) // 198 bytes
		for k := 0; k < 15; k++ {
			m.Keys = append(m.Keys, pub(testKey(fmt.Sprint("big", i, k))))
		}
		msgs = append(msgs, m)
	}
	big, err := client.SignTx(n.Root, "limits-e2e", acct.Sequence, strings.Repeat("m", 200), msgs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) <= 65536 {
		t.Fatalf("the tx has %d bytes; make it larger than the chain's limit", len(big))
	}
	good, err := client.SignTx(n.Root, "limits-e2e", acct.Sequence, "", msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	// The outer Tx with its two fields swapped: the same signed body, another encoding.
	var tx types.Tx
	if err := proto.Unmarshal(good, &tx); err != nil {
		t.Fatal(err)
	}
	swapped := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), tx.Signature)
	swapped = protowire.AppendBytes(protowire.AppendTag(swapped, 1, protowire.BytesType), tx.BodyBytes)
	for _, tc := range []struct {
		name string
		raw  []byte
		want *types.Error
	}{
		{"larger than max_tx_bytes", big, types.ErrTxTooLarge},
		{"empty", []byte{}, types.ErrTxDecode},
		{"non-canonical", swapped, types.ErrNotCanonical},
	} {
		res, err := n.Client.RPC().BroadcastTxSync(ctx, tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Code != tc.want.Code || res.Codespace != types.Codespace {
			t.Errorf("%s: code %d (%s) %q, want %d", tc.name, res.Code, res.Codespace, res.Log, tc.want.Code)
		}
	}
}
