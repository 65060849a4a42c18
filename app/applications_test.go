package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
	abci "github.com/cometbft/cometbft/abci/types"
)

func testProfile(until string) *types.Profile {
	return &types.Profile{Address: "杭州市西湖区文三路 1 号", LegalRepresentativeTitle: "执行董事兼总经理", Contact: "0571-8888 0000",
		Licences: []*types.Licence{{Kind: types.LicenceKind_LICENCE_KIND_FOOD_BUSINESS, Number: "JY13301060000001", ValidFrom: "2023-01-01", ValidUntil: until}}}
}

// TestApplicationAndLicences (rules v3): an operator applies with a new
// key; until decided it can do nothing; a regulator outside its division
// cannot decide; approval activates it. Its licence raises an alert a month
// before expiry and at expiry, after which it cannot trade until renewed.
// A refused applicant's key is revoked.
func TestApplicationAndLicences(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	k := testKey("applicant")
	u := mkUSCC("91330106MA2APPLY0")
	apply := &types.MsgApplyEnterprise{Uscc: u, Name: "Xihu Frozen Foods", Kind: types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER,
		Division: districtDiv, Profile: testProfile("2023-12-31")}
	c.ok(c.tx(k, apply))
	e, err := snapshotState(t, c.app).Enterprise(u)
	if err != nil || e == nil || e.Status != types.Status_STATUS_PENDING || e.Profile.Address == "" {
		t.Fatalf("pending enterprise %v %v", e, err)
	}
	if seq := accountSeq(t, c.app, k); seq != 1 {
		t.Fatalf("applicant sequence %d", seq)
	}
	c.refused(c.tx(k, svCommission("CN-A", svDomesticFacts(), 1, 100)), types.ErrSignerSuspended)
	c.refused(c.tx(testKey("applicant 2"), apply), types.ErrAlreadyExists)
	c.refused(c.tx(kNingbo, &types.MsgDecideApplication{Uscc: u, Approve: true, Reason: "ok"}), types.ErrOutOfJurisdiction)
	c.ok(c.tx(kDistrict, &types.MsgDecideApplication{Uscc: u, Approve: true, Reason: "documents checked on site"}))
	c.ok(c.tx(k, svCommission("CN-A", svDomesticFacts(), 1, 100)))

	// A month before 2023-12-31, and the day after it.
	c.at(time.Date(2023, 12, 1, 1, 0, 0, 0, types.China))
	alerts := svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_LICENCE)
	if len(alerts) != 1 || !strings.Contains(alerts[0].Message, "expires on 2023-12-31") || alerts[0].Division != districtDiv {
		t.Fatalf("warning alerts %v", alerts)
	}
	c.at(time.Date(2024, 1, 1, 1, 0, 0, 0, types.China))
	alerts = svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_LICENCE)
	if len(alerts) != 2 || !strings.Contains(alerts[1].Message, "cannot trade") {
		t.Fatalf("expiry alerts %v", alerts)
	}
	c.refused(c.tx(k, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svCode("CN-A", "0001"), 1)}), types.ErrLicenceExpired)
	// Nor can others trade with it: goods go only to operators that may trade.
	c.ok(c.tx(kImp, svCommission("CN-B", svDomesticFacts(), 1, 100)))
	c.refused(c.tx(kImp, &types.MsgDispatch{Buyer: u, Items: svItems(svCode("CN-B", "0001"), 10)}), types.ErrLicenceExpired)
	c.refused(c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, BusinessBuyer: u, Items: svItems(svCode("CN-B", "0001"), 10)}), types.ErrLicenceExpired)
	c.refused(c.tx(kShop, &types.MsgRenewLicence{Uscc: u, Licence: &types.Licence{Kind: types.LicenceKind_LICENCE_KIND_FOOD_BUSINESS, Number: "JY13301060000001", ValidFrom: "2024-01-01", ValidUntil: "2028-12-31"}}), types.ErrUnauthorized)
	c.ok(c.tx(k, &types.MsgRenewLicence{Uscc: u, Licence: &types.Licence{Kind: types.LicenceKind_LICENCE_KIND_FOOD_BUSINESS, Number: "JY13301060000001", ValidFrom: "2024-01-01", ValidUntil: "2028-12-31"}}))
	c.ok(c.tx(k, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svCode("CN-A", "0001"), 1)}))
	c.refused(c.tx(k, &types.MsgRenewLicence{Uscc: u, Licence: &types.Licence{Kind: types.LicenceKind_LICENCE_KIND_FOOD_BUSINESS, Number: "JY13301060000001", ValidFrom: "2024-01-01", ValidUntil: "2028-12-30"}}), types.ErrInvalidField)

	// A refused application: its key is revoked; it may apply again with another key.
	k2 := testKey("refused applicant")
	u2 := mkUSCC("91330106MA2REFUD0")
	c.ok(c.tx(k2, &types.MsgApplyEnterprise{Uscc: u2, Name: "Fly-by-night Trading", Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: districtDiv, Profile: testProfile("2027-12-31")}))
	c.ok(c.tx(kDistrict, &types.MsgDecideApplication{Uscc: u2, Approve: false, Reason: "no cold store at the address"}))
	c.refused(c.tx(k2, &types.MsgRenewLicence{Uscc: u2, Licence: testProfile("2029-01-01").Licences[0]}), types.ErrKeyRevoked)
	c.ok(c.tx(testKey("refused applicant, again"), &types.MsgApplyEnterprise{Uscc: u2, Name: "Fly-by-night Trading", Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: districtDiv, Profile: testProfile("2027-12-31")}))
	// Anyone may apply under any credit code: the regulator's own
	// registration supersedes a squatter's pending application.
	squat := testKey("squatter")
	u3 := mkUSCC("91330106MA2RQUAT0")
	c.ok(c.tx(squat, &types.MsgApplyEnterprise{Uscc: u3, Name: "Not Them", Kind: types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, Division: districtDiv, Profile: testProfile("2027-12-31")}))
	c.ok(c.tx(kDistrict, regEnterprise(u3, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, testKey("the real owner"))))
	c.refused(c.tx(squat, &types.MsgRenewLicence{Uscc: u3, Licence: testProfile("2029-01-01").Licences[0]}), types.ErrKeyRevoked)
	if e, _ := snapshotState(t, c.app).Enterprise(u3); e == nil || e.Status != types.Status_STATUS_ACTIVE {
		t.Fatalf("superseded application: %v", e)
	}
	// An application needs a profile with a food licence; a bad one changes nothing.
	bad := &types.MsgApplyEnterprise{Uscc: mkUSCC("91330106MA2NPLAC0"), Name: "No licence", Kind: types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, Division: districtDiv,
		Profile: &types.Profile{Address: "x", LegalRepresentativeTitle: "y", Contact: "z"}}
	if code := svCheckCode(t, c, c.tx(testKey("no licence"), bad)); code != types.ErrInvalidField.Code {
		t.Fatalf("application without a licence: code %d", code)
	}
	// Under v2 applications do not exist: an unknown key is an unknown signer.
	v2 := newSVChainRules(t, nil, types.RulesV2)
	svParties(v2)
	if code := svCheckCode(t, v2, v2.tx(testKey("v2 applicant"), apply)); code != types.ErrTxDecode.Code {
		t.Fatalf("application under v2: code %d", code)
	}
}

