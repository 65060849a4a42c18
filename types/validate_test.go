package types_test

import (
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

func TestValidateText(t *testing.T) {
	cases := []struct {
		name     string
		s        string
		max      int
		required bool
		want     *types.Error
		mention  string
	}{
		{name: "plain ascii", s: "Hangzhou Cold Store", max: 200, required: true},
		{name: "chinese", s: "杭州市西湖区冷链仓储有限公司", max: 200, required: true},
		{name: "optional empty", s: "", max: 100, required: false},
		{name: "exactly max bytes", s: strings.Repeat("a", 200), max: 200, required: true},
		{name: "multibyte exactly max bytes", s: strings.Repeat("冷", 66) + "ab", max: 200, required: true},
		{name: "space and punctuation", s: "dock 3 / 冷库（二号）", max: 100},
		{name: "emoji", s: "🧊 freezer", max: 100},
		{name: "required empty", s: "", max: 200, required: true, want: types.ErrInvalidField, mention: "required"},
		{name: "one byte too long", s: strings.Repeat("a", 201), max: 200, required: true, want: types.ErrInvalidField, mention: "201 bytes, limit 200"},
		{name: "too long counted in bytes not runes", s: strings.Repeat("冷", 67), max: 200, required: true, want: types.ErrInvalidField, mention: "201 bytes"},
		{name: "optional too long", s: strings.Repeat("a", 101), max: 100, want: types.ErrInvalidField},
		{name: "invalid UTF-8", s: "cold\xffstore", max: 200, required: true, want: types.ErrInvalidField, mention: "UTF-8"},
		{name: "truncated multibyte", s: "冷"[:2], max: 200, required: true, want: types.ErrInvalidField, mention: "UTF-8"},
		{name: "overlong encoding", s: "\xc0\xaf", max: 200, required: true, want: types.ErrInvalidField, mention: "UTF-8"},
		{name: "NUL", s: "cold\x00store", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "newline", s: "line1\nline2", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "carriage return", s: "a\rb", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "tab", s: "a\tb", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "escape", s: "\x1b[31mred", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "unit separator 0x1f", s: "a\x1fb", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "DEL", s: "a\x7fb", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "C1 next line U+0085", s: "a\u0085b", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "C1 CSI U+009B", s: "a\u009b31mb", max: 200, want: types.ErrInvalidField, mention: "control"},
		{name: "first non-control after C1 U+00A0", s: "a\u00a0b", max: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := types.ValidateText("name", tc.s, tc.max, tc.required)
			wantCode(t, err, tc.want)
			if err != nil && !strings.Contains(err.Error(), "name") {
				t.Fatalf("error %q does not name the field", err)
			}
			if tc.mention != "" && !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestValidateKey(t *testing.T) {
	cases := []struct {
		name string
		key  []byte
		want *types.Error
	}{
		{"32 bytes", pub(1), nil},
		{"32 zero bytes", make([]byte, 32), nil},
		{"nil", nil, types.ErrInvalidKey},
		{"empty", []byte{}, types.ErrInvalidKey},
		{"31 bytes", pub(1)[:31], types.ErrInvalidKey},
		{"33 bytes", append(pub(1), 0), types.ErrInvalidKey},
		{"64 bytes (a private key)", append(pub(1), pub(2)...), types.ErrInvalidKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := types.ValidateKey("key", tc.key)
			wantCode(t, err, tc.want)
			if err != nil && !strings.Contains(err.Error(), "key") {
				t.Fatalf("error %q does not name the field", err)
			}
		})
	}
}

func TestValidateOwner(t *testing.T) {
	cases := []struct {
		name string
		kind types.OwnerKind
		id   string
		want *types.Error
	}{
		{"regulator", types.OwnerKind_OWNER_KIND_REGULATOR, "330100", nil},
		{"enterprise", types.OwnerKind_OWNER_KIND_ENTERPRISE, "91330100716105852F", nil},
		{"regulator with a uscc", types.OwnerKind_OWNER_KIND_REGULATOR, "91330100716105852F", types.ErrInvalidDivision},
		{"enterprise with a division", types.OwnerKind_OWNER_KIND_ENTERPRISE, "330100", types.ErrInvalidUSCC},
		{"unspecified kind", types.OwnerKind_OWNER_KIND_UNSPECIFIED, "330100", types.ErrInvalidField},
		{"unknown kind", types.OwnerKind(7), "330100", types.ErrInvalidField},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, types.ValidateOwner(tc.kind, tc.id), tc.want)
		})
	}
}

