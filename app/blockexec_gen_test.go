package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// The block-execution generator shared by TestBlockExecutionProperty and
// FuzzBlockExecution. A source of choices (fuzz input bytes or a seeded
// PRNG) drives it: it picks a message type among every case of types.Msg's
// oneof (found by reflection, so a new message type is generated without
// touching this file), fills each field from a dictionary of values that
// the run has made meaningful (ids, codes and batches created earlier,
// missing ones) or hostile (extreme integers, empty, huge, control, bidi
// and invalid UTF-8 strings, impossible dates, codes in every spelling),
// signs it with a registered key, mostly with the right sequence, and
// packs txs into blocks whose times jump by a second up to the year 9999.
//
// Three apps see the run, driven through their ABCI methods only:
//   - A runs the generated blocks (after CheckTx and ProcessProposal of
//     each, which must not leak into its state);
//   - B, A's twin with analytics on (analytics.go: figure events, every
//     attribute indexed), runs the same blocks and must reach the same app
//     hash and the same tx results, its figure events aside, at every height;
//   - C runs each tx alone in its own block after an empty block at the
//     same time, so that a refused tx can be checked to change nothing but
//     its signer's sequence.
//
// FinalizeBlock and Commit must never return an error or panic, and after
// every block of A the quantity identity and the cross-record invariants
// of the property test hold for every code.

// bxSource hands out the choices of one run.
type bxSource interface {
	intn(n int) int // in [0, n); 0 when n <= 1
	u64() uint64
	exhausted() bool
}

// bxBytes reads choices from fuzz input; past its end every choice is 0.
type bxBytes struct {
	data []byte
	pos  int
}

func (b *bxBytes) next() byte {
	if b.pos >= len(b.data) {
		b.pos++
		return 0
	}
	c := b.data[b.pos]
	b.pos++
	return c
}

func (b *bxBytes) intn(n int) int {
	switch {
	case n <= 1:
		return 0
	case n <= 256:
		return int(b.next()) % n
	case n <= 65536:
		return (int(b.next())<<8 | int(b.next())) % n
	}
	return int(b.u64() % uint64(n))
}

func (b *bxBytes) u64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = b.next()
	}
	return binary.BigEndian.Uint64(buf[:])
}

func (b *bxBytes) exhausted() bool { return b.pos >= len(b.data) }

// bxRand draws choices from a seeded PRNG; it never runs out.
type bxRand struct{ r *rand.Rand }

func (s bxRand) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return s.r.IntN(n)
}
func (s bxRand) u64() uint64     { return s.r.Uint64() }
func (s bxRand) exhausted() bool { return false }

// bxParty is a key the generator signs with.
type bxParty struct {
	name string
	key  ed25519.PrivateKey
	uscc string // an enterprise's
	div  string // a regulator's or an enterprise's division
	kind string // "regulator", "customs", "enterprise", "stranger"
}

var (
	kBXEcom     = testKey("bx ecommerce")
	bxEcomUSCC  = mkUSCC("91330106MA2LLLLL0")
	bxStrangers = []ed25519.PrivateKey{testKey("bx stranger 0"), testKey("bx stranger 1"), testKey("bx stranger 2")}
	bxStart     = time.Unix(1_700_000_000, 0).UTC()
	bxEnd       = time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)
)

// bxMsgFields lists the cases of types.Msg's oneof.
func bxMsgFields() []protoreflect.FieldDescriptor {
	fs := (&types.Msg{}).ProtoReflect().Descriptor().Oneofs().ByName("sum").Fields()
	out := make([]protoreflect.FieldDescriptor, fs.Len())
	for i := range out {
		out[i] = fs.Get(i)
	}
	return out
}

// bxWeights weighs the oneof cases by name: the goods flow, where most
// state lives, more often, and what ends a party's part (suspensions, key
// revocations) less. A case not named here weighs 2, so a new message
// type is generated as soon as it exists.
var bxWeights = map[protoreflect.Name]int{
	"commission": 10, "dispatch": 9, "receive": 8, "sell": 4, "split": 4, "aggregate": 4, "disaggregate": 3,
	"sensor_report": 3, "correct": 3, "destroy": 2, "declare": 3, "warehouse_entry": 3, "release": 3,
	"suspend_enterprise": 1, "revoke_key": 1,
}

// pickMsg chooses a case of types.Msg's oneof.
func (r *bxRun) pickMsg(fields []protoreflect.FieldDescriptor) protoreflect.FieldDescriptor {
	total := 0
	weight := func(fd protoreflect.FieldDescriptor) int {
		if w, ok := bxWeights[fd.Name()]; ok {
			return w
		}
		return 2
	}
	for _, fd := range fields {
		total += weight(fd)
	}
	x := r.src.intn(total)
	for _, fd := range fields {
		if x < weight(fd) {
			return fd
		}
		x -= weight(fd)
	}
	return fields[0]
}

// bxTx is one generated tx and what the generator knows of it.
type bxTx struct {
	raw     []byte
	names   []string // message types
	text    string   // the messages, for failure reports
	signer  []byte
	seq     uint64
	chainOK bool
}

// bxRun is one generated run over the three apps.
type bxRun struct {
	t       *testing.T
	src     bxSource
	a, b, c *App
	h, ch   int64 // height of A and B; of C
	now     time.Time
	parties []*bxParty
	byUSCC  map[string]*bxParty
	seq     map[string]uint64 // next sequence by public key, as the generator believes
	serial  int

	// What A's state holds, learned after every block.
	codes    []*types.CodeRecord
	codeRec  map[string]*types.CodeRecord
	batches  []string
	cons     []*types.Consignment
	events   [][]byte
	decls    []string
	ents     []string
	divs     []string
	vals     [][]byte
	maxAlert uint64

	stats   map[string]*[2]int // accepted, refused by message type
	reasons map[string]int     // refusals by the start of their log
	blocks  int
	txs     int
	log     []string // the blocks so far, for failure reports

	calm     bool           // plausible fields only, and no jumps of years
	genesis  []byte         // the app state InitChain was given
	recorded []goldenRecord // every block A executed, for a golden chain
}

