package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

func TestNewLogger(t *testing.T) {
	for _, tc := range []struct {
		format string
		json   bool
		err    bool
	}{{"", false, false}, {"plain", false, false}, {"json", true, false}, {"xml", false, true}} {
		var b bytes.Buffer
		l, err := NewLogger(&b, tc.format)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), `use "plain" or "json"`) {
				t.Errorf("format %q: error %v", tc.format, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l.With("module", "coldtrace").Info("tx refused", "code", 6)
		var v map[string]any
		isJSON := json.Unmarshal(b.Bytes(), &v) == nil
		if isJSON != tc.json || (tc.json && (v["module"] != "coldtrace" || v["_msg"] != "tx refused" || v["code"] != float64(6))) {
			t.Errorf("format %q: %q", tc.format, b.String())
		}
	}
}

func TestObservingLogger(t *testing.T) {
	m := opsMetricsFor(false)
	var b bytes.Buffer
	base, _ := NewLogger(&b, "plain")
	l := (&observingLogger{next: base, m: m}).With("module", "txindex")
	before := value(t, m.appHashMismatch)
	for _, tc := range []struct {
		msg      string
		kv       []any
		mismatch bool
	}{
		{"prevote step: consensus deems this block invalid; prevoting nil", []any{"err", errors.New("wrong Block.Header.AppHash.  Expected AB, got CD")}, true},
		{"Error in validation", []any{"err", "wrong Block.Header.AppHash.  Expected AB, got CD"}, true},
		{"commit failed", []any{"err", errors.New("app: saved hash AB differs from the finalized CD at height 7")}, true},
		{"received proposal", []any{"proposal", "AppHash ABCD"}, false},
		{"executed block", []any{"height", int64(7)}, false},
	} {
		was := value(t, m.appHashMismatch)
		l.Error(tc.msg, tc.kv...)
		if got := value(t, m.appHashMismatch) - was; (got == 1) != tc.mismatch {
			t.Errorf("%q %v: counted %v", tc.msg, tc.kv, got)
		}
	}
	if value(t, m.appHashMismatch)-before != 3 {
		t.Error("mismatches not counted")
	}
	l.Info("indexed block events", "height", int64(42))
	if got := value(t, m.txIndexHeight); got != 42 {
		t.Errorf("txindex height %v, want 42", got)
	}
	if !strings.Contains(b.String(), "indexed block events") || !strings.Contains(b.String(), "module=txindex") {
		t.Errorf("lines not passed on: %s", b.String())
	}
}

type refusingApp struct{ abci.BaseApplication }

func (refusingApp) CheckTx(context.Context, *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	return &abci.ResponseCheckTx{Code: 6, Log: "bad sequence"}, nil
}

func (refusingApp) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res := &abci.ResponseFinalizeBlock{Events: []abci.Event{{Type: "alert", Attributes: []abci.EventAttribute{{Key: "kind", Value: "unreceived"}}}}}
	for i := range req.Txs {
		r := &abci.ExecTxResult{Events: []abci.Event{{Type: "dispatch"}}}
		if i == 1 {
			r = &abci.ExecTxResult{Code: 18, Log: "outside jurisdiction"}
		}
		res.TxResults = append(res.TxResults, r)
	}
	return res, nil
}

func TestObservedAppLogsRefusals(t *testing.T) {
	m := opsMetricsFor(false)
	var b bytes.Buffer
	l, _ := NewLogger(&b, "json")
	o := &observedApp{Application: refusingApp{}, logger: l, m: m}
	alerts := value(t, m.alerts.WithLabelValues("unreceived"))
	if _, err := o.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: []byte("tx a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 9, Txs: [][]byte{[]byte("tx b"), []byte("tx c")}}); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("not JSON: %q", s)
		}
		lines = append(lines, v)
	}
	want := []map[string]any{
		{"_msg": "tx refused", "stage": "check", "tx": txHash([]byte("tx a")), "code": float64(6), "error": "bad sequence"},
		{"_msg": "tx refused", "stage": "block", "tx": txHash([]byte("tx c")), "code": float64(18), "height": float64(9)},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: %s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, lines[i][k], v)
			}
		}
	}
	if got := value(t, m.alerts.WithLabelValues("unreceived")) - alerts; got != 1 {
		t.Errorf("alerts counted %v, want 1", got)
	}
}

func TestQueryFamily(t *testing.T) {
	for path, want := range map[string]string{
		"/registry/enterprise/91330106MA2CFX8Q1D":  "/registry/enterprise",
		"/trace/code//01/09521234543213/10/B/21/1": "/trace/code",
		"/validators/ab12cd":                       "/validators",
		"/params":                                  "/params",
		"/supervision/alerts/3301?limit=5":         "/supervision/alerts",
		"/rules?x=1":                               "/rules",
		"":                                         "other",
		"/330100":                                  "other",
		"/\x00bad":                                 "other",
	} {
		if got := queryFamily(path); got != want {
			t.Errorf("queryFamily(%q) = %q, want %q", path, got, want)
		}
	}
}

// FuzzQueryFamily: a query's path comes from anyone who can reach the RPC;
// its label is "other" or at most two short lowercase words.
func FuzzQueryFamily(f *testing.F) {
	for _, s := range []string{"/registry/enterprise/91330106MA2CFX8Q1D", "/params", "", "/a/b/c?d", "//x"} {
		f.Add(s)
	}
	ok := regexp.MustCompile(`^(other|/[a-z_-]{1,24}(/[a-z_-]{1,24})?)$`)
	f.Fuzz(func(t *testing.T, path string) {
		if got := queryFamily(path); !ok.MatchString(got) {
			t.Fatalf("queryFamily(%q) = %q", path, got)
		}
	})
}
