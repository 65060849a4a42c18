package deploy

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

var metricName = regexp.MustCompile(`\b(?:coldtrace|cometbft)_[a-z_]+\b`)

// dashboardMetrics lists the metric names the dashboard's queries read.
func dashboardMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("grafana/coldtrace.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana/coldtrace.json: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metricName.FindAllString(tg.Expr, -1) {
				seen[m] = true
			}
		}
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Every metric the dashboard reads is in the /metrics of a real node that
// made blocks, executed a tx, refused one and answered a query.
func TestDashboardMetricsExist(t *testing.T) {
	want := dashboardMetrics(t)
	if len(want) < 10 {
		t.Fatalf("the dashboard reads only %v", want)
	}
	home := t.TempDir()
	p := testnode.FreePorts(t, 3)
	if _, err := node.InitHome(home, node.InitOptions{ChainID: "dashboard-test", Ports: node.Ports{RPC: p[0], P2P: p[1], Prometheus: p[2]}, TimeoutCommit: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", p[0]))
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitCommitted(t, c, 1, 20*time.Second)
	root, err := client.NewKeyring(home).Get(node.RegulatorKeyName)
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("dashboard test"))
	ctx := context.Background()
	res, err := c.Send(ctx, root, &types.MsgRegisterRegulator{Division: "330100", Name: "Hangzhou", Keys: [][]byte{ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RPC().BroadcastTxSync(ctx, []byte("junk")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RPC().ABCIQuery(ctx, "/registry/regulator/330100", nil); err != nil {
		t.Fatal(err)
	}
	testnode.WaitCommitted(t, c, res.Height+1, 10*time.Second)

	r, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p[2]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	have := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		have[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
	}
	for _, m := range want {
		if !have[m] {
			t.Errorf("the dashboard reads %s, which the node does not export", m)
		}
	}
	// The table of operations metrics in docs/operations/README.md names
	// metrics the node exports.
	doc, err := os.ReadFile("../docs/operations/README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `(coldtrace_[a-z_]+)").FindAllStringSubmatch(string(doc), -1)
	if len(rows) < 6 {
		t.Fatalf("docs/operations/README.md lists %d metrics", len(rows))
	}
	for _, r := range rows {
		if !have[r[1]] && !have[r[1]+"_count"] {
			t.Errorf("docs/operations/README.md lists %s, which the node does not export", r[1])
		}
	}
}
