package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Parties of the supervision tests, besides those of baseChain and
// traceChain (root, city 330100, Ningbo 330200, Xihu 330106, the importer,
// market, shop and restaurant in 330106).
var (
	kSVCustoms = testKey("customs")
	kSVWH      = testKey("sv warehouse")           // supervision warehouse, Hangzhou 330100
	kSVWH2     = testKey("sv warehouse ningbo")    // supervision warehouse, Ningbo 330200
	kSVShop2   = testKey("sv shop shangcheng")     // supermarket, Shangcheng 330102
	kSVDiner2  = testKey("sv restaurant ningbo")   // restaurant, Ningbo 330200
	svWHUSCC   = mkUSCC("91330100MA2KWHAA0")       // supervision warehouse
	svWH2USCC  = mkUSCC("91330200MA2KWHBB0")       // supervision warehouse in Ningbo
	svShop2    = mkUSCC("91330102MA2KTTTT0")       // supermarket in 330102
	svDiner2   = mkUSCC("91330200MA2KRRRR0")       // restaurant in 330200
	svStart    = time.Unix(1_700_000_000, 0).UTC() // 2023-11-14T22:13:20Z
)

// Declaration numbers of the supervision tests.
const (
	svDecl      = "310120230000123456" // the main batch's, 100 000 g
	svDeclSpare = "310120230000222222" // never cited in the setup, 50 000 g
	svDeclSmall = "310120230000333333" // cited by the one-code batches, 4 000 g
	svMainBatch = "EC-2023-10"
)

// svChain is a testChain whose block times the test controls: each block
// is one second after the previous one unless the test names a time.
type svChain struct {
	*testChain
	now      time.Time
	genesis  []byte
	recorded []goldenRecord // every block, for a golden chain
	events   []abci.Event   // every block's and tx's events, in order
}

// newSVChain starts a chain whose genesis names customs; params nil means
// the default parameters.
func newSVChain(t *testing.T, params *types.Params) *svChain {
	t.Helper()
	return newSVChainRules(t, params, 0)
}

// newSVChainRules is newSVChain under a rules version (0: the first).
func newSVChainRules(t *testing.T, params *types.Params, rules uint32) *svChain {
	t.Helper()
	if params == nil {
		params = types.DefaultParams()
	}
	c := &testChain{t: t, app: NewInMemory(), seq: map[string]uint64{}}
	g := &types.GenesisState{
		Params:        params,
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(testKey("root"))}},
		Customs:       &types.GenesisCustoms{Name: "Customs", Keys: [][]byte{pub(kSVCustoms)}},
		RulesVersion:  rules,
	}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState}); err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	return &svChain{testChain: c, now: svStart, genesis: appState}
}

// at runs one block at the given time (FinalizeBlock and Commit).
func (c *svChain) at(when time.Time, txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	c.now = when.UTC()
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.height, Time: c.now, Txs: txs})
	if err != nil {
		c.t.Fatalf("FinalizeBlock %d: %v", c.height, err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatalf("Commit %d: %v", c.height, err)
	}
	rec := goldenRecord{Height: c.height, Time: c.now, Txs: txs, AppHash: res.AppHash}
	c.events = append(c.events, res.Events...)
	for _, r := range res.TxResults {
		rec.Codes = append(rec.Codes, r.Code)
		c.events = append(c.events, r.Events...)
	}
	c.recorded = append(c.recorded, rec)
	return res.TxResults
}

// block runs one block a second after the last.
func (c *svChain) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	return c.at(c.now.Add(time.Second), txs...)
}

// mustBlock runs one block and fails unless every tx succeeded.
func (c *svChain) mustBlock(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	res := c.block(txs...)
	for i, r := range res {
		if r.Code != 0 {
			c.t.Fatalf("block %d tx %d: code %d: %s", c.height, i, r.Code, r.Log)
		}
	}
	return res
}

// ok runs one tx in its own block and fails unless it succeeded.
func (c *svChain) ok(tx []byte) *abci.ExecTxResult {
	c.t.Helper()
	return c.mustBlock(tx)[0]
}

// refused runs one tx in its own block and fails unless it was refused with want.
func (c *svChain) refused(tx []byte, want *types.Error) *abci.ExecTxResult {
	c.t.Helper()
	r := c.block(tx)[0]
	if r.Code != want.Code {
		c.t.Fatalf("height %d: code %d (%s), want %d (%s)", c.height, r.Code, r.Log, want.Code, want.Name)
	}
	return r
}

