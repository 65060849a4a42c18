package testnet

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
)

// TestBinaryScannerInputAndChineseLabels: the CLI takes a code as a
// hardware scanner types it (symbology identifier, GS between fields) in a
// query and in a tx, and prints the demo's Chinese product name on labels
// without falling back.
func TestBinaryScannerInputAndChineseLabels(t *testing.T) {
	bin := buildBinary(t)
	home := filepath.Join(t.TempDir(), "home")
	ports := freePorts(t, 2)
	mustCLI(t, bin, home, "init", "--chain-id", "scan-test", "--block-time", "200ms", "--keyring-backend", "test",
		"--rpc-port", fmt.Sprint(ports[0]), "--p2p-port", fmt.Sprint(ports[1]))
	startBinary(t, bin, home)
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 1, 30*time.Second)

	const base = "https://trace.example.cn"
	out := mustCLI(t, bin, home, "demo", "--base", base)
	m := regexp.MustCompile(`normal product: +` + regexp.QuoteMeta(base) + `/01/(\d{14})/10/([^/\s]+)/21/(\d+)`).FindStringSubmatch(out)
	bm := regexp.MustCompile(`coldtrace label --batch (\S+)`).FindStringSubmatch(out)
	if m == nil || bm == nil {
		t.Fatalf("demo output has no product URL or batch:\n%s", out)
	}
	gtin, lot := m[1], m[2]
	// The demo holds carton 0003; 0002 is at the supermarket.
	canonical := "/01/" + gtin + "/10/" + lot + "/21/0002"
	scanned := "]d2" + "01" + gtin + "10" + lot + "\x1d" + "21" + "0002"

	out = mustCLI(t, bin, home, "query", "trace", "code", scanned, "-o", "json")
	if !strings.Contains(out, canonical) {
		t.Fatalf("query trace code %q does not show %s:\n%s", scanned, canonical, out)
	}
	out = mustCLI(t, bin, home, "tx", "supervision", "hold", scanned, "--reason", "label check", "--from", "demo-city")
	if !strings.Contains(out, "committed at height") {
		t.Fatalf("hold by scanned code: %q", out)
	}
	out = mustCLI(t, bin, home, "query", "trace", "code", canonical, "-o", "json")
	if !strings.Contains(out, "label check") {
		t.Fatalf("the hold sent with the scanned code is not on %s:\n%s", canonical, out)
	}
	// Refused with what is wrong: a check digit.
	bad := "]d2" + "01" + gtin[:13] + string('0'+(gtin[13]-'0'+1)%10) + "10" + lot + "\x1d21" + "0002"
	_, errOut, err := cli(t, bin, home, "query", "trace", "code", bad)
	if err == nil || !strings.Contains(errOut, "check digit") {
		t.Fatalf("query with a wrong check digit: err %v, stderr %q", err, errOut)
	}

	dir := t.TempDir()
	for _, name := range []string{"labels.pdf", "labels.png"} {
		f := filepath.Join(dir, name)
		var errOut string
		out, errOut, err = cli(t, bin, home, "label", "--batch", bm[1], "--out", f, "--base", base)
		if err != nil {
			t.Fatalf("label --out %s: %v\n%s%s", name, err, out, errOut)
		}
		if strings.Contains(errOut, "warning") {
			t.Fatalf("label --out %s warns: %s", name, errOut)
		}
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