// TestPrepareProposalKeepsApplications: a proposer keeps an application
// signed by a key the chain does not know (sequence 0), and still drops
// other txs of unknown keys.
func TestPrepareProposalKeepsApplications(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	apply := c.tx(testKey("proposal applicant"), &types.MsgApplyEnterprise{Uscc: mkUSCC("91330106MA2PRPAL0"), Name: "Stall", Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET,
		Division: districtDiv, Profile: testProfile("2029-12-31")})
	stranger := c.tx(testKey("stranger"), &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svCode("X", "0001"), 1)})
	res, err := c.app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: [][]byte{apply, stranger}, MaxTxBytes: 1 << 20, Height: c.height + 1})
	if err != nil || len(res.Txs) != 1 || string(res.Txs[0]) != string(apply) {
		t.Fatalf("proposal keeps %d txs (%v), want the application only", len(res.Txs), err)
	}
}

// TestApplicationsHostile: a regulator cannot supersede an application
// outside its jurisdiction; nobody can apply where no regulator could
// decide; an approved application counts in the figures.
func TestApplicationsHostile(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	u := mkUSCC("91330106MA2JUR010")
	c.ok(c.tx(testKey("xihu applicant"), &types.MsgApplyEnterprise{Uscc: u, Name: "Xihu Stall", Kind: types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, Division: districtDiv, Profile: testProfile("2028-12-31")}))
	c.refused(c.tx(kNingbo, regEnterprise(u, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, testKey("ningbo takeover"))), types.ErrOutOfJurisdiction)
	c.refused(c.tx(testKey("shanghai applicant"), &types.MsgApplyEnterprise{Uscc: mkUSCC("91310106MA1HPHA10"), Name: "Elsewhere", Kind: types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, Division: "310106", Profile: testProfile("2028-12-31")}), types.ErrOutOfJurisdiction)
	before := queryRecord[*types.StatsList](t, c.testChain, "/supervision/stats/330106").Total
	c.ok(c.tx(kDistrict, &types.MsgDecideApplication{Uscc: u, Approve: true, Reason: "checked"}))
	after := queryRecord[*types.StatsList](t, c.testChain, "/supervision/stats/330106").Total
	count := func(s *types.DayStats) uint64 {
		for _, k := range s.EnterprisesRegistered {
			if k.Kind == "restaurant" {
				return k.Count
			}
		}
		return 0
	}
	if count(after) != count(before)+1 {
		t.Fatalf("restaurants registered: %d then %d", count(before), count(after))
	}
}