// goldenRecord is one block as a golden chain file keeps it.
type goldenRecord struct {
	Height  int64     `json:"height"`
	Time    time.Time `json:"time"`
	Txs     [][]byte  `json:"txs"`
	Codes   []uint32  `json:"codes"`
	AppHash []byte    `json:"app_hash"`
}

// bxCtx carries what earlier fields of a message chose, so later fields
// can agree with them (a commission's codes name its batch, a receipt's
// items are its consignment's) and the signer can be one who may act.
type bxCtx struct {
	msg      string // message name, e.g. "MsgCommission"
	level    int    // 0 plausible, 1 sometimes hostile, 2 mostly hostile
	batch    string
	gtin     string
	code     *types.CodeRecord
	qty      uint64
	con      *types.Consignment
	item     int
	hints    []string // USCCs that plausibly sign
	minCenti int64    // the lower end of a temperature range just chosen
	seen     map[string]bool
}

// newBXRun starts the three apps from a genesis under the given rules
// version (0: the version a genesis without one starts under) and
// registers the parties.
func newBXRun(t *testing.T, src bxSource, rules uint32) *bxRun {
	t.Helper()
	r := &bxRun{
		t: t, src: src, a: NewInMemory(), b: NewInMemory(), c: NewInMemory(), now: bxStart,
		byUSCC: map[string]*bxParty{}, seq: map[string]uint64{}, codeRec: map[string]*types.CodeRecord{},
		stats: map[string]*[2]int{}, reasons: map[string]int{},
	}
	g := &types.GenesisState{
		Params:        types.DefaultParams(),
		RootRegulator: &types.RootRegulator{Division: "330000", Name: "Zhejiang Market Supervision", Keys: [][]byte{pub(kRoot)}},
		Customs:       &types.GenesisCustoms{Name: "Customs", Keys: [][]byte{pub(kSVCustoms)}},
		RulesVersion:  rules,
	}
	appState, err := protojson.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	r.genesis = appState
	r.b.EnableAnalytics()
	for _, a := range []*App{r.a, r.b, r.c} {
		// An open tree keeps a goroutine and its memory: without Close a
		// fuzz worker, which runs thousands of inputs, grows until it dies.
		// Close takes about 0.1 s (the tree's pruning goroutine notices
		// it on its next tick), so it runs in the background and the next
		// input does not wait for it; a memory database has nothing to lose.
		t.Cleanup(func() { go a.Close() })
		if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: appState}); err != nil {
			t.Fatalf("InitChain: %v", err)
		}
	}
	reg := func(name string, k ed25519.PrivateKey, div string) {
		r.parties = append(r.parties, &bxParty{name: name, key: k, div: div, kind: "regulator"})
	}
	reg("root", kRoot, "330000")
	reg("city", kCity, cityDiv)
	reg("ningbo", kNingbo, otherCityDiv)
	reg("district", kDistrict, districtDiv)
	r.parties = append(r.parties, &bxParty{name: "customs", key: kSVCustoms, kind: "customs"})
	ent := func(name string, k ed25519.PrivateKey, uscc, div string) {
		p := &bxParty{name: name, key: k, uscc: uscc, div: div, kind: "enterprise"}
		r.parties = append(r.parties, p)
		r.byUSCC[uscc] = p
	}
	ent("importer", kImp, importerUSCC, districtDiv)
	ent("market", kMarket, marketUSCC, districtDiv)
	ent("shop", kShop, shopUSCC, districtDiv)
	ent("diner", kDiner, dinerUSCC, districtDiv)
	ent("cold store", kCold, coldUSCC, districtDiv)
	ent("carrier", kCarrier, carrierUSCC, districtDiv)
	ent("ecommerce", kBXEcom, bxEcomUSCC, districtDiv)
	ent("sv warehouse", kSVWH, svWHUSCC, cityDiv)
	ent("ningbo restaurant", kSVDiner2, svDiner2, otherCityDiv)
	for i, k := range bxStrangers {
		r.parties = append(r.parties, &bxParty{name: fmt.Sprintf("stranger %d", i), key: k, kind: "stranger"})
	}

	sign := func(k ed25519.PrivateKey, m proto.Message) []byte {
		s := r.seq[string(pub(k))]
		r.seq[string(pub(k))] = s + 1
		return signTx(t, k, testChainID, s, m)
	}
	setup := [][][]byte{
		{sign(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)), sign(kRoot, regRegulator(otherCityDiv, "Ningbo", kNingbo))},
		{
			sign(kCity, regRegulator(districtDiv, "Xihu", kDistrict)),
			sign(kCity, regEnterprise(svWHUSCC, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE, kSVWH)),
			sign(kNingbo, regEnterprise(svDiner2, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kSVDiner2)),
		},
		{
			sign(kDistrict, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, kImp)),
			sign(kDistrict, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kMarket)),
			sign(kDistrict, regEnterprise(shopUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, kShop)),
			sign(kDistrict, regEnterprise(dinerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kDiner)),
			sign(kDistrict, regEnterprise(coldUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, kCold)),
			sign(kDistrict, regEnterprise(carrierUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_LOGISTICS, kCarrier)),
			sign(kDistrict, regEnterprise(bxEcomUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_ECOMMERCE, kBXEcom)),
		},
		{sign(kSVCustoms, svDeclare(svDecl, 100_000)), sign(kSVCustoms, svDeclare(svDeclSpare, 50_000))},
	}
	for _, txs := range setup {
		r.now = r.now.Add(time.Second)
		r.h++
		for _, a := range []*App{r.a, r.b, r.c} {
			res := r.finalize(a, r.h, r.now, txs)
			for i, tr := range res.TxResults {
				if tr.Code != 0 {
					t.Fatalf("setup height %d tx %d: code %d: %s", r.h, i, tr.Code, tr.Log)
				}
			}
		}
	}
	r.ch = r.h
	r.learn()
	return r
}

