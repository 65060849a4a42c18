package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// familySim is mempoolSim (recheck_test.go) over every message family
// that can be in a mempool together, under rules v3: declarations and
// imported batches (verified and unverified), warehouse entries, tests and
// releases, dispatches with sensor excursions, receipts, sales, splits,
// pallets, lab and site tests that hold goods, holds, recalls, suspensions,
// added and revoked keys, applications from new keys and their decisions,
// licences that expire at a day change, parameter changes, and offline
// scans with a signed event time. The app running every recheck is an
// analytics node: its figure events add up to the chain's figures. The parties' beliefs of what they hold
// go stale, as a client's do: refusals must simply be the same. Now and
// then a client submits an imported batch's whole way through the
// supervision warehouse to a shop before any block (lifecycle), so that
// every step is pending on the one before.
type familySim struct {
	t        *testing.T
	rnd      *rand.Rand
	apps     [2]*svChain // replaying, running in full
	now      time.Time
	pool     []simTx
	dropped  []simTx
	seq      map[string]uint64
	holds    map[string][]string // codes each enterprise believes it holds
	cons     map[string][]simCon // consignments on their way to each buyer
	batches  []string
	decls    []string
	units    []string
	fresh    []ed25519.PrivateKey // applicants' and added keys
	freshFor map[string]string    // added key -> its enterprise
	serial   int
	released int // imported batches the lifecycle took to a release
	checks   int
	rechecks int
}

type simCon struct {
	id    []byte
	items []*types.CodeQuantity
}

type famParty struct {
	key  ed25519.PrivateKey
	uscc string
}

var famEnterprises = []famParty{
	{kImp, importerUSCC}, {kSVWH, svWHUSCC}, {kMarket, marketUSCC}, {kShop, shopUSCC},
	{kDiner, dinerUSCC}, {kSVShop2, svShop2}, {kSVDiner2, svDiner2}, {kFamExpiring, famExpiringUSCC},
}

var (
	kFamExpiring    = testKey("family sim expiring licence")
	famExpiringUSCC = mkUSCC("91330106MA2EXPQR0")
)

func newFamilySim(t *testing.T, seed uint64) *familySim {
	s := &familySim{t: t, rnd: rand.New(rand.NewPCG(seed, 0xFA)), seq: map[string]uint64{}, holds: map[string][]string{},
		cons: map[string][]simCon{}, freshFor: map[string]string{}}
	for i := range s.apps {
		c := newSVChainRules(t, nil, types.LatestRules)
		if i == 1 {
			// The app running every recheck is also an analytics node:
			// its figure events must add up to the figures, its app
			// hashes be the other's.
			c.app.EnableAnalytics()
		}
		svParties(c)
		// A cold store whose licence ends on the second day of the run.
		reg := regEnterprise(famExpiringUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, kFamExpiring)
		reg.Profile = testProfile("2023-11-16")
		c.mustBlock(c.tx(kDistrict, reg), c.tx(kSVCustoms, svDeclare(svDecl, 1_000_000)))
		s.apps[i] = c
	}
	s.apps[1].app.pending.off = true
	s.now = s.apps[0].now
	s.decls = []string{svDecl}
	s.learnSeqs()
	return s
}

func (s *familySim) pick(n int) int { return s.rnd.IntN(n) }

func (s *familySim) learnSeqs() {
	keys := []ed25519.PrivateKey{kRoot, kCity, kNingbo, kDistrict, kSVCustoms}
	for _, p := range famEnterprises {
		keys = append(keys, p.key)
	}
	keys = append(keys, s.fresh...)
	for _, k := range keys {
		s.seq[string(pub(k))] = accountSeq(s.t, s.apps[0].app, k)
	}
	for _, tx := range s.pool {
		if k := string(pub(tx.key)); tx.seq >= s.seq[k] {
			s.seq[k] = tx.seq + 1
		}
	}
}

