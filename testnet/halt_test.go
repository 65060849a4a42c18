package testnet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// TestHaltedHomeResumesUnderNewRules: a v1 home is halted the way the v1
// binary halted (a batch whose shelf life reached year 10240 failed the next
// block's expiry watch, for good: the restart replays the block and fails
// again). The operators set the halted height as the upgrade to rules v2 in
// app.toml, start this binary, and the chain goes on, refusing such batches
// from then on.
func TestHaltedHomeResumesUnderNewRules(t *testing.T) {
	newBin := sharedBinary(t)
	oldBin := filepath.Join(t.TempDir(), "coldtrace-v1")
	if out, err := exec.Command("go", "build", "-tags", "legacyhalt", "-o", oldBin, "../cmd/coldtrace").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags legacyhalt: %v\n%s", err, out)
	}
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, oldBin, home, "init", "--chain-id", "halt-test", "--block-time", "200ms", "--keyring-backend", "test",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	makeV1Genesis(t, home)

	node := startBinary(t, oldBin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)
	kr, err := client.OpenKeyring(home, client.KeyringOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := kr.Get("regulator")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	imp := testKey("halt importer")
	impUSCC := mkUSCC("91330106MA2HALT00")
	m := regEnterpriseMsg(impUSCC, "330106", pub(imp))
	m.Kind = types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER
	if res, err := c.Send(ctx, root, m); err != nil || res.Code != 0 {
		t.Fatalf("register importer: %v %+v", err, res)
	}
	longLife := func(batch string) *types.MsgCommission {
		return &types.MsgCommission{Batch: batch, Facts: &types.ProductFacts{Name: "Frozen fish", Category: "frozen fish", OriginCountry: "CN",
			ProductionDate: "2026-10-01", ShelfLifeDays: 3000000}, Codes: []*types.NewCode{{Quantity: 5000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}
	}
	res, err := c.Send(ctx, imp, longLife("B-LONG"))
	if err != nil || res.Code != 0 {
		t.Fatalf("v1 accepts the long shelf life: %v %+v", err, res)
	}
	halted := res.Height + 1
	waitLog(t, home, "CONSENSUS FAILURE", 30*time.Second)
	node.Process.Kill()
	node.Wait()

	// The v1 binary cannot start again: its handshake replays the block and fails.
	out, errOut, err := cli(t, oldBin, home, "start")
	if err == nil || !strings.Contains(out+errOut, "expiry watch") {
		t.Fatalf("the halted home restarted under v1 rules: %v\n%s%s", err, out, errOut)
	}

	f, err := os.OpenFile(filepath.Join(home, "config", "app.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[[rules.upgrade]]\nversion = 2\nheight = %d\nreason = \"resume after the halt at %d\"\n", halted, halted)
	f.Close()
	startBinary(t, newBin, home)
	if c, err = client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, halted+3, 30*time.Second)
	res, err = c.Send(ctx, imp, longLife("B-LONG-2"))
	if err == nil || res == nil || res.Code != types.ErrInvalidField.Code || !strings.Contains(res.Log, "shelf_life_days") {
		t.Fatalf("under v2 a shelf life of 3,000,000 days is refused with code 13: %v %+v", err, res)
	}
	if res, err := c.Send(ctx, imp, &types.MsgCommission{Batch: "B-OK", Facts: &types.ProductFacts{Name: "Frozen fish", Category: "frozen fish",
		OriginCountry: "CN", ProductionDate: "2026-10-01", ShelfLifeDays: 365}, Codes: []*types.NewCode{{Quantity: 5000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}}); err != nil || res.Code != 0 {
		t.Fatalf("a good commission after the upgrade: %v %+v", err, res)
	}
	if !logHas(t, home, "rules upgraded") {
		t.Fatal("the node did not log the upgrade")
	}
}

// makeV1Genesis turns a new home's genesis into one of the v1 era: no rules_version.
func makeV1Genesis(t *testing.T, home string) {
	t.Helper()
	path := filepath.Join(home, "config", "genesis.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]json.RawMessage
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	var app map[string]json.RawMessage
	if err := json.Unmarshal(g["app_state"], &app); err != nil {
		t.Fatal(err)
	}
	if _, ok := app["rulesVersion"]; !ok {
		t.Fatalf("a new genesis names its rules version: %s", g["app_state"])
	}
	delete(app, "rulesVersion")
	if g["app_state"], err = json.Marshal(app); err != nil {
		t.Fatal(err)
	}
	if b, err = json.MarshalIndent(g, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func logHas(t *testing.T, home, s string) bool {
	b, err := os.ReadFile(filepath.Join(home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), s)
}

func waitLog(t *testing.T, home, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !logHas(t, home, s) {
		if time.Now().After(deadline) {
			t.Fatalf("%q not in the node's log after %v", s, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