// finalize runs FinalizeBlock and Commit on a, failing the test on an
// error or a panic in either.
func (r *bxRun) finalize(a *App, h int64, at time.Time, txs [][]byte) (res *abci.ResponseFinalizeBlock) {
	r.t.Helper()
	defer func() {
		if p := recover(); p != nil {
			r.t.Fatalf("height %d (%s): FinalizeBlock/Commit panicked: %v\n%s\nblocks so far:\n%s", h, at.Format(time.RFC3339Nano), p, debug.Stack(), r.history())
		}
	}()
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Time: at, Txs: txs})
	if err != nil {
		r.t.Fatalf("height %d (%s): FinalizeBlock returned an error: %v\nblocks so far:\n%s", h, at.Format(time.RFC3339Nano), err, r.history())
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		r.t.Fatalf("height %d: Commit returned an error: %v\nblocks so far:\n%s", h, err, r.history())
	}
	if a == r.a {
		rec := goldenRecord{Height: h, Time: at, Txs: txs, AppHash: res.AppHash}
		for _, tr := range res.TxResults {
			rec.Codes = append(rec.Codes, tr.Code)
		}
		r.recorded = append(r.recorded, rec)
	}
	return res
}

// history is the last blocks of the run, newest last.
func (r *bxRun) history() string {
	from := 0
	if len(r.log) > 6 {
		from = len(r.log) - 6
	}
	return strings.Join(r.log[from:], "\n")
}

// learn reads A's last saved state: codes, batches, consignments, events,
// declarations, enterprises, divisions, validators, alerts and sequences.
func (r *bxRun) learn() {
	all := dumpAt(r.t, r.a, r.a.tree.Version())
	r.codes, r.batches, r.cons, r.events, r.decls, r.ents, r.divs, r.vals = nil, nil, nil, nil, nil, nil, nil, nil
	r.codeRec = map[string]*types.CodeRecord{}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the generator's choices must not depend on map order
	pCode, pBatch, pCons := state.CodeKey("")[0], state.BatchKey("")[0], state.ConsignmentKey(nil)[0]
	pEvent, pDecl, pAlert := state.EventKey(nil)[0], state.DeclarationKey("")[0], state.AlertKey(0)[0]
	pEnt, pReg, pAcct, pVal := state.EnterpriseKey("")[0], state.RegulatorKey("")[0], state.AccountKey(nil)[0], state.ValidatorKey(nil)[0]
	for _, k := range keys {
		v := all[k]
		switch k[0] {
		case pCode:
			rec := &types.CodeRecord{}
			if proto.Unmarshal(v, rec) == nil {
				r.codes = append(r.codes, rec)
				r.codeRec[rec.Code] = rec
			}
		case pBatch:
			b := &types.Batch{}
			if proto.Unmarshal(v, b) == nil {
				r.batches = append(r.batches, b.Id)
			}
		case pCons:
			c := &types.Consignment{}
			if proto.Unmarshal(v, c) == nil {
				r.cons = append(r.cons, c)
			}
		case pEvent:
			r.events = append(r.events, []byte(k[1:]))
		case pDecl:
			r.decls = append(r.decls, k[1:])
		case pAlert:
			if len(k) == 9 {
				if id := binary.BigEndian.Uint64([]byte(k[1:])); id > r.maxAlert {
					r.maxAlert = id
				}
			}
		case pEnt:
			r.ents = append(r.ents, k[1:])
		case pReg:
			r.divs = append(r.divs, k[1:])
		case pVal:
			r.vals = append(r.vals, []byte(k[1:]))
		case pAcct:
			acct := &types.Account{}
			if proto.Unmarshal(v, acct) == nil {
				r.seq[k[1:]] = acct.Sequence
			}
		}
	}
}

// pick returns one of xs.
func bxPick[T any](r *bxRun, xs []T) T { return xs[r.src.intn(len(xs))] }

// hostile says whether this field gets a hostile value.
func (r *bxRun) hostile(ctx *bxCtx) bool {
	switch ctx.level {
	case 0:
		return false
	case 1:
		return r.src.intn(25) == 0
	}
	return r.src.intn(2) == 0
}

// Dates around the calendar's edges, impossible ones and other shapes.
var bxDates = []string{
	"2023-10-01", "0001-01-01", "9999-12-31", "2023-02-29", "2024-02-29", "10240-07-22", "",
	"2023-13-01", "2023-00-10", "2023-1-1", "0000-00-00", "9999-12-32", "-001-01-01", "2023-10-01T00:00:00Z",
	"2023/10/01", "20231001", "9999-12-30", "0001-01-02", "1970-01-01", "2100-02-29", "2000-02-29", " 2023-10-01",
	"２０２３-１０-０１", "2023-10-01\x00",
}

// bxNasty are hostile strings for any string field.
var bxNasty = []string{
	"", " ", "\x00", "a\x00b", "\t\n\r", "\x7f", "\u202Eevil\u202C", "\u200B", "x\u200Dy", "\uFEFF", "\u2066iso\u2069",
	"BXBAD1..", "BXBAD2..", "BXBAD3...", "😀", "冷链虾", "Ω≈ç√", "%00", "%2F", "../../etc/passwd", "<script>alert(1)</script>",
	"null", "0", "-1", "XX", "cn", "C", "CHN", "18446744073709551615", "\u0301", "A\u0308", "ﬁ", "\r\n\r\n", "customs", "330100", "330000/B1",
	strings.Repeat("A", 10*1024), strings.Repeat("虾", 4000), strings.Repeat("\u202E", 100), strings.Repeat("x", 65),
	strings.Repeat("y", 257), strings.Repeat("z", 2049), strings.Repeat("\u200B", 300),
}

// bxInvalid maps placeholders in bxNasty to invalid UTF-8 of the same
// length: proto.Marshal refuses to write such strings, so the placeholders
// are swapped in the encoded body, as a hostile client would write it.
var bxInvalid = map[string]string{"BXBAD1..": "BXBAD1\xff\xfe", "BXBAD2..": "BXBAD2\xc0\x80", "BXBAD3...": "BXBAD3\xed\xa0\x80"}

// bxNewKey is a key nobody registered yet, derived from the run's choices
// so the fuzzer can repeat it.
func (r *bxRun) bxNewKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("bx fresh key %d", r.src.intn(8))))
	return ed25519.NewKeyFromSeed(seed[:])
}

func (r *bxRun) nextSerial() string {
	r.serial++
	return fmt.Sprintf("S%d", r.serial)
}