func (s *familySim) check(raw []byte, typ abci.CheckTxType, what string) uint32 {
	s.t.Helper()
	s.checks++
	var res [2]*abci.ResponseCheckTx
	for i, c := range s.apps {
		var err error
		if res[i], err = c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: typ}); err != nil {
			s.t.Fatal(err)
		}
	}
	if res[0].Code != res[1].Code || !bytes.Equal(res[0].Data, res[1].Data) {
		s.t.Fatalf("height %d (%s) check %d (%s %s): replaying app answered %d %q, running app %d %q",
			s.apps[0].height, s.now.Format(time.RFC3339), s.checks, typ, what, res[0].Code, res[0].Log, res[1].Code, res[1].Log)
	}
	if res[0].Code == types.ErrInternal.Code {
		s.t.Fatalf("height %d check %d (%s %s): internal error: %s", s.apps[0].height, s.checks, typ, what, res[0].Log)
	}
	return res[0].Code
}

// sign signs msgs with k's next sequence, with a signed event time (an
// offline scan) when eventMs is not 0.
func (s *familySim) sign(k ed25519.PrivateKey, eventMs int64, msgs ...proto.Message) []byte {
	body := &types.TxBody{ChainId: testChainID, Signer: pub(k), Sequence: s.seq[string(pub(k))], EventTimeMs: eventMs}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	bb, err := proto.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	raw, err := proto.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(k, types.SignBytes(bb))})
	if err != nil {
		s.t.Fatal(err)
	}
	return raw
}

func (s *familySim) ent() famParty { return famEnterprises[s.pick(len(famEnterprises))] }

func (s *familySim) held(uscc string) (string, bool) {
	if len(s.holds[uscc]) == 0 {
		return "", false
	}
	return s.holds[uscc][s.pick(len(s.holds[uscc]))], true
}

// famBatchOf is the batch id of a code the sim commissioned
// (/01/GTIN/10/BATCH/21/SERIAL, by the importer or the market).
func famBatchOf(code string) string {
	parts := strings.Split(code, "/")
	if len(parts) < 5 {
		return importerUSCC + "/"
	}
	if strings.HasPrefix(parts[4], "CN-") {
		return marketUSCC + "/" + parts[4]
	}
	return importerUSCC + "/" + parts[4]
}

func (s *familySim) newSerial() string {
	s.serial++
	return fmt.Sprintf("S%05d", s.serial)
}

