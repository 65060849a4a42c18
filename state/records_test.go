package state

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func newState(t *testing.T) (*State, *Cache, *Tree) {
	t.Helper()
	tr := OpenMemory(Options{})
	t.Cleanup(func() { _ = tr.Close() })
	c := NewCache(tr)
	return New(c), c, tr
}

func TestParamsMissingAndRoundTrip(t *testing.T) {
	st, _, _ := newState(t)
	if _, err := st.Params(); err == nil || !strings.Contains(err.Error(), "genesis") {
		t.Fatalf("Params before genesis = %v, want an error mentioning genesis", err)
	}
	want := &types.Params{MaxTxBytes: 65536, MaxMsgsPerTx: 8, MaxKeysPerOwner: 5}
	if err := st.SetParams(want); err != nil {
		t.Fatal(err)
	}
	got, err := st.Params()
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("Params = %v, want %v", got, want)
	}
}

func TestChainIDRoundTrip(t *testing.T) {
	st, _, _ := newState(t)
	if id, err := st.ChainID(); err != nil || id != "" {
		t.Fatalf("ChainID before genesis = %q, %v; want empty", id, err)
	}
	if err := st.SetChainID("coldtrace-test-1"); err != nil {
		t.Fatal(err)
	}
	if id, err := st.ChainID(); err != nil || id != "coldtrace-test-1" {
		t.Fatalf("ChainID = %q, %v", id, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	st, c, tr := newState(t)
	uscc := testUSCC(t, "91330100MA2B3C4D5")
	reg := &types.Regulator{Division: "330100", Name: "杭州市市场监督管理局", Parent: "330000",
		Status: types.Status_STATUS_ACTIVE, ActiveKeys: 2, RegisteredHeight: 3}
	ent := &types.Enterprise{Uscc: uscc, Name: "杭州冷链有限公司", Kind: types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE,
		Division: "330106", Status: types.Status_STATUS_ACTIVE, RegisteredBy: "330100", RegisteredHeight: 4, ActiveKeys: 1}
	acct := &types.Account{Key: testPub(9), OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: uscc,
		Sequence: 7, Label: "warehouse", AddedHeight: 4}

	// Absent records read as nil without an error.
	if r, err := st.Regulator("330100"); r != nil || err != nil {
		t.Fatalf("absent regulator = %v, %v", r, err)
	}
	if e, err := st.Enterprise(uscc); e != nil || err != nil {
		t.Fatalf("absent enterprise = %v, %v", e, err)
	}
	if a, err := st.Account(testPub(9)); a != nil || err != nil {
		t.Fatalf("absent account = %v, %v", a, err)
	}

	for _, err := range []error{st.SetRegulator(reg), st.SetEnterprise(ent), st.SetAccount(acct)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, st *State) {
		t.Helper()
		tests := []struct {
			name string
			get  func() (proto.Message, error)
			want proto.Message
		}{
			{"regulator", func() (proto.Message, error) { return st.Regulator("330100") }, reg},
			{"enterprise", func() (proto.Message, error) { return st.Enterprise(uscc) }, ent},
			{"account", func() (proto.Message, error) { return st.Account(testPub(9)) }, acct},
		}
		for _, tc := range tests {
			got, err := tc.get()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !proto.Equal(got, tc.want) {
				t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			}
		}
		// The index entries were written alongside the records.
		if v, ok := mustGet(t, st, string(EnterpriseByDivisionKey("330106", uscc))); !ok || v != "\x01" {
			t.Errorf("enterprise index entry = %q, %v", v, ok)
		}
		if v, ok := mustGet(t, st, string(KeyByOwnerKey(acct.OwnerKind, uscc, acct.Key))); !ok || v != "\x01" {
			t.Errorf("key index entry = %q, %v", v, ok)
		}
	}
	t.Run("in the cache", func(t *testing.T) { check(t, st) })
	if err := c.Write(); err != nil {
		t.Fatal(err)
	}
	mustSave(t, tr)
	snap, err := tr.Immutable(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("in a saved version", func(t *testing.T) { check(t, New(snap)) })

	t.Run("corrupt record", func(t *testing.T) {
		st, _, _ := newState(t)
		if err := st.Set(RegulatorKey("330100"), []byte{0xff, 0xff}); err != nil {
			t.Fatal(err)
		}
		if r, err := st.Regulator("330100"); err == nil {
			t.Fatalf("decoding garbage gave %v and no error", r)
		}
	})
}

// seedEnterprises writes enterprises in several divisions, in an order that
// is neither division nor USCC order, and returns them by USCC.
func seedEnterprises(t *testing.T, st *State) map[string]*types.Enterprise {
	t.Helper()
	specs := []struct{ division, body string }{
		{"330200", "91330200MA0000001"},
		{"330100", "91330100MA0000009"},
		{"340100", "91340100MA0000001"},
		{"330106", "91110000MA0000001"}, // registered in Beijing, located in 330106: sorts first by USCC
		{"330100", "91330100MA0000002"},
		{"330106", "91330106MA0000005"},
		{"110101", "91110101MA0000001"}, // Beijing, outside every "33" query
		{"330100", "12330100MB0000003"},
	}
	out := map[string]*types.Enterprise{}
	for i, s := range specs {
		e := &types.Enterprise{Uscc: testUSCC(t, s.body), Name: "enterprise " + s.body, Division: s.division,
			Kind: types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, Status: types.Status_STATUS_ACTIVE, RegisteredHeight: int64(i + 1)}
		if err := st.SetEnterprise(e); err != nil {
			t.Fatal(err)
		}
		out[e.Uscc] = e
	}
	return out
}

// expected lists the seeded enterprises under divPrefix in (division, uscc) order.
func expected(all map[string]*types.Enterprise, divPrefix string) []string {
	var out []string
	for _, e := range all {
		if strings.HasPrefix(e.Division, divPrefix) {
			out = append(out, e.Division+"/"+e.Uscc)
		}
	}
	// A small insertion sort keeps the reference independent of the code under test.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func positions(es []*types.Enterprise) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Division + "/" + e.Uscc
	}
	return out
}

func TestEnterprisesPaging(t *testing.T) {
	st, c, tr := newState(t)
	all := seedEnterprises(t, st)

	run := func(t *testing.T, st *State) {
		zj := expected(all, "33")
		if len(zj) != 6 {
			t.Fatalf("reference lists %d Zhejiang enterprises, want 6", len(zj))
		}
		t.Run("prefixes", func(t *testing.T) {
			tests := []struct {
				name   string
				prefix string
				count  int
			}{
				{"province 33", "33", 6},
				{"city 3301", "3301", 5},
				{"county 330106", "330106", 2},
				{"city 3302", "3302", 1},
				{"province 34", "34", 1},
				{"province 11", "11", 1},
				{"province 35 is empty", "35", 0},
				{"county 330101 is empty", "330101", 0},
				{"everything", "", 8},
			}
			for _, tc := range tests {
				got, next, err := st.Enterprises(tc.prefix, "", 100)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				want := expected(all, tc.prefix)
				if len(want) != tc.count {
					t.Fatalf("%s: reference has %d, table says %d", tc.name, len(want), tc.count)
				}
				if p := positions(got); strings.Join(p, ",") != strings.Join(want, ",") {
					t.Errorf("%s: got %v, want %v", tc.name, p, want)
				}
				if next != "" {
					t.Errorf("%s: next = %q on the only page", tc.name, next)
				}
				for _, e := range got {
					if !proto.Equal(e, all[e.Uscc]) {
						t.Errorf("%s: record %s = %v, want %v", tc.name, e.Uscc, e, all[e.Uscc])
					}
				}
			}
		})

		t.Run("pages", func(t *testing.T) {
			for _, limit := range []int{1, 2, 3, 4, 5, 6, 7} {
				var concat []string
				after := ""
				pages := 0
				for {
					page, next, err := st.Enterprises("33", after, limit)
					if err != nil {
						t.Fatalf("limit %d, after %q: %v", limit, after, err)
					}
					pages++
					if pages > 10 {
						t.Fatalf("limit %d: paging does not end", limit)
					}
					if len(page) > limit {
						t.Fatalf("limit %d: page of %d", limit, len(page))
					}
					concat = append(concat, positions(page)...)
					if next == "" {
						break
					}
					if len(page) != limit {
						t.Fatalf("limit %d: short page of %d with next %q", limit, len(page), next)
					}
					if last := positions(page)[len(page)-1]; next != last {
						t.Fatalf("limit %d: next = %q, want the last position %q", limit, next, last)
					}
					after = next
				}
				if strings.Join(concat, ",") != strings.Join(zj, ",") {
					t.Errorf("limit %d: pages concatenate to %v, want %v", limit, concat, zj)
				}
				if wantPages := (len(zj) + limit - 1) / limit; pages != wantPages {
					t.Errorf("limit %d: %d pages, want %d (no empty trailing page)", limit, pages, wantPages)
				}
			}
		})

		t.Run("after positions", func(t *testing.T) {
			tests := []struct {
				name  string
				after string
				want  []string
			}{
				{"after the first", zj[0], zj[1:]},
				{"after the last", zj[5], nil},
				{"between entries (not a recorded position)", "330101/" + strings.Repeat("0", 18), zj[3:]},
			}
			for _, tc := range tests {
				got, next, err := st.Enterprises("33", tc.after, 100)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if p := positions(got); strings.Join(p, ",") != strings.Join(tc.want, ",") {
					t.Errorf("%s: got %v, want %v", tc.name, p, tc.want)
				}
				if next != "" {
					t.Errorf("%s: next = %q", tc.name, next)
				}
			}
		})

		t.Run("malformed after", func(t *testing.T) {
			u := strings.Repeat("0", 18)
			for _, after := range []string{
				"330100",
				"330100/",
				"330100-" + u,
				"330100" + u + "0",
				"33010/" + u + "0",
				"330100/" + u + "0",
				"330100/" + u[:17],
				"3301000/" + u[:17],
				// Positions outside the "33" prefix: iterating from 110100 would
				// list the Beijing enterprise 110101 in a Zhejiang query.
				"110100/" + u,
				"340100/" + u,
			} {
				got, next, err := st.Enterprises("33", after, 10)
				if !errors.Is(err, types.ErrBadQuery) {
					t.Errorf("after %q: err = %v (got %d, next %q), want ErrBadQuery", after, err, len(got), next)
				}
			}
		})
	}

	t.Run("cache", func(t *testing.T) { run(t, st) })
	if err := c.Write(); err != nil {
		t.Fatal(err)
	}
	mustSave(t, tr)
	snap, err := tr.Immutable(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("saved version", func(t *testing.T) { run(t, New(snap)) })
}

func TestEnterprisesDanglingIndex(t *testing.T) {
	st, _, _ := newState(t)
	uscc := testUSCC(t, "91330100MA0000001")
	if err := st.Set(EnterpriseByDivisionKey("330100", uscc), []byte{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Enterprises("33", "", 10); err == nil || !strings.Contains(err.Error(), uscc) {
		t.Fatalf("index entry without a record: err = %v, want one naming %s", err, uscc)
	}
}

func TestKeys(t *testing.T) {
	st, _, _ := newState(t)
	reg := "330100"
	ent := testUSCC(t, "33010012345678901") // starts with the regulator's division
	other := testUSCC(t, "91330100MA0000009")
	type owner struct {
		kind types.OwnerKind
		id   string
	}
	R := types.OwnerKind_OWNER_KIND_REGULATOR
	E := types.OwnerKind_OWNER_KIND_ENTERPRISE
	// Keys are written out of key order; each owner's list must come back sorted.
	seed := []struct {
		o   owner
		pub byte
	}{
		{owner{R, reg}, 0x30}, {owner{E, ent}, 0x20}, {owner{R, reg}, 0x10},
		{owner{E, ent}, 0x05}, {owner{E, other}, 0x01}, {owner{R, "330106"}, 0x02},
		{owner{R, "330000"}, 0x03},
	}
	for i, s := range seed {
		a := &types.Account{Key: testPub(s.pub), OwnerKind: s.o.kind, OwnerId: s.o.id, AddedHeight: int64(i + 1)}
		if err := st.SetAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		o    owner
		want []byte // pub seeds, in order
	}{
		{"regulator 330100", owner{R, reg}, []byte{0x10, 0x30}},
		{"enterprise sharing the regulator's digits", owner{E, ent}, []byte{0x05, 0x20}},
		{"other enterprise", owner{E, other}, []byte{0x01}},
		{"regulator 330106", owner{R, "330106"}, []byte{0x02}},
		{"regulator with no keys", owner{R, "330200"}, nil},
		{"enterprise id as regulator", owner{R, ent}, nil},
		{"regulator id as enterprise", owner{E, reg}, nil},
		{"truncated regulator id", owner{R, "3301"}, nil},
		{"truncated enterprise id", owner{E, ent[:10]}, nil},
		{"empty id", owner{R, ""}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Keys(tc.o.kind, tc.o.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Keys = %d accounts %v, want %d", len(got), got, len(tc.want))
			}
			for i, a := range got {
				if a == nil {
					t.Fatalf("account %d is nil", i)
				}
				if string(a.Key) != string(testPub(tc.want[i])) {
					t.Errorf("account %d key %x, want %x", i, a.Key, testPub(tc.want[i]))
				}
				if a.OwnerKind != tc.o.kind || a.OwnerId != tc.o.id {
					t.Errorf("account %d belongs to %v/%s, want %v/%s", i, a.OwnerKind, a.OwnerId, tc.o.kind, tc.o.id)
				}
			}
		})
	}
}