// spell writes an existing code in one of the spellings ParseCode reads
// (or, now and then, one it must refuse).
func (r *bxRun) spell(canon string) string {
	c, err := types.ParseCode(canon)
	if err != nil {
		return canon
	}
	if c.Kind == types.CodeNative {
		native := strings.TrimPrefix(canon, "/c/")
		if r.src.intn(20) == 0 {
			return bxPick(r, []string{strings.ToLower(native), native + "0", " " + native})
		}
		return bxPick(r, []string{canon, native, native, "https://id.example.com/c/" + native, "HTTP://x.example/prefix" + canon + "?q=1"})
	}
	if r.src.intn(20) == 0 {
		return " " + canon // must be refused
	}
	switch r.src.intn(9) {
	case 0, 1, 2:
		return canon
	case 3:
		return c.DigitalLink("https://id.gs1.org")
	case 4:
		return c.DigitalLink("http://example.com/some/prefix") + "?lang=zh#top"
	case 5:
		return c.ElementString()
	case 6:
		return "HTTPS://ID.EXAMPLE.COM" + canon
	case 7:
		if c.Kind == types.CodeGTIN && strings.HasPrefix(c.GTIN, "0") {
			return "/01/" + c.GTIN[1:] + strings.TrimPrefix(canon, "/01/"+c.GTIN)
		}
		return canon + "/"
	case 8:
		if c.Kind == types.CodeGTIN {
			s := ""
			if c.Serial != "" {
				s += "(21)" + c.Serial
			}
			if c.Batch != "" {
				s += "(10)" + c.Batch
			}
			return s + "(01)" + c.GTIN
		}
		return c.ElementString()
	}
	return canon
}

// missingCode is a code that names nothing in state, valid or not.
func (r *bxRun) missingCode() string {
	return bxPick(r, []string{
		"/01/" + gtin + "/10/NOPE/21/" + r.nextSerial(), "(01)" + gtin + "(21)GHOST", "/00/" + "106141411234567880",
		"/01/09521234543214/10/B1", "/01/" + gtin, "/00/106141411234567890", "CT-" + importerUSCC + "-999999-0",
		"ct-" + importerUSCC + "-1-1", "/c/CT-" + importerUSCC + "-0-0", "https:///01/" + gtin + "/10/B1", "/01/" + gtin + "/10/" + strings.Repeat("L", 21),
		"/01/" + gtin + "/21/a%2Fb", "/01/" + gtin + "/10/%ZZ", "(01)" + gtin + "(10)B1(10)B2", "/01/" + gtin + "/21/1/10/B1",
		"/22/1/01/" + gtin + "/10/B1", "urn:epc:id:sgtin:9521234.54321.1",
	})
}

// newCode is a code for a commission or a split: of ctx's GTIN and batch
// with a fresh serial, mostly, in some spelling.
func (r *bxRun) newCode(ctx *bxCtx) string {
	g := ctx.gtin
	if g == "" {
		g = gtin
	}
	batch := ctx.batch
	if ctx.code != nil {
		if c, err := types.ParseCode(ctx.code.Code); err == nil && c.Kind == types.CodeGTIN {
			g, batch = c.GTIN, c.Batch
		}
	}
	switch r.src.intn(40) {
	case 0, 1, 2, 3:
		return "" // the chain issues a native code
	case 4, 5:
		if len(r.codes) > 0 {
			return r.spell(bxPick(r, r.codes).Code) // exists already
		}
	case 6:
		return r.missingCode()
	case 7:
		return sscc(fmt.Sprintf("1061414112345%04d", r.src.intn(10000)))
	}
	c := types.Code{Kind: types.CodeGTIN, GTIN: g, Batch: batch, Serial: r.nextSerial()}
	if r.src.intn(6) == 0 {
		c.Batch = ""
	}
	if r.src.intn(10) == 0 {
		c.CPV = "2"
	}
	return r.spell(c.String())
}

// existingCode picks a code from state for a field that names goods, and
// notes who holds it so one of them may sign.
func (r *bxRun) existingCode(ctx *bxCtx, units bool) string {
	if ctx.con != nil && ctx.item < len(ctx.con.Items) {
		it := ctx.con.Items[ctx.item]
		ctx.item++
		ctx.qty = it.Quantity
		return r.spell(it.Code)
	}
	var pool []*types.CodeRecord
	for _, c := range r.codes {
		if c.LogisticUnit == units && len(c.Holdings) > 0 && !ctx.seen[c.Code] {
			pool = append(pool, c)
		}
	}
	if len(pool) == 0 || r.src.intn(10) == 0 {
		if units {
			return sscc(fmt.Sprintf("1061414112345%04d", r.src.intn(10000)))
		}
		if len(r.codes) > 0 && r.src.intn(2) == 0 {
			return r.spell(bxPick(r, r.codes).Code)
		}
		return r.missingCode()
	}
	c := bxPick(r, pool)
	if ctx.seen == nil {
		ctx.seen = map[string]bool{}
	}
	ctx.seen[c.Code] = true
	ctx.code = c
	h := bxPick(r, c.Holdings)
	ctx.qty = h.Quantity
	ctx.hints = append(ctx.hints, h.Holder)
	return r.spell(c.Code)
}

// uscc is an enterprise's USCC: registered, fresh and valid, or broken.
func (r *bxRun) uscc(ctx *bxCtx) string {
	switch r.src.intn(12) {
	case 0:
		return mkUSCC(fmt.Sprintf("91330106MA3%06d", r.src.intn(1000)))
	case 1:
		if r.src.intn(3) == 0 {
			return bxPick(r, []string{strings.ToLower(importerUSCC), importerUSCC[:17], importerUSCC + "0", importerUSCC[:17] + "X"})
		}
		return bxPick(r, []string{unregisteredUSCC, suspendedUSCC, otherCityUSCC})
	case 2:
		if len(ctx.hints) > 0 {
			return bxPick(r, ctx.hints)
		}
	}
	if len(r.ents) > 0 && r.src.intn(3) == 0 {
		return bxPick(r, r.ents)
	}
	return bxPick(r, []string{importerUSCC, marketUSCC, shopUSCC, dinerUSCC, coldUSCC, carrierUSCC, bxEcomUSCC, svWHUSCC, svDiner2})
}

func (r *bxRun) division() string {
	if len(r.divs) > 0 && r.src.intn(2) == 0 {
		return bxPick(r, r.divs)
	}
	return bxPick(r, []string{"330000", "330100", "330106", "330200", "330102", "330108", "330203", "110000", "330100", "33010", "3301066", "abcdef", "000000", "990000"})
}