// send has a party sign and submit one message of a random family.
func (s *familySim) send() {
	var k ed25519.PrivateKey
	var msg proto.Message
	var eventMs int64
	var after func(raw []byte)
	p := s.ent()
	switch s.pick(32) {
	case 30, 31:
		s.lifecycle()
		return
	case 0:
		n := fmt.Sprintf("3101202300%08d", 1+s.pick(1_000_000))
		k, msg = kSVCustoms, svDeclare(n, 50_000)
		s.decls = append(s.decls, n)
	case 1, 2, 3:
		batch := "EC-" + s.newSerial()
		decl := s.decls[s.pick(len(s.decls))]
		if s.pick(4) == 0 {
			decl = fmt.Sprintf("3101202399%08d", s.pick(1000)) // not declared: unverified
		}
		facts := svImportedFacts(decl)
		owner := famParty{kImp, importerUSCC}
		if s.pick(3) == 0 {
			facts, owner, batch = svDomesticFacts(), famParty{kMarket, marketUSCC}, "CN-"+s.newSerial()
		}
		m := &types.MsgCommission{Batch: batch, Facts: facts}
		for range 1 + s.pick(3) {
			code := svCode(batch, s.newSerial())
			m.Codes = append(m.Codes, &types.NewCode{Code: code, Quantity: 2_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
			s.holds[owner.uscc] = append(s.holds[owner.uscc], code)
		}
		k, msg = owner.key, m
		s.batches = append(s.batches, owner.uscc+"/"+batch)
	case 4, 5, 6:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		buyer := s.ent()
		if s.pick(3) == 0 {
			buyer = famParty{kSVWH, svWHUSCC}
		}
		items := svItems(code, uint64(500*(1+s.pick(4))))
		k, msg = p.key, &types.MsgDispatch{Buyer: buyer.uscc, Items: items}
		after = func(raw []byte) {
			s.cons[buyer.uscc] = append(s.cons[buyer.uscc], simCon{id: ConsignmentID(types.TxHash(raw), 0), items: items})
			s.holds[buyer.uscc] = append(s.holds[buyer.uscc], code)
		}
	case 7, 8, 9:
		if len(s.cons[p.uscc]) == 0 {
			return
		}
		i := s.pick(len(s.cons[p.uscc]))
		con := s.cons[p.uscc][i]
		s.cons[p.uscc] = append(s.cons[p.uscc][:i], s.cons[p.uscc][i+1:]...)
		k, msg = p.key, &types.MsgReceive{Consignment: con.id, Received: con.items}
	case 10:
		code, ok := s.held(svWHUSCC)
		if !ok {
			return
		}
		k, msg = kSVWH, &types.MsgWarehouseEntry{Codes: []string{code}}
	case 11:
		if len(s.batches) == 0 {
			return
		}
		b := s.batches[s.pick(len(s.batches))]
		if code, ok := s.held(svWHUSCC); ok && s.pick(2) == 0 {
			b = famBatchOf(code) // what the warehouse holds, mostly
		}
		if s.pick(2) == 0 {
			k, msg = kSVCustoms, v3Inspect(b, "IQ-"+s.newSerial())
		} else {
			k, msg = kSVWH, v3Sample(b)
		}
	case 12:
		code, ok := s.held(svWHUSCC)
		if !ok || strings.HasPrefix(code, "/00/") {
			return // a pallet is released by its contents
		}
		if s.pick(2) == 0 {
			// The warehouse's own test and the release in one tx.
			raw := s.sign(kSVWH, 0, v3Sample(famBatchOf(code)), &types.MsgRelease{Codes: []string{code}, DisinfectionCertificate: "DS-" + s.newSerial()})
			if s.check(raw, abci.CheckTxType_New, "new sample and release") == 0 {
				s.seq[string(pub(kSVWH))]++
				s.pool = append(s.pool, simTx{raw: raw, key: kSVWH, seq: s.seq[string(pub(kSVWH))] - 1})
			}
			return
		}
		k, msg = kSVWH, &types.MsgRelease{Codes: []string{code}, DisinfectionCertificate: "DS-" + s.newSerial()}
	case 13:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		k, msg = p.key, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 100)}
	case 14:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		k, msg = p.key, &types.MsgSplit{Parent: code, Children: []*types.NewCode{{Quantity: 100}, {Quantity: 100}}}
	case 15:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		unit := sscc(fmt.Sprintf("1061414%010d", s.pick(1_000_000)))
		k, msg = p.key, &types.MsgAggregate{Unit: unit, Items: svItems(code, 1_000)}
		s.units = append(s.units, unit)
		s.holds[p.uscc] = append(s.holds[p.uscc], unit)
	case 16:
		if len(s.units) == 0 {
			return
		}
		k, msg = p.key, &types.MsgDisaggregate{Unit: s.units[s.pick(len(s.units))]}
	case 17:
		if len(s.cons[p.uscc]) == 0 {
			return
		}
		con := s.cons[p.uscc][s.pick(len(s.cons[p.uscc]))]
		start := s.now.Unix() - 600
		k, msg = p.key, &types.MsgSensorReport{Consignment: con.id, MinCenti: 400, MaxCenti: 900, StartUnix: start, EndUnix: start + 300, DeviceId: "T-" + s.newSerial()}
	case 18:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		k, msg = kCity, svPositive(code)
	case 19:
		doc := sha256.Sum256([]byte(s.newSerial()))
		subject := []types.SiteSubject{types.SiteSubject_SITE_SUBJECT_STAFF, types.SiteSubject_SITE_SUBJECT_SURFACE}[s.pick(2)]
		k, msg = kCity, &types.MsgRecordSiteTest{Site: p.uscc, Subject: subject, Samples: 5, Positives: uint32(s.pick(2)),
			Lab: "Hangzhou CDC", SampleDate: "2023-11-14", DocumentHash: doc[:]}
	case 20:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		if s.pick(2) == 0 {
			k, msg = kCity, &types.MsgHold{Codes: []string{code}, Reason: "label mismatch"}
		} else {
			k, msg = kCity, &types.MsgUnhold{Codes: []string{code}, Reason: "labels fine"}
		}
	case 21:
		if len(s.batches) == 0 || s.pick(4) != 0 {
			return // a recall ends a batch's life: rarely
		}
		k, msg = kCity, &types.MsgRecall{Batch: s.batches[s.pick(len(s.batches))], Reason: "listeria"}
	case 22:
		if p.uscc == svWHUSCC || p.uscc == svShop2 || p.uscc == svDiner2 {
			return // outside the district
		}
		if s.pick(2) == 0 {
			k, msg = kDistrict, &types.MsgSuspendEnterprise{Uscc: p.uscc, Reason: "inspection"}
		} else {
			k, msg = kDistrict, &types.MsgReinstateEnterprise{Uscc: p.uscc, Reason: "passed"}
		}
	case 23:
		if len(s.fresh) > 0 && s.pick(2) == 0 {
			f := s.fresh[s.pick(len(s.fresh))]
			if _, added := s.freshFor[string(pub(f))]; added && s.pick(2) == 0 {
				k, msg = kDistrict, &types.MsgRevokeKey{Key: pub(f), Reason: "scanner lost"}
			} else if added {
				// The added key trades for its enterprise.
				code, ok := s.held(s.freshFor[string(pub(f))])
				if !ok {
					return
				}
				k, msg = f, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 10)}
			} else {
				k, msg = kDistrict, &types.MsgDecideApplication{Uscc: mkUSCC(fmt.Sprintf("91330106MA2AP%03d0", len(s.fresh)%1000)), Approve: s.pick(3) != 0, Reason: "checked"}
			}
			break
		}
		f := testKey("family fresh " + s.newSerial())
		s.fresh = append(s.fresh, f)
		s.seq[string(pub(f))] = 0
		if s.pick(2) == 0 && p.uscc != svWHUSCC && p.uscc != svShop2 && p.uscc != svDiner2 {
			s.freshFor[string(pub(f))] = p.uscc
			k, msg = kDistrict, &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: p.uscc, Key: pub(f)}
		} else {
			k, msg = f, &types.MsgApplyEnterprise{Uscc: mkUSCC(fmt.Sprintf("91330106MA2AP%03d0", len(s.fresh)%1000)), Name: "Applicant",
				Kind: types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, Division: districtDiv, Profile: testProfile("2027-12-31")}
		}
	case 24:
		params := types.DefaultParams()
		params.MaxEventAgeSeconds = uint32(600 + s.pick(3)*3600)
		k, msg = kRoot, &types.MsgSetParams{Params: params, Height: s.apps[0].height + 1 + int64(s.pick(3)), Reason: "tuning"}
	case 25:
		code, ok := s.held(famExpiringUSCC)
		if !ok {
			code, ok = s.held(p.uscc)
			if !ok {
				return
			}
			k, msg = p.key, &types.MsgDispatch{Buyer: famExpiringUSCC, Items: svItems(code, 300)}
			break
		}
		k, msg = kFamExpiring, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 10)}
	case 26:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		doc := sha256.Sum256([]byte(code))
		k, msg = kCity, &types.MsgDestroy{Code: code, Holder: p.uscc, Quantity: 100, Method: "incineration", DocumentHash: doc[:]}
	case 27:
		k, msg = kCity, &types.MsgAcknowledge{Alert: uint64(1 + s.pick(40)), Comment: "checked"}
		if s.pick(2) == 0 {
			k, msg = kDistrict, &types.MsgRenewLicence{Uscc: famExpiringUSCC, Licence: &types.Licence{Kind: types.LicenceKind_LICENCE_KIND_FOOD_BUSINESS,
				Number: "JY13301060000001", ValidFrom: "2023-11-01", ValidUntil: []string{"2023-11-17", "2028-12-31"}[s.pick(2)]}}
		}
	case 28:
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		k, msg = p.key, &types.MsgDispatch{Items: svItems(code, 100),
			OutsideBuyer: &types.OutsideBuyer{Uscc: mkUSCC("91310115MA1HPHAN0"), Name: "Shanghai buyer", Province: "310000"}}
	case 29:
		// Two messages in one tx: a dispatch and a sale of what is left.
		code, ok := s.held(p.uscc)
		if !ok {
			return
		}
		buyer := s.ent()
		items := svItems(code, 200)
		raw := s.sign(p.key, 0, &types.MsgDispatch{Buyer: buyer.uscc, Items: items}, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 50)})
		if s.check(raw, abci.CheckTxType_New, "new dispatch and sale") == 0 {
			s.seq[string(pub(p.key))]++
			s.pool = append(s.pool, simTx{raw: raw, key: p.key, seq: s.seq[string(pub(p.key))] - 1})
			s.cons[buyer.uscc] = append(s.cons[buyer.uscc], simCon{id: ConsignmentID(types.TxHash(raw), 0), items: items})
		}
		return
	}
	if k == nil {
		return
	}
	switch msg.(type) {
	case *types.MsgDispatch, *types.MsgReceive, *types.MsgSell, *types.MsgSensorReport:
		if s.pick(5) == 0 {
			eventMs = s.now.Add(-time.Duration(s.pick(3)) * 40 * time.Minute).UnixMilli()
		}
	}
	raw := s.sign(k, eventMs, msg)
	code := s.check(raw, abci.CheckTxType_New, fmt.Sprintf("new %T", msg))
	if code != 0 {
		return
	}
	s.seq[string(pub(k))]++
	s.pool = append(s.pool, simTx{raw: raw, key: k, seq: s.seq[string(pub(k))] - 1})
	if after != nil {
		after(raw)
	}
}

