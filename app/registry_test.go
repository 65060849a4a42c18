package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"sort"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Keys of the base state.
var (
	kRoot, kCity, kDistrict, kNingbo = testKey("root"), testKey("city"), testKey("district"), testKey("ningbo")
	kImp, kImp2, kSusp, kRevoked     = testKey("importer"), testKey("importer-2"), testKey("suspended"), testKey("revoked")
	suspendedUSCC                    = mkUSCC("91330100MA2AAAAA0")
)

// baseChain: root 330000 → cities 330100 and 330200 → district 330106;
// an importer in 330106 with two keys, one of them revoked, and a suspended
// market in 330100.
func baseChain(t testing.TB) *testChain {
	c := newTestChain(t)
	c.mustBlock(
		c.tx(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)),
		c.tx(kRoot, regRegulator(otherCityDiv, "Ningbo", kNingbo)),
	)
	c.mustBlock(
		c.tx(kCity, regRegulator(districtDiv, "Xihu", kDistrict)),
		c.tx(kDistrict, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, kImp, kImp2, kRevoked)),
		c.tx(kCity, regEnterprise(suspendedUSCC, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kSusp)),
	)
	c.mustBlock(
		c.tx(kImp, &types.MsgRevokeKey{Key: pub(kRevoked), Reason: "scanner lost"}),
		c.tx(kCity, &types.MsgSuspendEnterprise{Uscc: suspendedUSCC, Reason: "licence expired"}),
	)
	return c
}