func (r *bxRun) batchID(ctx *bxCtx) string {
	if len(r.batches) > 0 && r.src.intn(5) > 0 {
		id := bxPick(r, r.batches)
		if i := strings.IndexByte(id, '/'); i > 0 {
			ctx.hints = append(ctx.hints, id[:i])
		}
		return id
	}
	return bxPick(r, []string{importerUSCC + "/NOPE", importerUSCC + "/", "/B1", "B1", importerUSCC, importerUSCC + "//B1", strings.ToLower(importerUSCC) + "/B1"})
}

// str fills a string field.
func (r *bxRun) str(ctx *bxCtx, fd protoreflect.FieldDescriptor) string {
	name := string(fd.Name())
	if r.hostile(ctx) {
		switch r.src.intn(4) {
		case 0:
			return bxPick(r, bxDates)
		case 1:
			return r.missingCode()
		}
		return bxPick(r, bxNasty)
	}
	switch name {
	case "uscc", "buyer", "carrier", "business_buyer", "importer", "holder":
		if name == "carrier" || name == "business_buyer" {
			if r.src.intn(2) == 0 {
				return ""
			}
			if name == "carrier" && r.src.intn(2) == 0 {
				return carrierUSCC
			}
		}
		if name == "importer" && r.src.intn(2) == 0 {
			return importerUSCC
		}
		if name == "holder" && ctx.code != nil && len(ctx.code.Holdings) > 0 {
			h := bxPick(r, ctx.code.Holdings)
			ctx.qty = h.Quantity
			return h.Holder
		}
		return r.uscc(ctx)
	case "owner_id":
		switch r.src.intn(3) {
		case 0:
			return r.division()
		case 1:
			return "customs"
		}
		return r.uscc(ctx)
	case "division", "operator":
		return r.division()
	case "code", "codes", "parent":
		return r.existingCode(ctx, false)
	case "unit":
		return r.existingCode(ctx, true)
	case "batch":
		if ctx.msg == "MsgCommission" {
			ctx.batch = bxPick(r, []string{"B1", "B2", "LOT-2023-10", "B1", "L" + r.nextSerial(), "b1", "B1", "B2", "L" + r.nextSerial()})
			if r.src.intn(10) == 0 {
				ctx.batch = bxPick(r, []string{"B 1", "B/1", "批次1", "B%1", strings.Repeat("B", 21)}) // not writable in a GS1 code
			}
			return ctx.batch
		}
		return r.batchID(ctx)
	case "date", "production_date":
		if r.src.intn(8) == 0 {
			return bxPick(r, []string{"2023-10-01", "0001-01-01", "9999-12-31", "2024-02-29", "9999-12-30"})
		}
		return r.now.AddDate(0, 0, -r.src.intn(30)).Format(time.DateOnly)
	case "expiry_date":
		if r.src.intn(2) == 0 {
			return ""
		}
		if r.src.intn(8) == 0 {
			return bxPick(r, []string{r.now.AddDate(0, 0, 1).Format(time.DateOnly), r.now.Format(time.DateOnly), "2023-10-02", "9999-12-31", "0001-01-01"})
		}
		return r.now.AddDate(1+r.src.intn(3), 0, 0).Format(time.DateOnly)
	case "gtin":
		ctx.gtin = bxPick(r, []string{gtin, gtin, gtin, "", gtin[1:], gtinWith("9521234543220")})
		return ctx.gtin
	case "origin_country":
		return bxPick(r, []string{"CN", "CN", "EC", "NO"})
	case "number", "customs_declaration":
		if name == "customs_declaration" && r.src.intn(2) == 0 {
			return ""
		}
		if len(r.decls) > 0 && r.src.intn(2) == 0 {
			return bxPick(r, r.decls)
		}
		return fmt.Sprintf("3101202%011d", r.src.intn(1_000_000))
	case "hs_code":
		return bxPick(r, []string{"", "0306171000", "0303890090", "0202300090"})
	case "category":
		return bxPick(r, []string{"frozen seafood", "frozen fish", "frozen", "chilled", "chilled meat", "ambient"})
	case "name":
		return bxPick(r, []string{"Frozen white shrimp", "Enterprise", "冷冻白虾", "N"})
	}
	return bxPick(r, []string{"ok", "note " + name, "scanner dock 3", "Hangzhou CDC", "S-1", "incinerated", "logger-7", "冷链"})
}

// bytesVal fills a bytes field.
func (r *bxRun) bytesVal(ctx *bxCtx, fd protoreflect.FieldDescriptor) []byte {
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.src.intn(256))
		}
		return b
	}
	if r.hostile(ctx) {
		return bxPick(r, [][]byte{nil, {0}, rnd(31), rnd(33), make([]byte, 32), make([]byte, 64), rnd(1024)})
	}
	switch string(fd.Name()) {
	case "keys", "key", "pub_key":
		switch r.src.intn(10) {
		case 0:
			return pub(bxPick(r, r.parties).key)
		case 1:
			if len(r.vals) > 0 {
				return bxPick(r, r.vals)
			}
		}
		return pub(r.bxNewKey())
	case "consignment":
		if len(r.cons) > 0 && r.src.intn(6) > 0 {
			c := bxPick(r, r.cons)
			ctx.con = c
			ctx.hints = append(ctx.hints, c.Buyer, c.Buyer, c.Buyer, c.Sender) // mostly the one who receives
			if c.Carrier != "" {
				ctx.hints = append(ctx.hints, c.Carrier)
			}
			return c.Id
		}
		return rnd(32)
	case "event", "corrective_events":
		if len(r.events) > 0 && r.src.intn(6) > 0 {
			return bxPick(r, r.events)
		}
		return rnd(32)
	case "document_hash", "raw_data_hash":
		return rnd(32)
	}
	return rnd(r.src.intn(40))
}

// Integers by their bit pattern; negative ones as two's complement.
func bxS(v int64) uint64 { return uint64(v) }

