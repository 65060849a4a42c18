package station

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// FuzzRelayBody: whatever bytes a phone posts, the relay's check answers
// without panicking, and passes only txs that decode with a valid
// signature.
func FuzzRelayBody(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	good, _ := client.SignTx(key, "c", 3, "m", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{{Code: "/01/09521234543213/10/B1/21/S1", Quantity: 5}}})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte("\x0a\x00\x12\x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := checkRelayed(raw, "c"); err == nil {
			if _, err := types.DecodeTx(raw, types.Limits{ChainID: "c", MaxTxBytes: MaxTxBytes, MaxMsgsPerTx: 100}, true); err != nil {
				t.Fatalf("passed a tx the chain's decoder refuses: %v", err)
			}
		}
	})
}

// FuzzReadAuth: any X-Station-Auth header is read without panicking, and
// only a signature over the request verifies.
func FuzzReadAuth(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.UnixMilli(1764000000000)
	f.Add(ReadAuth(key, now, "/scan/api/inbound"), "/scan/api/inbound")
	f.Add("..", "/")
	f.Add("00.1.00", "/scan/api/code?code=x")
	f.Fuzz(func(t *testing.T, h, uri string) {
		pub, err := parseReadAuth(h, now, uri)
		if err == nil && len(pub) != ed25519.PublicKeySize {
			t.Fatalf("accepted a key of %d bytes", len(pub))
		}
	})
}