func changedKeys(before, after map[string][]byte) []string {
	var ks []string
	for k, v := range after {
		if !bytes.Equal(before[k], v) {
			ks = append(ks, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// TestRegistryRefusals: each refusal returns its code at CheckTx and in a
// block, and leaves state unchanged except, for a tx that passed the
// signature and sequence checks, the signer's consumed sequence.
func TestRegistryRefusals(t *testing.T) {
	other := testKey("nobody")
	cases := []struct {
		name     string
		tx       func(c *testChain) []byte
		want     *types.Error
		consumes ed25519.PrivateKey // signer whose sequence a block consumes; nil when nothing changes
	}{
		{"oversized tx", func(c *testChain) []byte { return make([]byte, 65537) }, types.ErrTxTooLarge, nil},
		{"garbage bytes", func(c *testChain) []byte { return []byte("not a tx") }, types.ErrTxDecode, nil},
		{"bad signature", func(c *testChain) []byte {
			raw := c.tx(kRoot, regRegulator("330300", "Wenzhou", testKey("wz")))
			var tx types.Tx
			_ = proto.Unmarshal(raw, &tx)
			tx.Signature = ed25519.Sign(other, types.SignBytes(tx.BodyBytes))
			b, _ := proto.Marshal(&tx)
			return b
		}, types.ErrBadSignature, nil},
		{"signature without domain tag", func(c *testChain) []byte {
			raw := c.tx(kRoot, regRegulator("330300", "Wenzhou", testKey("wz")))
			var tx types.Tx
			_ = proto.Unmarshal(raw, &tx)
			tx.Signature = ed25519.Sign(kRoot, tx.BodyBytes)
			b, _ := proto.Marshal(&tx)
			return b
		}, types.ErrBadSignature, nil},
		{"wrong chain id", func(c *testChain) []byte {
			return signTx(t, kRoot, "another-chain", c.seq[string(pub(kRoot))], regRegulator("330300", "Wenzhou", testKey("wz")))
		}, types.ErrWrongChainID, nil},
		{"replayed sequence", func(c *testChain) []byte {
			return signTx(t, kRoot, testChainID, c.seq[string(pub(kRoot))]-1, regRegulator("330300", "Wenzhou", testKey("wz")))
		}, types.ErrBadSequence, nil},
		{"skipped sequence", func(c *testChain) []byte {
			return signTx(t, kRoot, testChainID, c.seq[string(pub(kRoot))]+1, regRegulator("330300", "Wenzhou", testKey("wz")))
		}, types.ErrBadSequence, nil},
		{"unregistered signer", func(c *testChain) []byte {
			return c.tx(other, regRegulator("330300", "Wenzhou", testKey("wz")))
		}, types.ErrUnknownSigner, nil},
		{"no messages", func(c *testChain) []byte { return c.tx(kRoot) }, types.ErrNoMessages, nil},
		{"malformed division", func(c *testChain) []byte {
			return c.tx(kRoot, regRegulator("33010", "Bad", testKey("wz")))
		}, types.ErrInvalidDivision, nil},
		{"malformed uscc", func(c *testChain) []byte {
			m := regEnterprise(importerUSCC, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, testKey("e"))
			m.Uscc = importerUSCC[:17] + "0"
			if m.Uscc == importerUSCC {
				m.Uscc = importerUSCC[:17] + "1"
			}
			return c.tx(kCity, m)
		}, types.ErrInvalidUSCC, nil},
		{"empty name", func(c *testChain) []byte {
			return c.tx(kRoot, regRegulator("330300", "", testKey("wz")))
		}, types.ErrInvalidField, nil},
		{"invalid key length", func(c *testChain) []byte {
			return c.tx(kImp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: []byte{1, 2, 3}})
		}, types.ErrInvalidKey, nil},
		{"suspended enterprise signs", func(c *testChain) []byte {
			return c.tx(kSusp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: suspendedUSCC, Key: pub(testKey("n"))})
		}, types.ErrSignerSuspended, kSusp},
		{"revoked key signs", func(c *testChain) []byte {
			return c.tx(kRevoked, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(testKey("n"))})
		}, types.ErrKeyRevoked, kRevoked},
		{"enterprise registers an enterprise", func(c *testChain) []byte {
			return c.tx(kImp, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, testKey("n")))
		}, types.ErrUnauthorized, kImp},
		{"city registers enterprise in another city", func(c *testChain) []byte {
			return c.tx(kCity, regEnterprise(otherCityUSCC, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, testKey("n")))
		}, types.ErrOutOfJurisdiction, kCity},
		{"city registers a sibling city", func(c *testChain) []byte {
			return c.tx(kCity, regRegulator("330300", "Wenzhou", testKey("wz")))
		}, types.ErrOutOfJurisdiction, kCity},
		{"city registers itself again", func(c *testChain) []byte {
			return c.tx(kCity, regRegulator(cityDiv, "Hangzhou again", testKey("wz")))
		}, types.ErrOutOfJurisdiction, kCity},
		{"duplicate regulator", func(c *testChain) []byte {
			return c.tx(kRoot, regRegulator(cityDiv, "Hangzhou again", testKey("wz")))
		}, types.ErrAlreadyExists, kRoot},
		{"duplicate enterprise", func(c *testChain) []byte {
			return c.tx(kCity, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, testKey("n")))
		}, types.ErrAlreadyExists, kCity},
		{"key already registered", func(c *testChain) []byte {
			return c.tx(kCity, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, kImp))
		}, types.ErrAlreadyExists, kCity},
		{"revoked key registered again", func(c *testChain) []byte {
			return c.tx(kImp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(kRevoked)})
		}, types.ErrKeyRevoked, kImp},
		{"key added outside jurisdiction", func(c *testChain) []byte {
			return c.tx(kNingbo, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(testKey("n"))})
		}, types.ErrOutOfJurisdiction, kNingbo},
		{"district revokes its city's key", func(c *testChain) []byte {
			return c.tx(kDistrict, &types.MsgRevokeKey{Key: pub(kCity), Reason: "no"})
		}, types.ErrOutOfJurisdiction, kDistrict},
		{"enterprise revokes another's key", func(c *testChain) []byte {
			return c.tx(kImp, &types.MsgRevokeKey{Key: pub(kSusp), Reason: "no"})
		}, types.ErrUnauthorized, kImp},
		{"revoke unknown key", func(c *testChain) []byte {
			return c.tx(kImp, &types.MsgRevokeKey{Key: pub(other), Reason: "no"})
		}, types.ErrNotFound, kImp},
		{"revoke the last key", func(c *testChain) []byte {
			return c.tx(kCity, &types.MsgRevokeKey{Key: pub(kSusp), Reason: "leaving"})
		}, types.ErrLastKey, kCity},
		{"suspend a suspended enterprise", func(c *testChain) []byte {
			return c.tx(kCity, &types.MsgSuspendEnterprise{Uscc: suspendedUSCC, Reason: "again"})
		}, types.ErrInvalidState, kCity},
		{"reinstate an active enterprise", func(c *testChain) []byte {
			return c.tx(kCity, &types.MsgReinstateEnterprise{Uscc: importerUSCC, Reason: "why"})
		}, types.ErrInvalidState, kCity},
		{"suspend an unknown enterprise", func(c *testChain) []byte {
			return c.tx(kCity, &types.MsgSuspendEnterprise{Uscc: marketUSCC, Reason: "x"})
		}, types.ErrNotFound, kCity},
		{"suspend outside jurisdiction", func(c *testChain) []byte {
			return c.tx(kNingbo, &types.MsgSuspendEnterprise{Uscc: importerUSCC, Reason: "x"})
		}, types.ErrOutOfJurisdiction, kNingbo},
		{"second message refused, first undone", func(c *testChain) []byte {
			return c.tx(kCity,
				regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, testKey("m")),
				regEnterprise(otherCityUSCC, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, testKey("n")))
		}, types.ErrOutOfJurisdiction, kCity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := baseChain(t)
			before, hashBefore := dumpAt(t, c.app, c.app.tree.Version()), c.appHash()
			raw := tc.tx(c)

			chk, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if err != nil || chk.Code != tc.want.Code {
				t.Fatalf("CheckTx: code %d (%s), want %d (%s)", chk.Code, chk.Log, tc.want.Code, tc.want.Name)
			}
			if chk.Codespace != types.Codespace || chk.Log == "" {
				t.Fatalf("CheckTx: codespace %q log %q", chk.Codespace, chk.Log)
			}
			res := c.block(raw)
			if res[0].Code != tc.want.Code {
				t.Fatalf("FinalizeBlock: code %d (%s), want %d", res[0].Code, res[0].Log, tc.want.Code)
			}
			if len(res[0].Events) != 0 {
				t.Fatalf("a refused tx emitted events: %v", res[0].Events)
			}
			changed := changedKeys(before, dumpAt(t, c.app, c.app.tree.Version()))
			if tc.consumes == nil {
				if len(changed) != 0 || !bytes.Equal(hashBefore, c.appHash()) {
					t.Fatalf("state changed: keys %q", changed)
				}
				return
			}
			acctKey := string(state.AccountKey(pub(tc.consumes)))
			if len(changed) != 1 || changed[0] != acctKey {
				t.Fatalf("changed keys %q, want only the signer's account", changed)
			}
			var old, now types.Account
			_ = proto.Unmarshal(before[acctKey], &old)
			_ = proto.Unmarshal(dumpAt(t, c.app, c.app.tree.Version())[acctKey], &now)
			old.Sequence++
			if !proto.Equal(&old, &now) {
				t.Fatalf("account %v, want %v (only the sequence consumed)", &now, &old)
			}
			// The consumed sequence makes the same tx a replay from now on.
			if again := c.block(raw); again[0].Code != types.ErrBadSequence.Code {
				t.Fatalf("replay after refusal: code %d, want bad sequence", again[0].Code)
			}
		})
	}
}