// submit signs and submits msgs as one tx of k; an admitted one joins the
// pool.
func (s *familySim) submit(k ed25519.PrivateKey, what string, msgs ...proto.Message) ([]byte, bool) {
	raw := s.sign(k, 0, msgs...)
	if s.check(raw, abci.CheckTxType_New, what) != 0 {
		return raw, false
	}
	s.seq[string(pub(k))]++
	s.pool = append(s.pool, simTx{raw: raw, key: k, seq: s.seq[string(pub(k))] - 1})
	return raw, true
}

// lifecycle submits, one after the other before any block, the txs that
// take an imported batch through the supervision warehouse to a shop: all
// in the mempool together, each depending on the one before.
func (s *familySim) lifecycle() {
	batch := "EC-" + s.newSerial()
	decl := s.decls[s.pick(len(s.decls))]
	code := svCode(batch, s.newSerial())
	if _, ok := s.submit(kImp, "lifecycle commission", &types.MsgCommission{Batch: batch, Facts: svImportedFacts(decl),
		Codes: []*types.NewCode{{Code: code, Quantity: 4_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}); !ok {
		return
	}
	items := svItems(code, 4_000)
	raw, ok := s.submit(kImp, "lifecycle dispatch", &types.MsgDispatch{Buyer: svWHUSCC, Items: items})
	if !ok {
		return
	}
	steps := []struct {
		k    ed25519.PrivateKey
		msgs []proto.Message
	}{
		{kSVWH, []proto.Message{&types.MsgReceive{Consignment: ConsignmentID(types.TxHash(raw), 0), Received: items}}},
		{kSVWH, []proto.Message{&types.MsgWarehouseEntry{Codes: []string{code}}}},
		{kSVCustoms, []proto.Message{v3Inspect(importerUSCC+"/"+batch, "IQ-"+s.newSerial())}},
		{kSVWH, []proto.Message{v3Sample(importerUSCC + "/" + batch), &types.MsgRelease{Codes: []string{code}, DisinfectionCertificate: "DS-" + s.newSerial()}}},
	}
	for i, st := range steps {
		if _, ok := s.submit(st.k, fmt.Sprintf("lifecycle step %d", i), st.msgs...); !ok {
			return
		}
	}
	s.released++
	buyer := []famParty{{kShop, shopUSCC}, {kSVShop2, svShop2}, {kSVDiner2, svDiner2}}[s.pick(3)]
	out := svItems(code, 1_000)
	if raw, ok := s.submit(kSVWH, "lifecycle dispatch to a shop", &types.MsgDispatch{Buyer: buyer.uscc, Items: out}); ok {
		s.cons[buyer.uscc] = append(s.cons[buyer.uscc], simCon{id: ConsignmentID(types.TxHash(raw), 0), items: out})
		s.holds[buyer.uscc] = append(s.holds[buyer.uscc], code)
	}
	s.holds[svWHUSCC] = append(s.holds[svWHUSCC], code)
}

// block commits a proposal of the pool's txs in order, some left out, at
// a time that now and then crosses China's midnight, then rechecks the
// pool as CometBFT does; txs dropped unseen come back later.
func (s *familySim) block() {
	var txs [][]byte
	n := s.pick(len(s.pool) + 1)
	for _, tx := range s.pool[:n] {
		if s.pick(10) != 0 {
			txs = append(txs, tx.raw)
		}
	}
	step := []time.Duration{time.Second, 3 * time.Second, time.Minute, 20 * time.Minute, 3 * time.Hour}[s.pick(5)]
	s.now = s.now.Add(step)
	if s.pick(10) == 0 {
		s.now = s.now.Add(24 * time.Hour)
	}
	var hashes [2][]byte
	var results [2][]*abci.ExecTxResult
	for i, c := range s.apps {
		results[i] = c.at(s.now, txs...)
		hashes[i] = c.appHash()
	}
	if !bytes.Equal(hashes[0], hashes[1]) {
		s.t.Fatal("app hashes differ")
	}
	for i, r := range results[0] {
		// What CometBFT's results hash covers (DeterministicExecTxResult).
		o := results[1][i]
		if r.Code == types.ErrInternal.Code {
			s.t.Fatalf("height %d tx %d: internal error in a block: %s", s.apps[0].height, i, r.Log)
		}
		if r.Code != o.Code || !bytes.Equal(r.Data, o.Data) || r.GasWanted != o.GasWanted || r.GasUsed != o.GasUsed || r.Log != o.Log {
			s.t.Fatalf("height %d tx %d: without analytics %d %q, with %d %q", s.apps[0].height, i, r.Code, r.Log, o.Code, o.Log)
		}
	}
	inBlock := map[string]bool{}
	for _, tx := range txs {
		inBlock[string(tx)] = true
	}
	var kept []simTx
	for _, tx := range s.pool {
		switch {
		case inBlock[string(tx.raw)]:
		case s.pick(25) == 0:
			s.dropped = append(s.dropped, tx)
		default:
			s.rechecks++
			if s.check(tx.raw, abci.CheckTxType_Recheck, "recheck") == 0 {
				kept = append(kept, tx)
			}
		}
	}
	s.pool = kept
	if len(s.dropped) > 0 && s.pick(3) == 0 {
		tx := s.dropped[0]
		s.dropped = s.dropped[1:]
		if s.check(tx.raw, abci.CheckTxType_New, "resubmitted") == 0 {
			s.pool = append(s.pool, tx)
		}
	}
	s.learnSeqs()
}

// TestRecheckReplayEveryFamily: a replaying mempool admits exactly what
// one running every recheck does, over every message family.
func TestRecheckReplayEveryFamily(t *testing.T) {
	var rechecks int
	var replays uint64
	for seed := range uint64(6) {
		s := newFamilySim(t, seed)
		for range 60 {
			for range s.pick(30) {
				s.send()
			}
			s.block()
		}
		if s.apps[1].app.pending.replays != 0 {
			t.Fatal("the app running every recheck replayed")
		}
		if s.released == 0 {
			t.Fatalf("seed %d: no lifecycle reached its release", seed)
		}
		rechecks += s.rechecks
		replays += s.apps[0].app.pending.replays
		figuresAddUp(t, s.apps[1])
	}
	if replays < 300 || replays+300 > uint64(rechecks) {
		t.Fatalf("replayed %d of %d rechecks", replays, rechecks)
	}
	t.Logf("%d rechecks, %d replayed", rechecks, replays)

}