// svParties registers the regulators and enterprises the supervision tests
// use: root → Hangzhou 330100, Ningbo 330200 → Xihu 330106; the importer,
// market, shop and restaurant in 330106; the supervision warehouses in
// 330100 and 330200; a supermarket in 330102 and a restaurant in 330200.
func svParties(c *svChain) {
	c.t.Helper()
	c.mustBlock(
		c.tx(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)),
		c.tx(kRoot, regRegulator(otherCityDiv, "Ningbo", kNingbo)),
	)
	c.mustBlock(
		c.tx(kCity, regRegulator(districtDiv, "Xihu", kDistrict)),
		c.tx(kCity, regEnterprise(svWHUSCC, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, kSVWH)),
		c.tx(kCity, regEnterprise(svShop2, "330102", types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, kSVShop2)),
		c.tx(kNingbo, regEnterprise(svWH2USCC, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, kSVWH2)),
		c.tx(kNingbo, regEnterprise(svDiner2, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kSVDiner2)),
	)
	c.mustBlock(
		c.tx(kDistrict, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, kImp)),
		c.tx(kDistrict, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kMarket)),
		c.tx(kDistrict, regEnterprise(shopUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, kShop)),
		c.tx(kDistrict, regEnterprise(dinerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kDiner)),
	)
}

// svCode is the GS1 code of a serial in a batch of the test GTIN.
func svCode(batch, serial string) string { return "/01/" + gtin + "/10/" + batch + "/21/" + serial }

// svMain is a code of the main imported batch.
func svMain(serial string) string { return svCode(svMainBatch, serial) }

// svImportedFacts are frozen shrimp from Ecuador (supervised), citing a
// declaration, with every release condition but the disinfection certificate.
func svImportedFacts(declaration string) *types.ProductFacts {
	doc := sha256.Sum256([]byte("port lab report"))
	return &types.ProductFacts{
		Name: "Frozen white shrimp", Category: "frozen seafood", Gtin: gtin, OriginCountry: "EC",
		ProductionDate: "2023-10-01", ShelfLifeDays: 730, Supplier: "Guayaquil Seafood S.A.",
		CertificateOfOrigin: "EC-2023-1188", CustomsDeclaration: declaration,
		InspectionCertificate: "IQ-310100-2023-0042",
		NucleicAcidTest:       &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Shanghai Port Lab", Date: "2023-10-20", DocumentHash: doc[:]},
		TempMinCenti:          -3000, TempMaxCenti: -1800,
	}
}

// svDomesticFacts are frozen goods of domestic origin (no warehouse needed).
func svDomesticFacts() *types.ProductFacts {
	return &types.ProductFacts{
		Name: "Frozen hairtail", Category: "frozen fish", Gtin: gtin, OriginCountry: "CN",
		ProductionDate: "2023-10-01", ShelfLifeDays: 540, Supplier: "Zhoushan Fisheries",
	}
}

// svDeclare is customs' declaration of imported shrimp for the importer.
func svDeclare(number string, q uint64) *types.MsgDeclare {
	return &types.MsgDeclare{Number: number, Port: "Shanghai Yangshan", Date: "2023-10-25", Goods: "frozen white shrimp",
		Gtin: gtin, Quantity: q, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, OriginCountry: "EC", Importer: importerUSCC}
}