var bxExtremes = []uint64{
	0, 1, 2, 7, 255, 256, 65535, 65536, math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32, math.MaxUint32 + 1,
	math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64, bxS(-1), bxS(math.MinInt32), bxS(math.MinInt64),
	3_000_000, types.MaxQuantity, types.MaxQuantity + 1, 253402300799, 253402300800, bxS(-62135596800),
}

// intVal fills an integer field, as a bit pattern.
func (r *bxRun) intVal(ctx *bxCtx, fd protoreflect.FieldDescriptor) uint64 {
	if r.hostile(ctx) {
		return bxPick(r, bxExtremes)
	}
	now := r.now.Unix()
	switch string(fd.Name()) {
	case "quantity":
		if ctx.qty > 0 {
			return bxPick(r, []uint64{ctx.qty, ctx.qty, 1, ctx.qty/2 + 1, ctx.qty + 1})
		}
		return bxPick(r, []uint64{1, 100, 1000, 5000, 100_000, 3})
	case "shelf_life_days":
		if r.src.intn(3) == 0 {
			return bxPick(r, []uint64{1, 3_000_000, 2_914_000, 36500, 0, 2_920_000, 2_930_000, math.MaxUint32})
		}
		return bxPick(r, []uint64{730, 540, 365})
	case "temp_min_centi", "min_centi":
		ctx.minCenti = bxPick(r, []int64{-3000, -2500, -2000, 0, -27315})
		return bxS(ctx.minCenti)
	case "temp_max_centi", "max_centi":
		return bxS(ctx.minCenti + bxPick(r, []int64{1200, 500, 1000, 0, 2500}))
	case "start_unix":
		return bxS(now - bxPick(r, []int64{60, 600, 3600, 7200, 0, 86400 * 365 * 100}))
	case "end_unix":
		return bxS(now - bxPick(r, []int64{0, 30, 300, 1, -60}))
	case "power":
		return bxS(bxPick(r, []int64{1, 10, 0, -1, 100}))
	case "alert":
		return uint64(r.src.intn(int(r.maxAlert) + 2))
	}
	return uint64(r.src.intn(4))
}

// enumVal is mostly a declared value other than 0, sometimes 0 or unknown.
func (r *bxRun) enumVal(ctx *bxCtx, fd protoreflect.FieldDescriptor) protoreflect.EnumNumber {
	vs := fd.Enum().Values()
	if r.hostile(ctx) {
		return bxPick(r, []protoreflect.EnumNumber{0, 99, -1, math.MaxInt32, protoreflect.EnumNumber(vs.Len())})
	}
	return vs.Get(1 + r.src.intn(vs.Len()-1)).Number()
}

func (r *bxRun) scalar(ctx *bxCtx, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(r.str(ctx, fd))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(r.bytesVal(ctx, fd))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.src.intn(2) == 0)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(r.enumVal(ctx, fd))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(int64(r.intVal(ctx, fd))))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(r.intVal(ctx, fd)))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(r.intVal(ctx, fd)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.intVal(ctx, fd))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(r.src.intn(3)))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(r.src.intn(3)))
	}
	return fd.Default()
}

// fill sets every field of m, in field-number order so that later fields
// can agree with earlier ones.
func (r *bxRun) fill(ctx *bxCtx, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		switch {
		case fd.IsMap():
			continue
		case fd.IsList():
			n := 1 + r.src.intn(2)
			if r.src.intn(20) == 0 {
				n = 0
			}
			if ctx.con != nil && fd.Message() != nil {
				n = len(ctx.con.Items) // a receipt lists its consignment's items, mostly
			}
			if r.hostile(ctx) {
				n = bxPick(r, []int{0, 1, 2, 3, 8, 40})
			}
			if (fd.Name() == "keys" || fd.Name() == "corrective_events") && n > 3 {
				n = 3
			}
			list := m.Mutable(fd).List()
			for j := 0; j < n; j++ {
				if fd.Message() != nil {
					el := list.NewElement()
					r.fill(ctx, el.Message(), depth+1)
					list.Append(el)
				} else {
					list.Append(r.scalar(ctx, fd))
				}
			}
		case fd.Message() != nil:
			if depth > 3 || (r.src.intn(8) == 0 && fd.Name() != "facts") || r.src.intn(40) == 0 {
				continue
			}
			v := m.NewField(fd)
			r.fill(ctx, v.Message(), depth+1)
			m.Set(fd, v)
		case m.Descriptor().Name() == "NewCode" && fd.Name() == "code" && !r.hostile(ctx):
			// A code that a commission or a split creates: mostly fresh, of
			// the message's batch (or the split parent's).
			m.Set(fd, protoreflect.ValueOfString(r.newCode(ctx)))
		default:
			m.Set(fd, r.scalar(ctx, fd))
		}
	}
	r.eitherOr(ctx, m)
}

// bxEither are pairs of fields of which a message should set one.
// Either field may be a message only in the messages named (a commission
// takes a batch and its codes).
var bxEither = [][2]protoreflect.Name{{"batch", "codes"}, {"codes", "consignment"}, {"outside_buyer", "buyer"}, {"lines", "goods"}}

var bxEitherMessages = map[protoreflect.Name]bool{"MsgDispatch": true, "MsgDeclare": true}

// eitherOr clears one of two fields that a message takes one of, unless
// the message is meant to be hostile.
func (r *bxRun) eitherOr(ctx *bxCtx, m protoreflect.Message) {
	fs := m.Descriptor().Fields()
	for _, p := range bxEither {
		a, b := fs.ByName(p[0]), fs.ByName(p[1])
		if a == nil || b == nil || !m.Has(a) || !m.Has(b) || ctx.level == 2 && r.src.intn(2) == 0 ||
			(a.Message() != nil || b.Message() != nil) && !bxEitherMessages[m.Descriptor().Name()] {
			continue
		}
		if r.src.intn(2) == 0 || a.Name() == "outside_buyer" && r.src.intn(3) != 0 { // buyers on this chain, mostly
			m.Clear(a)
		} else {
			m.Clear(b)
		}
		if m.Descriptor().Name() == "MsgDeclare" && m.Has(a) {
			// A declaration with lines leaves the single-goods fields empty.
			for _, f := range []protoreflect.Name{"gtin", "quantity", "unit", "origin_country"} {
				m.Clear(fs.ByName(f))
			}
		}
	}
}

