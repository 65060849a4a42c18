package testnet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"image/color"
	"image/png"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/label"
	"github.com/coldtrace/coldtrace/types"
)

const stationHost = "station.coldtrace.test"

// testCert writes a certificate for host (and its key) into dir and
// returns the files and the base64 SHA-256 of its public key, which
// Chromium is told to trust (--ignore-certificate-errors-spki-list).
func testCert(t *testing.T, dir, host string) (certFile, keyFile, spki string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	pk, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(pk)
	return certFile, keyFile, base64.StdEncoding.EncodeToString(sum[:])
}

// labelY4M writes a video for Chromium's fake camera: the project's own QR
// label of uri, drawn by label.QRPNG, on a white 640×480 frame (YUV 4:2:0).
func labelY4M(t *testing.T, file, uri string) {
	t.Helper()
	raw, err := label.QRPNG(uri, 360)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 640, 480
	ys := make([]byte, w*h)
	for i := range ys {
		ys[i] = 235
	}
	b := img.Bounds()
	ox, oy := (w-b.Dx())/2, (h-b.Dy())/2
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			ys[(oy+y-b.Min.Y)*w+ox+x-b.Min.X] = byte(16 + int(g)*219/255)
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/4)
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for f := 0; f < 10; f++ {
		out.WriteString("FRAME\n")
		out.Write(ys)
		out.Write(chroma)
		out.Write(chroma)
	}
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStationInspectorHTTPSCamera serves the station over HTTPS under a
// host name that is not loopback, as a province does, to a regulator's
// field inspector: the phone's camera (Chromium's fake device playing a
// video of the project's own label) reads the code, the inspector sees its
// status and a link to the console, and holds it on the spot; scanned
// again, the held goods stop the work with the reason.
func TestStationInspectorHTTPSCamera(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	certFile, keyFile, spki := testCert(t, dir, stationHost)
	w := startStationWorld(t, testnode.Options{ChainID: "station-https", NoMetrics: true}, func(c *gateway.Config) {
		c.TLSCert, c.TLSKey = certFile, keyFile
		c.ConsoleListen, c.ConsoleDivision = "127.0.0.1:0", "33"
	})
	if !strings.HasPrefix(w.gw.URL(), "https://") {
		t.Fatalf("the gateway serves %s, want HTTPS", w.gw.URL())
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(w.gw.URL(), "https://"))
	video := filepath.Join(dir, "label.y4m")
	code0 := stationCode(4) // held by the importer, in the inspector's province
	labelY4M(t, video, "https://"+stationHost+code0)
	b := startBrowser(t, "--host-resolver-rules=MAP "+stationHost+" 127.0.0.1", "--ignore-certificate-errors-spki-list="+spki,
		"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--use-file-for-fake-video-capture="+video)
	p := b.open("https://" + stationHost + ":" + port + "/scan")
	p.waitFor("the page's script", `document.body.dataset.ready === "1"`, 20*time.Second)
	var secure bool
	p.mustEval(`window.isSecureContext && location.protocol === "https:"`, &secure)
	if !secure {
		t.Fatal("the station is not a secure context over HTTPS")
	}
	w.enrol(t, p, "330000", types.OwnerKind_OWNER_KIND_REGULATOR, w.n.Root)

	p.mustEval(`document.getElementById("camera-start").click()`, nil)
	p.waitFor("the camera's code", `document.getElementById("work-code") && document.getElementById("work-code").textContent === "`+code0+`"`, 30*time.Second)
	p.waitFor("the code's verified status", `document.getElementById("work-status")`, 20*time.Second)
	var link string
	p.mustEval(`document.getElementById("console-link").getAttribute("href")`, &link)
	if link != w.gw.ConsoleURL()+"/code?code="+url.QueryEscape(code0) {
		t.Fatalf("the inspector's console link is %q", link)
	}
	p.mustEval(`document.getElementById("hold-reason").value = "现场检查：包装破损"; document.getElementById("act-hold").click()`, nil)
	waitQueue(t, p, 1, "committed", 30*time.Second)
	if rec := w.record(t, code0); rec.Status != types.CodeStatus_CODE_STATUS_HELD || rec.StatusReason != "现场检查：包装破损" {
		t.Fatalf("after the hold the code is %v (%q)", rec.Status, rec.StatusReason)
	}
	p.mustEval(`document.getElementById("work").replaceChildren()`, nil)
	typeScan(t, p, code0)
	p.waitFor("held goods stopping the work", `document.getElementById("work-stop")`, 20*time.Second)
	var stop string
	p.mustEval(`document.getElementById("work-stop").textContent`, &stop)
	if !strings.Contains(stop, "包装破损") {
		t.Fatalf("the stop reads %q, want the hold's reason", stop)
	}
}
