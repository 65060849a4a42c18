// Package demo seeds a realistic cold-chain scenario into a running
// coldtrace node, for trying the gateway (`coldtrace demo`) and for tests:
// a city regulator registers an importer, a supervision warehouse, a
// wholesale market, a supermarket and a restaurant; a domestic batch and an
// imported one (declared by customs, entered and released by the
// warehouse) move to the shop and the restaurant with temperature reports;
// the regulator holds one carton. Every step is skipped when the chain
// already shows it done, so Seed can run again on the same node.
package demo

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// Keyring names of the keys Seed uses (created when missing).
const (
	KeyCity       = "demo-city"
	KeyImporter   = "demo-importer"
	KeyWarehouse  = "demo-warehouse"
	KeyMarket     = "demo-market"
	KeyShop       = "demo-shop"
	KeyRestaurant = "demo-restaurant"
)

// Options say whose keys sign and where.
type Options struct {
	// Root is the root regulator's key and RootDivision its division
	// (330000 for a province; a city or district works too).
	Root         ed25519.PrivateKey
	RootDivision string
	// Customs is a customs key named in the genesis.
	Customs ed25519.PrivateKey
	// Key returns the keyring key of a name, creating it when missing.
	Key func(name string) (ed25519.PrivateKey, error)
	// Log receives one line per step (nil: none).
	Log io.Writer
	// Now dates the scenario (zero: the current time).
	Now time.Time
}

// Result names what Seed made.
type Result struct {
	City                                          string // division of the regulator that acts for the city (its holds' source)
	Importer, Warehouse, Market, Shop, Restaurant string // USCCs
	Keys                                          map[string]ed25519.PrivateKey
	CityKey                                       ed25519.PrivateKey
	DomesticBatch, ImportedBatch                  string // batch ids (USCC/BATCH)
	Domestic, Imported                            []string
	// Normal is a domestic carton at the supermarket, Held a domestic
	// carton the regulator holds at the market, ImportedCarton an imported
	// carton used by the restaurant.
	Normal, Held, ImportedCarton string
	// Names are the enterprises' names by USCC.
	Names map[string]string
}

// Enterprise names and product facts of the scenario.
const (
	cityName       = "杭州市市场监督管理局"
	importerName   = "杭州西湖海鲜进口有限公司"
	warehouseName  = "杭州冷链食品集中监管仓"
	marketName     = "杭州水产品批发市场"
	shopName       = "西湖生鲜超市"
	restaurantName = "湖畔餐厅"

	DomesticName = "冷冻带鱼 Frozen hairtail"
	ImportedName = "冷冻白虾 Frozen white shrimp"
	declaration  = "310120260000654321"
	HoldReason   = "抽检发现外包装破损、疑似解冻后复冻，暂扣待检"
)

type seeder struct {
	c   *client.Client
	ctx context.Context
	log io.Writer
}

func (s *seeder) logf(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format+"\n", args...)
	}
}