// basicCase is one ValidateBasic case of any message.
type basicCase struct {
	name string
	msg  interface{ ValidateBasic() error }
	want *types.Error
}

func runBasic(t *testing.T, cases []basicCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.msg.ValidateBasic(), tc.want)
		})
	}
}

const (
	goodUSCC = "91330100716105852F"
	badUSCC  = "91330100716105852E" // check character should be F
)

func TestMsgRegisterRegulatorValidateBasic(t *testing.T) {
	ok := func(f func(m *types.MsgRegisterRegulator)) *types.MsgRegisterRegulator {
		m := &types.MsgRegisterRegulator{Division: "330100", Name: "杭州市市场监督管理局", Keys: [][]byte{pub(1)}}
		f(m)
		return m
	}
	runBasic(t, []basicCase{
		{"valid", ok(func(*types.MsgRegisterRegulator) {}), nil},
		{"valid with several keys", ok(func(m *types.MsgRegisterRegulator) { m.Keys = [][]byte{pub(1), pub(2), pub(3)} }), nil},
		{"valid province", ok(func(m *types.MsgRegisterRegulator) { m.Division = "330000" }), nil},
		{"valid district", ok(func(m *types.MsgRegisterRegulator) { m.Division = "330106" }), nil},
		{"bad division", ok(func(m *types.MsgRegisterRegulator) { m.Division = "330006" }), types.ErrInvalidDivision},
		{"empty division", ok(func(m *types.MsgRegisterRegulator) { m.Division = "" }), types.ErrInvalidDivision},
		{"empty name", ok(func(m *types.MsgRegisterRegulator) { m.Name = "" }), types.ErrInvalidField},
		{"name with newline", ok(func(m *types.MsgRegisterRegulator) { m.Name = "a\nb" }), types.ErrInvalidField},
		{"name too long", ok(func(m *types.MsgRegisterRegulator) { m.Name = strings.Repeat("x", types.MaxNameBytes+1) }), types.ErrInvalidField},
		{"no keys", ok(func(m *types.MsgRegisterRegulator) { m.Keys = nil }), types.ErrInvalidField},
		{"duplicate keys", ok(func(m *types.MsgRegisterRegulator) { m.Keys = [][]byte{pub(1), pub(2), pub(1)} }), types.ErrInvalidField},
		{"short key", ok(func(m *types.MsgRegisterRegulator) { m.Keys = [][]byte{pub(1), pub(2)[:31]} }), types.ErrInvalidKey},
		{"empty key", ok(func(m *types.MsgRegisterRegulator) { m.Keys = [][]byte{{}} }), types.ErrInvalidKey},
	})
}