// signerFor picks who signs: mostly one who may act on what the message
// names, or one of the kind of party that sends such messages.
func (r *bxRun) signerFor(ctx *bxCtx) *bxParty {
	if len(ctx.hints) > 0 && r.src.intn(20) < 17 {
		if p := r.byUSCC[bxPick(r, ctx.hints)]; p != nil {
			return p
		}
	}
	var want []string
	switch ctx.msg {
	case "MsgRegisterRegulator", "MsgRegisterEnterprise", "MsgSuspendEnterprise", "MsgReinstateEnterprise",
		"MsgHold", "MsgUnhold", "MsgRecall", "MsgAcknowledge", "MsgRecordTest", "MsgSetValidator":
		want = []string{"regulator"}
	case "MsgDeclare", "MsgRelease":
		want = []string{"customs", "regulator"}
	case "MsgCommission":
		want = []string{"importer", "market"}
	case "MsgWarehouseEntry":
		want = []string{"sv warehouse"}
	}
	if len(want) > 0 && r.src.intn(10) < 7 {
		var pool []*bxParty
		for _, p := range r.parties {
			for _, w := range want {
				if p.kind == w || p.name == w {
					pool = append(pool, p)
				}
			}
		}
		if len(pool) > 0 {
			return bxPick(r, pool)
		}
	}
	if r.src.intn(30) == 0 {
		return &bxParty{name: "fresh", key: r.bxNewKey(), kind: "stranger"}
	}
	return bxPick(r, r.parties)
}

// genTx generates one signed tx; seqs holds the next sequences as txs
// already in the block leave them.
func (r *bxRun) genTx(seqs map[string]uint64) bxTx {
	fields := bxMsgFields()
	n := 1
	if r.src.intn(10) == 0 {
		n = 2 + r.src.intn(3)
	}
	level := bxPick(r, []int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2})
	if r.calm {
		level = 0
	}
	var msgs []*types.Msg
	var names []string
	var hints []string
	var first *bxCtx
	for i := 0; i < n; i++ {
		fd := r.pickMsg(fields)
		w := &types.Msg{}
		wr := w.ProtoReflect()
		inner := wr.NewField(fd)
		ctx := &bxCtx{msg: string(inner.Message().Descriptor().Name()), level: level}
		r.fill(ctx, inner.Message(), 0)
		wr.Set(fd, inner)
		msgs = append(msgs, w)
		names = append(names, ctx.msg)
		hints = append(hints, ctx.hints...)
		if first == nil {
			first = ctx
		}
	}
	first.hints = hints
	signer := r.signerFor(first)
	pk := string(pub(signer.key))
	seq, ok := seqs[pk]
	if !ok {
		seq = r.seq[pk]
	}
	chain := testChainID
	good := true
	switch x := r.src.intn(60); {
	case x == 0:
		chain = bxPick(r, []string{"coldtrace-other", "", testChainID + "\x00", strings.ToUpper(testChainID)})
		good = false
	case x == 1 && seq > 0:
		seq--
		good = false
	case x == 2:
		seq += 1 + uint64(r.src.intn(3))
		good = false
	case x == 3:
		seq = bxPick(r, []uint64{math.MaxUint64, math.MaxInt64, 1 << 32})
		good = false
	}
	if good {
		seqs[pk] = seq + 1 // what the generator expects; a refusal before the sequence check leaves it
	}
	memo := ""
	if r.src.intn(16) == 0 {
		memo = bxPick(r, bxNasty)
	}
	body := &types.TxBody{ChainId: chain, Signer: pub(signer.key), Sequence: seq, Messages: msgs, Memo: memo}
	bb, err := proto.Marshal(body)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range bxInvalid {
		bb = bytes.ReplaceAll(bb, []byte(k), []byte(v))
	}
	raw, err := proto.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(signer.key, types.SignBytes(bb))})
	if err != nil {
		r.t.Fatal(err)
	}
	tx := bxTx{raw: raw, names: names, signer: pub(signer.key), seq: seq, chainOK: chain == testChainID}
	var text []string
	for _, m := range msgs {
		s := prototext.MarshalOptions{}.Format(m)
		if len(s) > 600 {
			s = s[:600] + "…"
		}
		text = append(text, s)
	}
	tx.text = fmt.Sprintf("signer %s seq %d chain %q memo %d bytes: %s", signer.name, seq, chain, len(memo), strings.Join(text, " | "))
	return tx
}

// jump is how far the next block's time moves on.
func (r *bxRun) jump() time.Time {
	d := bxPick(r, []time.Duration{
		time.Second, time.Second, time.Second, time.Second, time.Second, time.Second, 2 * time.Second, 2 * time.Second,
		30 * time.Second, 30 * time.Second, 5 * time.Minute, 5 * time.Minute, time.Hour, 25 * time.Hour,
	})
	if r.src.intn(20) == 0 {
		d = bxPick(r, []time.Duration{7 * 24 * time.Hour, 31 * 24 * time.Hour, 400 * 24 * time.Hour})
	}
	next := r.now.Add(d)
	if r.calm {
		return next
	}
	switch r.src.intn(100) {
	case 0:
		next = r.now.AddDate(10, 0, 0)
	case 1:
		next = r.now.AddDate(100, 0, 0)
	case 2:
		next = r.now.AddDate(1000+r.src.intn(7000), 0, 0)
	case 3:
		next = bxEnd.Add(-time.Duration(1+r.src.intn(86400*3)) * time.Second)
	}
	if !next.Before(bxEnd) || next.Year() > 9999 {
		// At the end of year 9999 time still moves on, by a millisecond.
		next = r.now.Add(time.Millisecond)
		if next.After(bxEnd) {
			next = bxEnd
		}
	}
	return next.UTC()
}