// TestRegistryLifecycle walks the successful paths and checks the records.
func TestRegistryLifecycle(t *testing.T) {
	c := baseChain(t)
	kNew := testKey("importer-3")

	// An enterprise adds a key to itself; the new key can sign at once.
	c.mustBlock(c.tx(kImp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(kNew), Label: "dock 3"}))
	c.mustBlock(c.tx(kNew, &types.MsgRevokeKey{Key: pub(kImp2), Reason: "scanner retired"}))
	ent := queryRecord[*types.Enterprise](t, c, "/registry/enterprise/"+importerUSCC)
	if ent.ActiveKeys != 2 || ent.RegisteredBy != districtDiv || ent.Kind != types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER {
		t.Fatalf("enterprise = %v", ent)
	}
	keys := queryRecord[*types.KeysPage](t, c, "/registry/keys/enterprise/"+importerUSCC)
	if len(keys.Accounts) != 4 {
		t.Fatalf("keys = %v", keys)
	}
	revoked := 0
	for _, a := range keys.Accounts {
		if a.Revoked {
			revoked++
		}
	}
	if revoked != 2 {
		t.Fatalf("%d revoked keys, want 2", revoked)
	}

	// Suspension stops every key of the enterprise; reinstatement restores them.
	c.mustBlock(c.tx(kRoot, &types.MsgSuspendEnterprise{Uscc: importerUSCC, Reason: "inspection"}))
	if r := c.block(c.tx(kImp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(testKey("x"))})); r[0].Code != types.ErrSignerSuspended.Code {
		t.Fatalf("suspended signer: code %d", r[0].Code)
	}
	c.mustBlock(c.tx(kDistrict, &types.MsgReinstateEnterprise{Uscc: importerUSCC, Reason: "passed"}))
	c.mustBlock(c.tx(kImp, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: importerUSCC, Key: pub(testKey("x"))}))
	ent = queryRecord[*types.Enterprise](t, c, "/registry/enterprise/"+importerUSCC)
	if ent.Status != types.Status_STATUS_ACTIVE || ent.StatusReason != "passed" || ent.StatusHeight != c.height-1 {
		t.Fatalf("enterprise after reinstatement = %v", ent)
	}

	// A regulator above revokes a regulator's key after adding a new one.
	c.mustBlock(c.tx(kRoot, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_REGULATOR, OwnerId: cityDiv, Key: pub(testKey("city-2"))}))
	c.mustBlock(c.tx(kRoot, &types.MsgRevokeKey{Key: pub(kCity), Reason: "officer left"}))
	acct := queryRecord[*types.Account](t, c, "/registry/account/"+hexKey(kCity))
	if !acct.Revoked || acct.Sequence == 0 {
		t.Fatalf("revoked account = %v", acct)
	}

	// The account query reports the next sequence to sign with.
	acct = queryRecord[*types.Account](t, c, "/registry/account/"+hexKey(kRoot))
	if acct.Sequence != c.seq[string(pub(kRoot))] {
		t.Fatalf("root sequence %d, want %d", acct.Sequence, c.seq[string(pub(kRoot))])
	}
}