func TestMsgRegisterEnterpriseValidateBasic(t *testing.T) {
	ok := func(f func(m *types.MsgRegisterEnterprise)) *types.MsgRegisterEnterprise {
		m := validRegisterEnterprise()
		f(m)
		return m
	}
	cases := []basicCase{
		{"valid", ok(func(*types.MsgRegisterEnterprise) {}), nil},
		{"valid in a province", ok(func(m *types.MsgRegisterEnterprise) { m.Division = "330000" }), nil},
		{"bad uscc", ok(func(m *types.MsgRegisterEnterprise) { m.Uscc = badUSCC }), types.ErrInvalidUSCC},
		{"lower case uscc", ok(func(m *types.MsgRegisterEnterprise) { m.Uscc = strings.ToLower(goodUSCC) }), types.ErrInvalidUSCC},
		{"empty uscc", ok(func(m *types.MsgRegisterEnterprise) { m.Uscc = "" }), types.ErrInvalidUSCC},
		{"empty name", ok(func(m *types.MsgRegisterEnterprise) { m.Name = "" }), types.ErrInvalidField},
		{"name invalid UTF-8", ok(func(m *types.MsgRegisterEnterprise) { m.Name = "\xff" }), types.ErrInvalidField},
		{"kind unspecified", ok(func(m *types.MsgRegisterEnterprise) { m.Kind = types.EnterpriseKind_ENTERPRISE_KIND_UNSPECIFIED }), types.ErrInvalidField},
		{"kind 9 unknown", ok(func(m *types.MsgRegisterEnterprise) { m.Kind = 9 }), types.ErrInvalidField},
		{"kind negative", ok(func(m *types.MsgRegisterEnterprise) { m.Kind = -1 }), types.ErrInvalidField},
		{"bad division", ok(func(m *types.MsgRegisterEnterprise) { m.Division = "990000" }), types.ErrInvalidDivision},
		{"no keys", ok(func(m *types.MsgRegisterEnterprise) { m.Keys = [][]byte{} }), types.ErrInvalidField},
		{"duplicate keys", ok(func(m *types.MsgRegisterEnterprise) { m.Keys = [][]byte{pub(2), pub(2)} }), types.ErrInvalidField},
		{"33-byte key", ok(func(m *types.MsgRegisterEnterprise) { m.Keys = [][]byte{append(pub(2), 1)} }), types.ErrInvalidKey},
	}
	// Every named kind except UNSPECIFIED is accepted.
	for v, name := range types.EnterpriseKind_name {
		if v == 0 {
			continue
		}
		kind := types.EnterpriseKind(v)
		cases = append(cases, basicCase{"kind " + name, ok(func(m *types.MsgRegisterEnterprise) { m.Kind = kind }), nil})
	}
	runBasic(t, cases)
}

func TestMsgAddKeyValidateBasic(t *testing.T) {
	ok := func(f func(m *types.MsgAddKey)) *types.MsgAddKey {
		m := &types.MsgAddKey{OwnerKind: types.OwnerKind_OWNER_KIND_ENTERPRISE, OwnerId: goodUSCC, Key: pub(3), Label: "scanner dock 3"}
		f(m)
		return m
	}
	runBasic(t, []basicCase{
		{"valid enterprise owner", ok(func(*types.MsgAddKey) {}), nil},
		{"valid regulator owner", ok(func(m *types.MsgAddKey) { m.OwnerKind, m.OwnerId = types.OwnerKind_OWNER_KIND_REGULATOR, "330106" }), nil},
		{"empty label is fine", ok(func(m *types.MsgAddKey) { m.Label = "" }), nil},
		{"owner kind unspecified", ok(func(m *types.MsgAddKey) { m.OwnerKind = types.OwnerKind_OWNER_KIND_UNSPECIFIED }), types.ErrInvalidField},
		{"owner kind out of range", ok(func(m *types.MsgAddKey) { m.OwnerKind = 3 }), types.ErrInvalidField},
		{"enterprise kind with division id", ok(func(m *types.MsgAddKey) { m.OwnerId = "330106" }), types.ErrInvalidUSCC},
		{"regulator kind with uscc id", ok(func(m *types.MsgAddKey) { m.OwnerKind = types.OwnerKind_OWNER_KIND_REGULATOR }), types.ErrInvalidDivision},
		{"bad uscc", ok(func(m *types.MsgAddKey) { m.OwnerId = badUSCC }), types.ErrInvalidUSCC},
		{"no key", ok(func(m *types.MsgAddKey) { m.Key = nil }), types.ErrInvalidKey},
		{"short key", ok(func(m *types.MsgAddKey) { m.Key = m.Key[:16] }), types.ErrInvalidKey},
		{"label too long", ok(func(m *types.MsgAddKey) { m.Label = strings.Repeat("l", types.MaxLabelBytes+1) }), types.ErrInvalidField},
		{"label with control", ok(func(m *types.MsgAddKey) { m.Label = "dock\t3" }), types.ErrInvalidField},
	})
}

