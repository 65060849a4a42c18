package app

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// sm2Tx signs msgs with an SM2 key at sequence seq.
func sm2Tx(t *testing.T, k client.Key, seq uint64, msgs ...proto.Message) []byte {
	t.Helper()
	body := &types.TxBody{ChainId: testChainID, Sequence: seq}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	raw, err := client.SignBodyWith(k, body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestSM2Accounts (rules v3): an enterprise registered with an SM2 key
// signs with it; a signature by another SM2 key, or an ed25519 signature
// claiming SM2, is refused; under v2 SM2 keys do not exist.
func TestSM2Accounts(t *testing.T) {
	k, err := client.GenerateSM2Key()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := client.GenerateSM2Key()
	const uscc = "91330106MA2CM2CM2X"
	u := mkUSCC(uscc[:17])
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	reg := &types.MsgRegisterEnterprise{Uscc: u, Name: "SM2 Importer", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, Division: districtDiv, Keys: [][]byte{k.PublicKey()}}
	c.ok(c.tx(kDistrict, reg))
	com := svCommission("CN-SM2", svDomesticFacts(), 1, 1000)
	com.Codes[0].Code = "/01/" + gtin + "/10/CN-SM2/21/0001"
	res := c.block(sm2Tx(t, k, 0, com))[0]
	if res.Code != 0 {
		t.Fatalf("commission signed with SM2: code %d %s", res.Code, res.Log)
	}
	if r := record(t, c.app, com.Codes[0].Code); r == nil || r.HeldBy(u) != 1000 {
		t.Fatalf("record %v", r)
	}
	// A signature by another key under this key's name.
	forged := sm2Tx(t, other, 1, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(com.Codes[0].Code, 1)})
	var tx types.Tx
	if err := proto.Unmarshal(forged, &tx); err != nil {
		t.Fatal(err)
	}
	var body types.TxBody
	_ = proto.Unmarshal(tx.BodyBytes, &body)
	body.Signer = k.PublicKey()
	bb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&body)
	sig, _ := other.Sign(types.SignBytes(bb))
	forged, _ = proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: sig})
	if code := svCheckCode(t, c, forged); code != types.ErrBadSignature.Code {
		t.Fatalf("forged SM2 signature: code %d", code)
	}
	// An ed25519 key that says it is SM2.
	body = types.TxBody{ChainId: testChainID, Signer: pub(kImp), KeyAlgorithm: types.KeyAlgorithm_KEY_ALGORITHM_SM2, Messages: []*types.Msg{types.WrapMsg(&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(com.Codes[0].Code, 1)})}}
	bb, _ = proto.MarshalOptions{Deterministic: true}.Marshal(&body)
	raw, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: make([]byte, 64)})
	if code := svCheckCode(t, c, raw); code != types.ErrInvalidKey.Code {
		t.Fatalf("ed25519 key claiming SM2: code %d", code)
	}

	v2 := newSVChainRules(t, nil, types.RulesV2)
	svParties(v2)
	if code := svCheckCode(t, v2, v2.tx(kDistrict, reg)); code != types.ErrInvalidKey.Code {
		t.Fatalf("registering an SM2 key under v2: code %d", code)
	}
	if code := svCheckCode(t, v2, sm2Tx(t, k, 0, com)); code != types.ErrTxDecode.Code {
		t.Fatalf("an SM2-signed tx under v2: code %d", code)
	}
}