// TestEnterprisesPaging lists a jurisdiction page by page.
func TestEnterprisesPaging(t *testing.T) {
	c := baseChain(t)
	var txs [][]byte
	for i := 0; i < 5; i++ {
		u := mkUSCC("91330106MA2B" + string(rune('A'+i)) + "0000")
		txs = append(txs, c.tx(kDistrict, regEnterprise(u, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, testKey(u))))
	}
	c.mustBlock(txs...)
	var all []string
	after := ""
	for page := 0; ; page++ {
		p := queryRecord[*types.EnterprisesPage](t, c, "/registry/enterprises/3301?limit=2&after="+after)
		for _, e := range p.Enterprises {
			all = append(all, e.Division+"/"+e.Uscc)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 7 || !sort.StringsAreSorted(all) {
		t.Fatalf("listed %d enterprises (want 7, sorted): %v", len(all), all)
	}
	if q := c.query("/registry/enterprises/3301?limit=0", false); q.Code != types.ErrBadQuery.Code {
		t.Fatalf("limit 0: code %d", q.Code)
	}
	if q := c.query("/registry/enterprises/330", false); q.Code != types.ErrBadQuery.Code {
		t.Fatalf("3-digit prefix: code %d", q.Code)
	}
}

func hexKey(k ed25519.PrivateKey) string {
	const digits = "0123456789abcdef"
	var b []byte
	for _, x := range pub(k) {
		b = append(b, digits[x>>4], digits[x&15])
	}
	return string(b)
}

func queryRecord[M proto.Message](t *testing.T, c *testChain, path string) M {
	t.Helper()
	var m M
	m = m.ProtoReflect().Type().New().Interface().(M)
	q := c.query(path, false)
	if q.Code != 0 {
		t.Fatalf("query %s: code %d: %s", path, q.Code, q.Log)
	}
	if err := proto.Unmarshal(q.Value, m); err != nil {
		t.Fatal(err)
	}
	return m
}