func TestMsgRevokeKeyValidateBasic(t *testing.T) {
	ok := func(f func(m *types.MsgRevokeKey)) *types.MsgRevokeKey {
		m := &types.MsgRevokeKey{Key: pub(3), Reason: "scanner lost"}
		f(m)
		return m
	}
	runBasic(t, []basicCase{
		{"valid", ok(func(*types.MsgRevokeKey) {}), nil},
		{"reason at limit", ok(func(m *types.MsgRevokeKey) { m.Reason = strings.Repeat("r", types.MaxReasonBytes) }), nil},
		{"no key", ok(func(m *types.MsgRevokeKey) { m.Key = nil }), types.ErrInvalidKey},
		{"long key", ok(func(m *types.MsgRevokeKey) { m.Key = append(m.Key, 0) }), types.ErrInvalidKey},
		{"no reason", ok(func(m *types.MsgRevokeKey) { m.Reason = "" }), types.ErrInvalidField},
		{"reason too long", ok(func(m *types.MsgRevokeKey) { m.Reason = strings.Repeat("r", types.MaxReasonBytes+1) }), types.ErrInvalidField},
	})
}

func TestMsgSuspendReinstateValidateBasic(t *testing.T) {
	runBasic(t, []basicCase{
		{"suspend valid", &types.MsgSuspendEnterprise{Uscc: goodUSCC, Reason: "failed inspection"}, nil},
		{"suspend bad uscc", &types.MsgSuspendEnterprise{Uscc: badUSCC, Reason: "x"}, types.ErrInvalidUSCC},
		{"suspend uscc with forbidden letter", &types.MsgSuspendEnterprise{Uscc: "9133010071610585IF", Reason: "x"}, types.ErrInvalidUSCC},
		{"suspend no reason", &types.MsgSuspendEnterprise{Uscc: goodUSCC}, types.ErrInvalidField},
		{"suspend reason with NUL", &types.MsgSuspendEnterprise{Uscc: goodUSCC, Reason: "a\x00"}, types.ErrInvalidField},
		{"suspend reason too long", &types.MsgSuspendEnterprise{Uscc: goodUSCC, Reason: strings.Repeat("r", types.MaxReasonBytes+1)}, types.ErrInvalidField},
		{"reinstate valid", &types.MsgReinstateEnterprise{Uscc: goodUSCC, Reason: "remedied"}, nil},
		{"reinstate bad uscc", &types.MsgReinstateEnterprise{Uscc: goodUSCC[:17], Reason: "x"}, types.ErrInvalidUSCC},
		{"reinstate no reason", &types.MsgReinstateEnterprise{Uscc: goodUSCC}, types.ErrInvalidField},
		{"reinstate reason invalid UTF-8", &types.MsgReinstateEnterprise{Uscc: goodUSCC, Reason: "\xfe"}, types.ErrInvalidField},
	})
}