func uscc(div, org string) string {
	body := "91" + div + org
	c, err := types.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

func gtin(first13 string) string {
	c, err := types.GS1CheckDigit(first13)
	if err != nil {
		panic(err)
	}
	return first13 + string(c)
}

// divisions picks the city regulator's division and the district of the
// shops under a root division.
func divisions(root string) (city, district string, err error) {
	d, err := types.ParseDivision(root)
	if err != nil {
		return "", "", err
	}
	switch d.Level() {
	case 1:
		return root[:2] + "0100", root[:2] + "0106", nil
	case 2:
		return root[:4] + "06", root[:4] + "06", nil
	}
	return root, root, nil
}

// exists runs a query; a not-found answer is false.
func (s *seeder) exists(path string, m proto.Message) (bool, error) {
	_, err := s.c.QueryInto(s.ctx, path, m)
	if errors.Is(err, types.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (s *seeder) send(key ed25519.PrivateKey, what string, msgs ...proto.Message) error {
	res, err := s.c.Send(s.ctx, key, msgs...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.logf("  %s (height %d)", what, res.Height)
	return nil
}

func (s *seeder) history(code string) (*types.HistoryPage, error) {
	h := &types.HistoryPage{}
	_, err := s.c.QueryInto(s.ctx, "/trace/history?limit=1000&code="+url.QueryEscape(code), h)
	return h, err
}

// find returns the first event of a code's history with this step and
// actor for which match holds.
func (s *seeder) find(code, step, actor string, match func(*types.Event, proto.Message) bool) (*types.Event, error) {
	h, err := s.history(code)
	if err != nil {
		return nil, err
	}
	for _, e := range h.Events {
		if e.BizStep != step || e.Actor != actor {
			continue
		}
		m, err := e.Msg.Inner()
		if err != nil {
			return nil, err
		}
		if match == nil || match(e, m) {
			return e, nil
		}
	}
	return nil, nil
}

// move dispatches items from one enterprise to another and receives them,
// each unless the first item's history shows it done.
func (s *seeder) move(fromKey ed25519.PrivateKey, from string, toKey ed25519.PrivateKey, to, what string, items []*types.CodeQuantity) error {
	first := items[0].Code
	toBuyer := func(_ *types.Event, m proto.Message) bool {
		d, ok := m.(*types.MsgDispatch)
		return ok && d.Buyer == to
	}
	ship, err := s.find(first, "shipping", from, toBuyer)
	if err != nil {
		return err
	}
	if ship == nil {
		if err := s.send(fromKey, "dispatch "+what, &types.MsgDispatch{Buyer: to, Items: items}); err != nil {
			return err
		}
		if ship, err = s.find(first, "shipping", from, toBuyer); err != nil || ship == nil {
			return fmt.Errorf("dispatch %s: not in the history of %s (%v)", what, first, err)
		}
	}
	got, err := s.find(first, "receiving", to, func(e *types.Event, _ proto.Message) bool { return bytes.Equal(e.Consignment, ship.Consignment) })
	if err != nil || got != nil {
		return err
	}
	return s.send(toKey, "receive "+what, &types.MsgReceive{Consignment: ship.Consignment, Received: items, Note: "冷链车到货，温度正常"})
}

// once sends msgs unless code's history has step by actor.
func (s *seeder) once(code, step, actor string, key ed25519.PrivateKey, what string, msgs ...proto.Message) error {
	e, err := s.find(code, step, actor, nil)
	if err != nil || e != nil {
		return err
	}
	return s.send(key, what, msgs...)
}

// Seed runs the scenario, skipping what is already on chain.
func Seed(ctx context.Context, c *client.Client, o Options) (*Result, error) {
	if o.Root == nil || o.Customs == nil || o.Key == nil {
		return nil, errors.New("demo: give the root regulator's and customs' keys and a keyring")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	s := &seeder{c: c, ctx: ctx, log: o.Log}
	cityDiv, district, err := divisions(o.RootDivision)
	if err != nil {
		return nil, err
	}
	r := &Result{City: cityDiv, Keys: map[string]ed25519.PrivateKey{}, Names: map[string]string{}}
	for _, n := range []string{KeyCity, KeyImporter, KeyWarehouse, KeyMarket, KeyShop, KeyRestaurant} {
		k, err := o.Key(n)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", n, err)
		}
		r.Keys[n] = k
	}
	pub := func(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }
	owner := func(k ed25519.PrivateKey) (string, error) {
		a := &types.Account{}
		ok, err := s.exists(fmt.Sprintf("/registry/account/%x", pub(k)), a)
		if !ok || err != nil {
			return "", err
		}
		return a.OwnerId, nil
	}

	// The city regulator: registered by the root, unless the division has
	// one already (its key not ours): then the root acts for the city.
	s.logf("registry")
	r.CityKey = o.Root
	regDiv := o.RootDivision // the division of the regulator that acts for the city
	if cityDiv != o.RootDivision {
		if ok, err := s.exists("/registry/regulator/"+cityDiv, &types.Regulator{}); err != nil {
			return nil, err
		} else if !ok {
			if err := s.send(o.Root, "register regulator "+cityDiv+" "+cityName,
				&types.MsgRegisterRegulator{Division: cityDiv, Name: cityName, Keys: [][]byte{pub(r.Keys[KeyCity])}}); err != nil {
				return nil, err
			}
			r.CityKey, regDiv = r.Keys[KeyCity], cityDiv
		} else if id, err := owner(r.Keys[KeyCity]); err != nil {
			return nil, err
		} else if id == cityDiv {
			r.CityKey, regDiv = r.Keys[KeyCity], cityDiv
		} else {
			s.logf("  regulator %s is registered with other keys: the root regulator acts for it", cityDiv)
			regDiv = o.RootDivision
		}
	}

	type ent struct {
		id, name, div, key string
		kind               types.EnterpriseKind
	}
	ents := []ent{
		{uscc(cityDiv, "MA2CT1001"), importerName, cityDiv, KeyImporter, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER},
		{uscc(cityDiv, "MA2CT1002"), warehouseName, cityDiv, KeyWarehouse, types.EnterpriseKind_ENTERPRISE_KIND_SUPERVISION_WAREHOUSE},
		{uscc(cityDiv, "MA2CT1003"), marketName, cityDiv, KeyMarket, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET},
		{uscc(district, "MA2CT1004"), shopName, district, KeyShop, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET},
		{uscc(district, "MA2CT1005"), restaurantName, district, KeyRestaurant, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT},
	}
	var regs []proto.Message
	for _, e := range ents {
		r.Names[e.id] = e.name
		ok, err := s.exists("/registry/enterprise/"+e.id, &types.Enterprise{})
		if err != nil {
			return nil, err
		}
		if ok {
			if id, err := owner(r.Keys[e.key]); err != nil {
				return nil, err
			} else if id != e.id {
				return nil, fmt.Errorf("demo: enterprise %s is registered, but not with the key %s of this keyring", e.id, e.key)
			}
			continue
		}
		regs = append(regs, &types.MsgRegisterEnterprise{Uscc: e.id, Name: e.name, Kind: e.kind, Division: e.div, Keys: [][]byte{pub(r.Keys[e.key])}})
	}
	if len(regs) > 0 {
		if err := s.send(r.CityKey, fmt.Sprintf("register %d enterprises", len(regs)), regs...); err != nil {
			return nil, err
		}
	}
	r.Importer, r.Warehouse, r.Market, r.Shop, r.Restaurant = ents[0].id, ents[1].id, ents[2].id, ents[3].id, ents[4].id
	imp, wh, market, shop, kitchen := r.Keys[KeyImporter], r.Keys[KeyWarehouse], r.Keys[KeyMarket], r.Keys[KeyShop], r.Keys[KeyRestaurant]

	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	docHash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	g1, g2 := gtin("0697123456001"), gtin("0697123456002")
	const domBatch, impBatch = "ZS2026-A", "EC2026-A"
	r.DomesticBatch, r.ImportedBatch = r.Importer+"/"+domBatch, r.Importer+"/"+impBatch
	for i := 1; i <= 3; i++ {
		r.Domestic = append(r.Domestic, fmt.Sprintf("/01/%s/10/%s/21/%04d", g1, domBatch, i))
		r.Imported = append(r.Imported, fmt.Sprintf("/01/%s/10/%s/21/%04d", g2, impBatch, i))
	}
	r.Normal, r.Held, r.ImportedCarton = r.Domestic[0], r.Domestic[2], r.Imported[0]
	cq := func(code string, q uint64) *types.CodeQuantity { return &types.CodeQuantity{Code: code, Quantity: q} }
	grams := types.QuantityUnit_QUANTITY_UNIT_GRAMS

	// Domestic goods: commissioned by the importer, to the market, on to
	// the supermarket and the restaurant; one carton stays and is held.
	s.logf("domestic batch %s", r.DomesticBatch)
	if ok, err := s.exists("/trace/batch?id="+url.QueryEscape(r.DomesticBatch), &types.Batch{}); err != nil {
		return nil, err
	} else if !ok {
		com := &types.MsgCommission{Batch: domBatch, Facts: &types.ProductFacts{
			Name: DomesticName, Category: "frozen fish", Gtin: g1, OriginCountry: "CN",
			ProductionDate: day(-20), ShelfLifeDays: 365, Supplier: "舟山远洋渔业有限公司",
			CertificateOfOrigin: "ZJ-ZS-2026-0612", InspectionCertificate: "IQ-330900-2026-0318", DisinfectionCertificate: "DS-330100-2026-0620",
			NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "浙江省疾病预防控制中心", Date: day(-18), DocumentHash: docHash("nat " + domBatch)},
			TempMinCenti:    -3000, TempMaxCenti: -1800}}
		for _, code := range r.Domestic {
			com.Codes = append(com.Codes, &types.NewCode{Code: code, Quantity: 10_000, Unit: grams})
		}
		if err := s.send(imp, "commission "+DomesticName, com); err != nil {
			return nil, err
		}
	}
	window := func(daysAgo int, hours int) (int64, int64) {
		start := now.Truncate(time.Hour).AddDate(0, 0, -daysAgo).Add(-2 * time.Hour)
		return start.Unix(), start.Add(time.Duration(hours) * time.Hour).Unix()
	}
	sensor := func(codes []string, lo, hi int32, daysAgo, hours int, device string) *types.MsgSensorReport {
		a, b := window(daysAgo, hours)
		return &types.MsgSensorReport{Codes: codes, MinCenti: lo, MaxCenti: hi, StartUnix: a, EndUnix: b, DeviceId: device, RawDataHash: docHash(device + fmt.Sprint(a))}
	}
	if err := s.once(r.Domestic[0], "sensor_reporting", r.Importer, imp, "importer cold store temperatures",
		sensor(r.Domestic, -2350, -2120, 6, 20, "CS-IMP-07")); err != nil {
		return nil, err
	}
	all := []*types.CodeQuantity{cq(r.Domestic[0], 10_000), cq(r.Domestic[1], 10_000), cq(r.Domestic[2], 10_000)}
	if err := s.move(imp, r.Importer, market, r.Market, "3 domestic cartons, importer → market", all); err != nil {
		return nil, err
	}
	if err := s.once(r.Domestic[0], "sensor_reporting", r.Market, market, "market cold store temperatures",
		sensor(r.Domestic, -2180, -1930, 4, 30, "MKT-CS-02")); err != nil {
		return nil, err
	}
	if err := s.move(market, r.Market, shop, r.Shop, "a domestic carton, market → supermarket", []*types.CodeQuantity{cq(r.Domestic[0], 10_000)}); err != nil {
		return nil, err
	}
	if err := s.once(r.Domestic[0], "sensor_reporting", r.Shop, shop, "supermarket freezer temperatures",
		sensor(r.Domestic[:1], -2050, -1860, 2, 36, "SHOP-FZ-11")); err != nil {
		return nil, err
	}
	if err := s.once(r.Domestic[0], "retail_selling", r.Shop, shop, "supermarket sells 2 kg",
		&types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(r.Domestic[0], 2000)}}); err != nil {
		return nil, err
	}
	if err := s.move(market, r.Market, kitchen, r.Restaurant, "a domestic carton, market → restaurant", []*types.CodeQuantity{cq(r.Domestic[1], 10_000)}); err != nil {
		return nil, err
	}
	if err := s.once(r.Domestic[1], "retail_selling", r.Restaurant, kitchen, "restaurant uses 3 kg",
		&types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{cq(r.Domestic[1], 3000)}}); err != nil {
		return nil, err
	}

	// Imported goods: declared by customs, commissioned citing the
	// declaration, through the supervision warehouse, released, to the
	// market, the restaurant and the supermarket.
	s.logf("imported batch %s", r.ImportedBatch)
	if ok, err := s.exists("/supervision/declaration/"+declaration, &types.Declaration{}); err != nil {
		return nil, err
	} else if !ok {
		if err := s.send(o.Customs, "customs declaration "+declaration, &types.MsgDeclare{Number: declaration, Port: "上海洋山港", Date: day(-42),
			Goods: "冷冻白虾 frozen white shrimp", Gtin: g2, Quantity: 60_000, Unit: grams, OriginCountry: "EC", Importer: r.Importer}); err != nil {
			return nil, err
		}
	}
	if ok, err := s.exists("/trace/batch?id="+url.QueryEscape(r.ImportedBatch), &types.Batch{}); err != nil {
		return nil, err
	} else if !ok {
		com := &types.MsgCommission{Batch: impBatch, Facts: &types.ProductFacts{
			Name: ImportedName, Category: "frozen seafood", Gtin: g2, OriginCountry: "EC",
			ProductionDate: day(-45), ShelfLifeDays: 730, Supplier: "Guayaquil Seafood S.A.",
			CertificateOfOrigin: "EC-2026-1188", CustomsDeclaration: declaration, InspectionCertificate: "IQ-310100-2026-0042",
			NucleicAcidTest: &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "上海口岸检测实验室", Date: day(-40), DocumentHash: docHash("nat " + impBatch)},
			TempMinCenti:    -3000, TempMaxCenti: -1800}}
		for _, code := range r.Imported {
			com.Codes = append(com.Codes, &types.NewCode{Code: code, Quantity: 20_000, Unit: grams})
		}
		if err := s.send(imp, "commission "+ImportedName, com); err != nil {
			return nil, err
		}
	}
	allImp := []*types.CodeQuantity{cq(r.Imported[0], 20_000), cq(r.Imported[1], 20_000), cq(r.Imported[2], 20_000)}
	if err := s.move(imp, r.Importer, wh, r.Warehouse, "3 imported cartons, importer → supervision warehouse", allImp); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "storing", r.Warehouse, wh, "warehouse entry", &types.MsgWarehouseEntry{Codes: r.Imported}); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "sensor_reporting", r.Warehouse, wh, "warehouse temperatures",
		sensor(r.Imported, -2420, -2200, 8, 48, "WH-CS-03")); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "sampling", r.Warehouse, wh, "the warehouse's negative test of the batch",
		&types.MsgRecordTest{Batch: r.Importer + "/" + impBatch, Kind: types.TestKind_TEST_KIND_SAMPLING,
			Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "inspecting", "customs", o.Customs, "customs' inspection and quarantine certificate of the batch",
		&types.MsgRecordTest{Batch: r.Importer + "/" + impBatch, Kind: types.TestKind_TEST_KIND_INSPECTION,
			Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "杭州海关技术中心", TestName: "inspection and quarantine",
			Certificate: "IQ-310100-2026-0042"}); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "releasing", r.Warehouse, wh, "release after inspection, test and disinfection",
		&types.MsgRelease{Codes: r.Imported[:2], DisinfectionCertificate: "DS-330100-2026-0917"}); err != nil {
		return nil, err
	}
	if err := s.move(wh, r.Warehouse, market, r.Market, "2 released cartons, warehouse → market",
		[]*types.CodeQuantity{cq(r.Imported[0], 20_000), cq(r.Imported[1], 20_000)}); err != nil {
		return nil, err
	}
	if err := s.move(market, r.Market, kitchen, r.Restaurant, "an imported carton, market → restaurant", []*types.CodeQuantity{cq(r.Imported[0], 20_000)}); err != nil {
		return nil, err
	}
	if err := s.once(r.Imported[0], "retail_selling", r.Restaurant, kitchen, "restaurant uses 5 kg",
		&types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: []*types.CodeQuantity{cq(r.Imported[0], 5000)}}); err != nil {
		return nil, err
	}
	if err := s.move(market, r.Market, shop, r.Shop, "an imported carton, market → supermarket", []*types.CodeQuantity{cq(r.Imported[1], 20_000)}); err != nil {
		return nil, err
	}
	// A short excursion (a freezer door left open): counted and alerted,
	// within the tolerance, so not held.
	a, b := window(1, 0)
	if err := s.once(r.Imported[1], "sensor_reporting", r.Shop, shop, "supermarket freezer: a 10-minute excursion",
		&types.MsgSensorReport{Codes: r.Imported[1:2], MinCenti: -1950, MaxCenti: -1520, StartUnix: a, EndUnix: b + 600, DeviceId: "SHOP-FZ-12"}); err != nil {
		return nil, err
	}

	// The regulator holds the carton left at the market.
	s.logf("supervision")
	r.City = regDiv
	if err := s.once(r.Held, "holding", regDiv, r.CityKey, "hold "+r.Held, &types.MsgHold{Codes: []string{r.Held}, Reason: HoldReason}); err != nil {
		return nil, err
	}
	return r, nil
}
