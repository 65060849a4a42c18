package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net/url"
	"os"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// A scanner's key signs a receipt; the tx is bound to the chain id and the
// key's sequence, so it cannot be replayed or sent to another chain.
func ExampleSignTx() {
	seed := sha256.Sum256([]byte("dock scanner 3"))
	key := ed25519.NewKeyFromSeed(seed[:])
	raw, err := client.SignTx(key, "coldtrace-local", 7, "pallet 42",
		&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{
			{Code: "/01/09521234543213/10/B1/21/0001", Quantity: 500},
		}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes, tx hash %X\n", len(raw), types.TxHash(raw)[:8])
	// Output: 177 bytes, tx hash 72952A76E3BCF22E
}

// An ERP sends many scan events from one key without waiting for each
// block: a Signer counts the key's sequence itself.
func ExampleSigner() {
	ctx := context.Background()
	c, err := client.Dial("tcp://127.0.0.1:26657")
	if err != nil {
		panic(err)
	}
	// The home's keyring is encrypted (backend "file"): a service reads the
	// passphrase from a file only it can read.
	pass, err := os.ReadFile("/etc/erp/coldtrace.pass")
	if err != nil {
		panic(err)
	}
	kr, err := client.OpenKeyring("/home/erp/.coldtrace", client.KeyringOptions{
		Passphrase: client.StaticPassphrase(bytes.TrimSpace(pass)),
	})
	if err != nil {
		panic(err)
	}
	key, err := kr.Get("scanner1")
	if err != nil {
		panic(err)
	}
	s := c.Signer(key)
	var last *client.TxResult
	for _, code := range []string{"/01/09521234543213/10/B1/21/0001", "/01/09521234543213/10/B1/21/0002"} {
		if last, err = s.Broadcast(ctx, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL,
			Items: []*types.CodeQuantity{{Code: code, Quantity: 500}}}); err != nil {
			panic(err)
		}
	}
	res, err := c.Wait(ctx, last.Hash)
	fmt.Println(res.Height, err)
}

// An auditor reads a code's whole history and checks it against the
// validators' signatures, starting from the genesis they trust.
func ExampleClient_VerifiedQuery() {
	ctx := context.Background()
	c, err := client.Dial("tcp://127.0.0.1:26657")
	if err != nil {
		panic(err)
	}
	trust, err := client.LoadGenesisTrust("genesis.json")
	if err != nil {
		panic(err)
	}
	headers, err := c.NewHeaders(ctx, trust)
	if err != nil {
		panic(err)
	}
	v, err := c.VerifiedQuery(ctx, "/trace/history?limit=1000&code="+url.QueryEscape("/01/09521234543213/10/B1/21/0001"), headers)
	if err != nil {
		panic(err) // a forged record, proof, header or signature ends here
	}
	fmt.Println(v.Summary())
}
