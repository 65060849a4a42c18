package testnet

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/types"
	"google.golang.org/protobuf/proto"
)

var (
	consoleChartRE = regexp.MustCompile(`(?s)<svg class="(?:bars|series)"[^>]*data-chart="([a-z-]+)"(.*?)</svg>`)
	consolePointRE = regexp.MustCompile(`data-(?:key|day)="([^"]*)" data-value="(\d+)"`)
)

// TestConsoleBrowserCharts signs regulators in to the console in headless
// Chromium with their own keys (the one-time link `coldtrace console
// login` prints) and reads the rendered charts: every element's number is
// the one the chain returns, verified, for the signed-in jurisdiction.
func TestConsoleBrowserCharts(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install chromium); CI runs this test", chromiumPath)
		}
		t.Fatalf("CI must run the browser test, but %s is missing: %v", chromiumPath, err)
	}
	n := testnode.StartWith(t, testnode.Options{ChainID: "console-browser", NoMetrics: true})
	kr := client.NewKeyring(n.Home)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seed, err := demo.Seed(ctx, n.Client, demo.Options{Root: n.Root, RootDivision: "330000", Customs: n.Customs,
		Key: func(name string) (ed25519.PrivateKey, error) {
			if k, err := kr.Get(name); err == nil {
				return k, nil
			}
			return kr.Add(name)
		}})
	if err != nil {
		t.Fatal(err)
	}
	trust := client.Trust{Genesis: n.Genesis}
	gw, err := gateway.New(gateway.Config{Listen: "127.0.0.1:0", ConsoleListen: "127.0.0.1:0", NodeRPC: n.RPC, Trust: trust,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Shutdown(context.Background()) })
	base := strings.TrimSuffix(gw.ConsoleURL(), "/console")

	from, to := "2020-01-01", types.RulesOf(0).Day(time.Now().AddDate(0, 0, 1))
	headers, err := n.Client.NewHeaders(ctx, trust)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, prefix, division string
		key                    ed25519.PrivateKey
	}{
		{"province", "33", "Zhejiang (33)", n.Root},
		{"city", "3301", "Hangzhou, Zhejiang (3301)", seed.CityKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The link `coldtrace console login --next /console/flows?…` prints.
			res, err := http.Get(base + "/console/challenge")
			if err != nil {
				t.Fatal(err)
			}
			var ch signin.Challenge
			err = json.NewDecoder(res.Body).Decode(&ch)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			si := signin.Sign(ch, c.key, nil)
			si.Next = "/console/flows?" + url.Values{"from": {from}, "to": {to}}.Encode()
			dom := gwChromium(t, "--accept-lang=en-US,en", "--dump-dom", si.Link(base))
			if !strings.Contains(dom, c.division) || !strings.Contains(dom, "Flows between cities") {
				t.Fatalf("the signed-in flows page is not %s's:\n%s", c.division, clipDOM(dom))
			}

			// The chain's answer, verified, summed as the charts say.
			v, err := n.Client.VerifiedQuery(ctx, "/supervision/stats/"+c.prefix+"?"+url.Values{"from": {from}, "to": {to}}.Encode(), headers)
			if err != nil {
				t.Fatal(err)
			}
			var stats types.StatsList
			if err := proto.Unmarshal(v.Response.Value, &stats); err != nil {
				t.Fatal(err)
			}
			want := map[string]map[string]uint64{}
			add := func(chart, k string, q uint64) {
				if want[chart] == nil {
					want[chart] = map[string]uint64{}
				}
				want[chart][k] += q
			}
			for _, d := range stats.Days {
				add("daily-commissioned", d.Day, d.CodesCommissioned)
				add("daily-received", d.Day, 0)
				for _, f := range d.Flows {
					add("daily-received", d.Day, f.Quantity)
					add("by-origin", f.OriginCountry, f.Quantity)
					add("by-city", d.Division[:4], f.Quantity)
					add("city-flows", f.SourceDivision[:4]+"-"+d.Division[:4], f.Quantity)
				}
			}
			got := map[string]map[string]uint64{}
			for _, m := range consoleChartRE.FindAllStringSubmatch(dom, -1) {
				got[m[1]] = map[string]uint64{}
				for _, p := range consolePointRE.FindAllStringSubmatch(m[2], -1) {
					got[m[1]][p[1]], _ = strconv.ParseUint(p[2], 10, 64)
				}
			}
			if len(want) < 5 {
				t.Fatalf("the chain has figures for %d charts only: %v", len(want), want)
			}
			for chart, w := range want {
				if len(got[chart]) != len(w) {
					t.Errorf("chart %s: %d elements drawn, the chain has %d (%v vs %v)", chart, len(got[chart]), len(w), got[chart], w)
				}
				for k, q := range w {
					if got[chart][k] != q {
						t.Errorf("chart %s, %s: drawn %d, the chain says %d", chart, k, got[chart][k], q)
					}
				}
			}
			t.Logf("%s: %d charts match the chain at height %d", c.name, len(want), v.Height)
		})
	}
}

func clipDOM(s string) string {
	if len(s) > 2000 {
		return s[:2000]
	}
	return s
}