// block generates one block and runs it on the three apps, checking
// everything the run asserts.
func (r *bxRun) block() {
	t := r.t
	n := 1 + r.src.intn(4)
	if r.src.intn(8) == 0 {
		n = 5 + r.src.intn(8)
	}
	seqs := map[string]uint64{}
	txs := make([]bxTx, n)
	raws := make([][]byte, n)
	for i := range txs {
		txs[i] = r.genTx(seqs)
		raws[i] = txs[i].raw
	}
	at := r.jump()
	r.now = at
	r.h++
	r.blocks++
	r.txs += n
	var desc []string
	for i, tx := range txs {
		desc = append(desc, fmt.Sprintf("  tx %d: %s", i, tx.text))
	}
	r.log = append(r.log, fmt.Sprintf("height %d at %s, %d txs:\n%s", r.h, at.Format(time.RFC3339Nano), n, strings.Join(desc, "\n")))

	// The mempool's and the proposal's view of the txs must not leak into
	// A's state: B never sees them, and the app hashes must agree.
	r.guard("CheckTx/ProcessProposal", func() {
		for _, raw := range raws {
			if _, err := r.a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New}); err != nil {
				t.Fatalf("height %d: CheckTx returned an error: %v", r.h, err)
			}
		}
		if _, err := r.a.ProcessProposal(context.Background(), &abci.RequestProcessProposal{Txs: raws, Height: r.h, Time: at}); err != nil {
			t.Fatalf("height %d: ProcessProposal returned an error: %v", r.h, err)
		}
	})
	ra := r.finalize(r.a, r.h, at, raws)
	rb := r.finalize(r.b, r.h, at, raws)
	if string(ra.AppHash) != string(rb.AppHash) {
		t.Fatalf("height %d: app hashes differ: A %X, B %X\nblocks so far:\n%s", r.h, ra.AppHash, rb.AppHash, r.history())
	}
	if len(ra.TxResults) != n || len(rb.TxResults) != n {
		t.Fatalf("height %d: %d txs, %d and %d results", r.h, n, len(ra.TxResults), len(rb.TxResults))
	}
	for i := range ra.TxResults {
		x, y := ra.TxResults[i], rb.TxResults[i]
		if x.Code != y.Code || x.Log != y.Log || len(x.Events) != len(withoutFigures(y.Events)) {
			t.Fatalf("height %d tx %d: A code %d %q, B code %d %q", r.h, i, x.Code, x.Log, y.Code, y.Log)
		}
		if x.Code == types.ErrInternal.Code {
			t.Fatalf("height %d tx %d: internal error: %s\nblocks so far:\n%s", r.h, i, x.Log, r.history())
		}
		for _, name := range txs[i].names {
			st := r.stats[name]
			if st == nil {
				st = &[2]int{}
				r.stats[name] = st
			}
			if x.Code == 0 {
				st[0]++
			} else {
				st[1]++
				reason := x.Log
				if len(reason) > 70 {
					reason = reason[:70]
				}
				r.reasons[name+": "+reason]++
			}
		}
	}
	if r.anyCode() {
		checkConserved(t, r.a)
	}
	checkInvariants(t, r.a)
	if t.Failed() {
		t.Fatalf("height %d: invariants broken\nblocks so far:\n%s", r.h, r.history())
	}

	// C: an empty block takes what falls due at this time, then each tx
	// runs alone, so a refusal's effect on state is the tx's alone.
	r.ch++
	r.finalize(r.c, r.ch, at, nil)
	for i, tx := range txs {
		r.ch++
		res := r.finalize(r.c, r.ch, at, [][]byte{tx.raw})
		tr := res.TxResults[0]
		if tr.Code == 0 {
			continue
		}
		if len(tr.Events) != 0 {
			t.Fatalf("height %d tx %d (C height %d): refused with code %d but emitted events", r.h, i, r.ch, tr.Code)
		}
		if len(res.Events) > 0 {
			continue // time-triggered checks ran too; the tx's effect is not isolated
		}
		// Only a tx for this chain with its signer's next sequence may
		// consume that sequence; any other must change nothing at all.
		before, after := dumpAt(t, r.c, r.ch-1), dumpAt(t, r.c, r.ch)
		signer := make([]byte, ed25519.PublicKeySize)
		var acct types.Account
		if v, ok := before[string(state.AccountKey(tx.signer))]; ok && tx.chainOK && proto.Unmarshal(v, &acct) == nil && acct.Sequence == tx.seq {
			signer = tx.signer
		}
		if msg := onlySequenceConsumed(before, after, signer); msg != "" {
			var diff []string
			for _, k := range changedKeys(before, after) {
				diff = append(diff, fmt.Sprintf("%X: %X -> %X", k, before[k], after[k]))
			}
			t.Fatalf("height %d tx %d (C height %d): refused with code %d (%s) but changed state: %s\n%s\ntx (sequence consumable: %v): %s\nblocks so far:\n%s",
				r.h, i, r.ch, tr.Code, tr.Log, msg, strings.Join(diff, "\n"), !bytes.Equal(signer, make([]byte, ed25519.PublicKeySize)), tx.text, r.history())
		}
	}
	r.learn()
}

// anyCode says whether A's state holds a code record (checkConserved
// wants at least one).
func (r *bxRun) anyCode() bool {
	snap, err := r.a.tree.Immutable(r.a.tree.Version())
	if err != nil {
		r.t.Fatal(err)
	}
	prefix := state.CodeKey("")
	found := false
	if err := snap.Iterate(prefix, state.PrefixEnd(prefix), func(k, v []byte) bool {
		found = true
		return false
	}); err != nil {
		r.t.Fatal(err)
	}
	return found
}

// guard runs f and fails the test with the stack if it panics.
func (r *bxRun) guard(what string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			r.t.Fatalf("height %d: %s panicked: %v\n%s\nblocks so far:\n%s", r.h, what, p, debug.Stack(), r.history())
		}
	}()
	f()
}

// summary tells what the run did, by message type: accepted/sent.
func (r *bxRun) summary() string {
	names := make([]string, 0, len(r.stats))
	for n := range r.stats {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		st := r.stats[n]
		out = append(out, fmt.Sprintf("%s %d/%d", strings.TrimPrefix(n, "Msg"), st[0], st[0]+st[1]))
	}
	return fmt.Sprintf("%d blocks, %d txs, up to %s: %s", r.blocks, r.txs, r.now.Format(time.DateOnly), strings.Join(out, ", "))
}

// topReasons lists the most frequent refusals, to tune the generator.
func (r *bxRun) topReasons(n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range r.reasons {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var out []string
	for i := 0; i < n && i < len(all); i++ {
		out = append(out, fmt.Sprintf("%4d %s", all[i].v, all[i].k))
	}
	return strings.Join(out, "\n")
}
