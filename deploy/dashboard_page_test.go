package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

// debianTool finds a program of a Debian package .ci/run installs; with CI set
// a missing one fails the test.
func debianTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: apt-get install -y %s", name, pkg)
		}
		t.Skipf("%s not found (apt-get install -y %s); with CI set this fails", name, pkg)
	}
	return p
}

// panelTitles lists the Grafana dashboard's panels, in order.
func panelTitles(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("grafana/coldtrace.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title string `json:"title"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range d.Panels {
		out = append(out, p.Title)
	}
	return out
}

var panelTag = regexp.MustCompile(`<section class="panel"[^>]*data-series="(\d+)"[^>]*data-errors="(\d+)"[^>]*>\s*<h2>([^<]*)</h2>`)

// The page deploy/dashboard/index.html, served by a real Prometheus scraping a
// real node, draws every panel of the Grafana dashboard in Chromium, with no
// query refused by Prometheus, and lines where the node already has data.
func TestDashboardPage(t *testing.T) {
	prom := debianTool(t, "prometheus", "prometheus")
	chromium := debianTool(t, "chromium", "chromium")
	titles := panelTitles(t)
	if len(titles) < 10 {
		t.Fatalf("the dashboard has %d panels", len(titles))
	}

	home := t.TempDir()
	p := testnode.FreePorts(t, 4)
	if _, err := node.InitHome(home, node.InitOptions{ChainID: "dashboard-page", Ports: node.Ports{RPC: p[0], P2P: p[1], Prometheus: p[2]}, TimeoutCommit: 100 * time.Millisecond}); err != nil {
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

	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: coldtrace\n    static_configs:\n      - targets: [\"127.0.0.1:%d\"]\n", p[2])
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	assets, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var promLog strings.Builder
	srv := exec.CommandContext(ctx, prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+fmt.Sprintf("127.0.0.1:%d", p[3]),
		"--web.user-assets="+assets)
	srv.Stdout, srv.Stderr = &promLog, &promLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", p[3])

	// Wait until Prometheus holds a few scrapes of the node's height.
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := http.Get(base + "/api/v1/query?query=count_over_time(cometbft_consensus_height[1m])")
		if err == nil {
			var q struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			_ = json.NewDecoder(r.Body).Decode(&q)
			r.Body.Close()
			if len(q.Data.Result) == 1 {
				s, _ := q.Data.Result[0].Value[1].(string)
				if v, _ := strconv.Atoi(s); v >= 3 {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus has no scrapes of the node after 15 s: %v\n%s", err, promLog.String())
		}
		time.Sleep(300 * time.Millisecond)
	}

	// A browser killed by a signal at start-up (seen under a loaded CI
	// machine) says nothing of the page: it gets one more try.
	var out []byte
	for attempt := 1; ; attempt++ {
		var stderr strings.Builder
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800",
			"--disable-background-networking", "--disable-component-update", "--no-first-run",
			"--virtual-time-budget=10000", "--user-data-dir="+filepath.Join(dir, fmt.Sprintf("chromium-%d", attempt)), "--dump-dom",
			base+"/user/dashboard/index.html?range=300&refresh=0")
		cmd.Stderr = &stderr
		out, err = cmd.Output()
		if err == nil {
			break
		}
		var exit *exec.ExitError
		if attempt == 1 && errors.As(err, &exit) && !exit.Exited() {
			t.Logf("chromium died (%v); trying once more\n%s", err, stderr.String())
			continue
		}
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := string(out)
	if !strings.Contains(dom, `data-state="done"`) {
		t.Fatalf("the page did not finish drawing:\n%s", dom)
	}
	got := panelTag.FindAllStringSubmatch(dom, -1)
	if len(got) != len(titles) {
		t.Fatalf("the page drew %d panels, the dashboard has %d:\n%s", len(got), len(titles), dom)
	}
	series := map[string]int{}
	for i, m := range got {
		if m[3] != titles[i] {
			t.Errorf("panel %d is %q, the dashboard's is %q", i, m[3], titles[i])
		}
		if m[2] != "0" {
			t.Errorf("panel %q: Prometheus refused %s of its queries", m[3], m[2])
		}
		series[m[3]], _ = strconv.Atoi(m[1])
	}
	// A node that made blocks has a height, a mempool and a state on disk.
	for _, title := range []string{"Height", "Mempool", "State and snapshots on disk"} {
		if series[title] == 0 {
			t.Errorf("panel %q drew no line", title)
		}
	}
	if !strings.Contains(dom, "<path d=\"M") {
		t.Error("the page drew no line at all")
	}
}