// svCommission commissions n codes of q grams each (serials 0001..) of a batch.
func svCommission(batch string, facts *types.ProductFacts, n int, q uint64) *types.MsgCommission {
	m := &types.MsgCommission{Batch: batch, Facts: facts}
	for i := 1; i <= n; i++ {
		m.Codes = append(m.Codes, &types.NewCode{Code: svCode(batch, svSerial(i)), Quantity: q, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
	}
	return m
}

func svSerial(i int) string { return fmt.Sprintf("%04d", i) }

// svPositive is a positive lab test of codes.
func svPositive(codes ...string) *types.MsgRecordTest {
	return &types.MsgRecordTest{Codes: codes, Kind: types.TestKind_TEST_KIND_SAMPLING, Result: types.TestResult_TEST_RESULT_POSITIVE,
		Lab: "Hangzhou CDC", SampleId: "S-1115-03", TestName: "SARS-CoV-2 nucleic acid"}
}

// svItems builds dispatch or receipt items from code, quantity pairs.
func svItems(pairs ...any) []*types.CodeQuantity {
	var out []*types.CodeQuantity
	for i := 0; i+1 < len(pairs); i += 2 {
		var q uint64
		switch v := pairs[i+1].(type) {
		case int:
			q = uint64(v)
		case uint64:
			q = v
		}
		out = append(out, &types.CodeQuantity{Code: pairs[i].(string), Quantity: q})
	}
	return out
}

// svConsignment is the consignment id a dispatch result names.
func svConsignment(t *testing.T, res *abci.ExecTxResult) []byte {
	t.Helper()
	ids := attr(t, res, "dispatch", "consignment")
	if len(ids) != 1 {
		t.Fatalf("dispatch events name consignments %v", ids)
	}
	return mustHex(t, ids[0])
}

// svReceiveMsg is a MsgReceive taking in a whole consignment.
func svReceiveMsg(t *testing.T, c *svChain, con []byte) *types.MsgReceive {
	t.Helper()
	var got types.Consignment
	q := c.query("/trace/consignment/"+hex.EncodeToString(con), false)
	if q.Code != 0 {
		t.Fatalf("consignment %X: %s", con, q.Log)
	}
	if err := proto.Unmarshal(q.Value, &got); err != nil {
		t.Fatal(err)
	}
	return &types.MsgReceive{Consignment: con, Received: got.Items}
}

// svReceiveAll receives a consignment in full, in its own block.
func svReceiveAll(t *testing.T, c *svChain, key ed25519.PrivateKey, con []byte) *abci.ExecTxResult {
	t.Helper()
	return c.ok(c.tx(key, svReceiveMsg(t, c, con)))
}

// svCheckCode runs CheckTx as for a new tx and returns its code.
func svCheckCode(t *testing.T, c *svChain, raw []byte) uint32 {
	t.Helper()
	res, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		t.Fatal(err)
	}
	return res.Code
}

// svRecord queries a code record (it must exist).
func svRecord(t *testing.T, c *svChain, code string) *types.CodeRecord {
	t.Helper()
	return queryRecord[*types.CodeRecord](t, c.testChain, "/trace/code?code="+url.QueryEscape(code))
}

// svOpenAlerts lists every open alert under a prefix, page by page.
func svOpenAlerts(t *testing.T, c *svChain, prefix string) []*types.Alert {
	t.Helper()
	var out []*types.Alert
	after := ""
	for i := 0; ; i++ {
		p := queryRecord[*types.AlertList](t, c.testChain, "/supervision/alerts/"+prefix+"?limit=100&after="+url.QueryEscape(after))
		out = append(out, p.Alerts...)
		if p.Next == "" {
			return out
		}
		after = p.Next
		if i > 100 {
			t.Fatal("alert paging does not end")
		}
	}
}

// svAlertsOf filters alerts by kind.
func svAlertsOf(alerts []*types.Alert, kind types.AlertKind) []*types.Alert {
	var out []*types.Alert
	for _, a := range alerts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// svAlertIDs reads the ids of the alerts a tx result raised.
func svAlertIDs(t *testing.T, res *abci.ExecTxResult) []string {
	t.Helper()
	return attr(t, res, "alert", "id")
}

// svHolds lists the holds index under a prefix (DIVISION+CODE entries).
func svHolds(t *testing.T, c *svChain, prefix string) []string {
	t.Helper()
	var out []string
	after := ""
	for i := 0; ; i++ {
		p := queryRecord[*types.CodeList](t, c.testChain, "/supervision/holds/"+prefix+"?limit=3&after="+url.QueryEscape(after))
		out = append(out, p.Codes...)
		if p.Next == "" {
			return out
		}
		after = p.Next
		if i > 1000 {
			t.Fatal("holds paging does not end")
		}
	}
}

// svOnlySequence checks that from before to after nothing changed but the
// signer's sequence, which moved on by one; it returns what else changed.
func svOnlySequence(before, after map[string][]byte, signer []byte) string {
	changed := changedKeys(before, after)
	acctKey := string(state.AccountKey(signer))
	if len(changed) != 1 || changed[0] != acctKey {
		return "changed keys " + strings.Join(svQuote(changed), ", ")
	}
	var old, now types.Account
	if err := proto.Unmarshal(before[acctKey], &old); err != nil {
		return err.Error()
	}
	if err := proto.Unmarshal(after[acctKey], &now); err != nil {
		return err.Error()
	}
	old.Sequence++
	if !proto.Equal(&old, &now) {
		return "account changed beyond its sequence: " + now.String()
	}
	return ""
}

func svQuote(ks []string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = strings.ToValidUTF8(k, "?")
	}
	return out
}

// svSorted returns a sorted copy.
func svSorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func svEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func svContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
