package testnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// chromiumPath is Debian's Chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// gwChromium runs headless Chromium with args and returns its stdout.
func gwChromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	// A browser that dies of a signal (seen once under a loaded CI machine:
	// a segmentation fault) says nothing of the pages; it gets one more try.
	// Any other failure, or a second crash, fails the test.
	for attempt := 1; ; attempt++ {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil {
			break
		}
		var exit *exec.ExitError
		if attempt == 1 && errors.As(err, &exit) && !exit.Exited() && ctx.Err() == nil {
			t.Logf("chromium %v died (%v); trying once more", args, err)
			continue
		}
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	t.Logf("chromium %s: %s", args[len(args)-2], time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

// TestGatewayBrowser renders the gateway's consumer pages in headless
// Chromium against a real in-process node seeded with the demo scenario:
// the facts and the custody timeline are in the rendered page, a phone-sized
// screenshot is taken, the page's QR image decodes to the page's URL, and a
// held product shows its warning.
func TestGatewayBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install chromium); CI runs this test", chromiumPath)
		}
		t.Fatalf("CI must run the browser test, but %s is missing: %v", chromiumPath, err)
	}
	start := time.Now()
	n := testnode.StartWith(t, testnode.Options{ChainID: "gateway-browser", NoMetrics: true})
	c, rpc, gen, root, customs := n.Client, n.RPC, n.Genesis, n.Root, n.Customs
	kr := client.NewKeyring(n.Home)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seed, err := demo.Seed(ctx, c, demo.Options{Root: root, RootDivision: "330000", Customs: customs,
		Key: func(name string) (ed25519.PrivateKey, error) {
			if k, err := kr.Get(name); err == nil {
				return k, nil
			}
			return kr.Add(name)
		}})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Listen: "127.0.0.1:0", ConsoleListen: gateway.ConsoleOff, NodeRPC: rpc,
		Trust: client.Trust{Genesis: gen}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Shutdown(context.Background()) })
	t.Logf("node, scenario and gateway ready in %s", time.Since(start).Round(time.Millisecond))

	// The rendered page of a normal product, in Chinese (the default).
	pageURL := gw.URL() + seed.Normal
	dom := gwChromium(t, "--accept-lang=zh-CN,zh", "--dump-dom", pageURL)
	for _, want := range []string{demo.DomesticName, "中国（CN）", "流通记录", "杭州西湖海鲜进口有限公司", "杭州水产品批发市场",
		"西湖生鲜超市", "浙江省杭州市西湖区", "舟山远洋渔业有限公司", "IQ-330900-2026-0318", "已验证", `class="chip active"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if strings.Contains(dom, `id="warning"`) {
		t.Error("a normal product shows a warning")
	}
	// English when the browser prefers it.
	if dom := gwChromium(t, "--accept-lang=en-US,en", "--dump-dom", pageURL); !strings.Contains(dom, "Chain of custody") || !strings.Contains(dom, "China (CN)") {
		t.Error("the page is not in English for an English browser")
	}

	// A phone-sized screenshot.
	shot := filepath.Join(t.TempDir(), "page.png")
	gwChromium(t, "--accept-lang=zh-CN,zh", "--window-size=412,915", "--screenshot="+shot, pageURL)
	raw, err := os.ReadFile(shot)
	if err != nil || len(raw) < 10_000 {
		t.Fatalf("screenshot of %d bytes (%v)", len(raw), err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 412 || b.Dy() != 915 {
		t.Errorf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	if dir := os.Getenv("COLDTRACE_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "gateway-product.png"), raw, 0o644)
	}

	// The page's QR image decodes to the page's URL.
	res, err := http.Get(gw.URL() + "/qr" + seed.Normal + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	qrImg, err := png.Decode(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(qrImg)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if decoded.GetText() != pageURL {
		t.Errorf("the QR code decodes to %q, the page is %q", decoded.GetText(), pageURL)
	}
	if !strings.Contains(dom, "/qr"+seed.Normal+".svg") {
		t.Error("the page does not show its QR code")
	}

	// A held product carries the warning and its reason.
	held := gwChromium(t, "--accept-lang=zh-CN,zh", "--dump-dom", gw.URL()+seed.Held)
	for _, want := range []string{`id="warning"`, "该产品已被监管部门暂扣，请勿食用或销售。", demo.HoldReason, "杭州市市场监督管理局"} {
		if !strings.Contains(held, want) {
			t.Errorf("the held product's page lacks %q", want)
		}
	}
	if dir := os.Getenv("COLDTRACE_SCREENSHOTS"); dir != "" {
		gwChromium(t, "--accept-lang=zh-CN,zh", "--window-size=412,915", "--screenshot="+filepath.Join(dir, "gateway-held.png"), gw.URL()+seed.Held)
	}
	t.Logf("browser test done in %s", time.Since(start).Round(time.Millisecond))
}