func TestParamsValidate(t *testing.T) {
	withParams := func(f func(p *types.Params)) *types.Params {
		p := types.DefaultParams()
		f(p)
		return p
	}
	cases := []struct {
		name string
		p    *types.Params
		want *types.Error
	}{
		{"defaults", types.DefaultParams(), nil},
		{"smallest max_tx_bytes", withParams(func(p *types.Params) { p.MaxTxBytes = 1024 }), nil},
		{"largest max_tx_bytes", withParams(func(p *types.Params) { p.MaxTxBytes = 4 << 20 }), nil},
		{"one message and one key", withParams(func(p *types.Params) { p.MaxMsgsPerTx, p.MaxKeysPerOwner = 1, 1 }), nil},
		{"nil", nil, types.ErrInvalidField},
		{"zero value", &types.Params{}, types.ErrInvalidField},
		{"max_tx_bytes 1023", withParams(func(p *types.Params) { p.MaxTxBytes = 1023 }), types.ErrInvalidField},
		{"max_tx_bytes above 4 MiB", withParams(func(p *types.Params) { p.MaxTxBytes = 4<<20 + 1 }), types.ErrInvalidField},
		{"max_msgs_per_tx 0", withParams(func(p *types.Params) { p.MaxMsgsPerTx = 0 }), types.ErrInvalidField},
		{"max_keys_per_owner 0", withParams(func(p *types.Params) { p.MaxKeysPerOwner = 0 }), types.ErrInvalidField},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.p.Validate(), tc.want)
		})
	}
}

func TestDefaultParams(t *testing.T) {
	p := types.DefaultParams()
	if p.MaxTxBytes != 65536 || p.MaxMsgsPerTx != 100 || p.MaxKeysPerOwner != 1000 {
		t.Fatalf("DefaultParams() = %v", p)
	}
	// Each call returns a fresh value: a caller changing it must not change the defaults.
	p.MaxTxBytes = 1
	if types.DefaultParams().MaxTxBytes != 65536 {
		t.Fatal("DefaultParams shares its value between calls")
	}
}

func TestGenesisStateValidate(t *testing.T) {
	gen := func(f func(g *types.GenesisState)) *types.GenesisState {
		g := &types.GenesisState{
			Params:        types.DefaultParams(),
			RootRegulator: &types.RootRegulator{Division: "330000", Name: "浙江省市场监督管理局", Keys: [][]byte{pub(1)}},
		}
		f(g)
		return g
	}
	cases := []struct {
		name    string
		g       *types.GenesisState
		want    *types.Error
		mention string
	}{
		{"valid", gen(func(*types.GenesisState) {}), nil, ""},
		{"valid national root", gen(func(g *types.GenesisState) { g.RootRegulator.Division = "110000" }), nil, ""},
		{"valid city root with two keys", gen(func(g *types.GenesisState) {
			g.RootRegulator.Division = "330100"
			g.RootRegulator.Keys = [][]byte{pub(1), pub(2)}
		}), nil, ""},
		{"params missing", gen(func(g *types.GenesisState) { g.Params = nil }), types.ErrInvalidField, "params are missing"},
		{"params invalid", gen(func(g *types.GenesisState) { g.Params.MaxMsgsPerTx = 0 }), types.ErrInvalidField, "max_msgs_per_tx"},
		{"root missing", gen(func(g *types.GenesisState) { g.RootRegulator = nil }), types.ErrInvalidField, "root_regulator is missing"},
		{"root bad division", gen(func(g *types.GenesisState) { g.RootRegulator.Division = "33000" }), types.ErrInvalidDivision, ""},
		{"root district without city", gen(func(g *types.GenesisState) { g.RootRegulator.Division = "330006" }), types.ErrInvalidDivision, ""},
		{"root empty name", gen(func(g *types.GenesisState) { g.RootRegulator.Name = "" }), types.ErrInvalidField, "root_regulator.name"},
		{"root name with control", gen(func(g *types.GenesisState) { g.RootRegulator.Name = "a\x1bb" }), types.ErrInvalidField, "root_regulator.name"},
		{"root no keys", gen(func(g *types.GenesisState) { g.RootRegulator.Keys = nil }), types.ErrInvalidField, "at least one key"},
		{"root duplicate keys", gen(func(g *types.GenesisState) { g.RootRegulator.Keys = [][]byte{pub(1), pub(1)} }), types.ErrInvalidField, "keys[1] is repeated"},
		{"root short key", gen(func(g *types.GenesisState) { g.RootRegulator.Keys = [][]byte{pub(1)[:31]} }), types.ErrInvalidKey, "keys[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.g.Validate()
			wantCode(t, err, tc.want)
			if tc.mention != "" && !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}
