package testnet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: commands on fd 3, answers on fd 4), so a
// test can type, click and read a page that keeps running, as a person's
// browser does.
type browser struct {
	t      *testing.T
	cmd    *exec.Cmd
	w      *os.File
	mu     sync.Mutex
	nextID int
	wait   map[int]chan cdpMsg
	stderr *lockedWriter
}

type cdpMsg struct {
	ID        int                       `json:"id"`
	Result    json.RawMessage           `json:"result"`
	Error     *struct{ Message string } `json:"error"`
	Method    string                    `json:"method"`
	SessionID string                    `json:"sessionId"`
}

// needChromium skips without Chromium, and fails with CI set.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install chromium); CI runs this test", chromiumPath)
		}
		t.Fatalf("CI must run the browser test, but %s is missing: %v", chromiumPath, err)
	}
}

// startBrowser starts Chromium and waits until it answers. A browser that
// dies before its first answer (seen under a loaded CI machine: a crash at
// start-up, before any page exists) is started afresh, up to three times;
// its stderr is logged each time and given with the failure.
func startBrowser(t *testing.T, extra ...string) *browser {
	t.Helper()
	needChromium(t)
	var crashes []string
	for attempt := 1; attempt <= 3; attempt++ {
		b, err := launchBrowser(t, extra)
		if err == nil {
			return b
		}
		crashes = append(crashes, fmt.Sprintf("attempt %d: %v\n%s", attempt, err, b.stderr.String()))
		t.Logf("chromium did not come up (%v); starting it again", err)
	}
	t.Fatalf("chromium did not come up in 3 attempts:\n%s", strings.Join(crashes, "\n"))
	return nil
}

// launchBrowser starts one Chromium and asks for its version; on an error
// the process is gone and b holds its stderr.
func launchBrowser(t *testing.T, extra []string) (*browser, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--remote-debugging-pipe", "--user-data-dir=" + t.TempDir(), "--window-size=412,915"}, extra...)
	args = append(args, "about:blank")
	cmd := exec.Command(chromiumPath, args...)
	cmd.ExtraFiles = []*os.File{inR, outW}
	b := &browser{t: t, cmd: cmd, w: inW, wait: map[int]chan cdpMsg{}, stderr: &lockedWriter{}}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	go b.read(outR)
	stop := func() {
		b.call("", "Browser.close", nil)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		inW.Close()
	}
	if _, err := b.call("", "Browser.getVersion", nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		inW.Close()
		return b, err
	}
	t.Cleanup(stop)
	return b, nil
}

// lockedWriter keeps the first 64 KiB of a browser's stderr, readable
// while it still writes.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<16 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (b *browser) read(r *os.File) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.wait {
				close(ch)
				delete(b.wait, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMsg
		if json.Unmarshal(line[:len(line)-1], &m) != nil || m.ID == 0 {
			continue
		}
		b.mu.Lock()
		ch := b.wait[m.ID]
		delete(b.wait, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command (to a page's session when session is set).
func (b *browser) call(session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMsg, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, _ := json.Marshal(msg)
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("chromium went away during %s", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 60 s", method)
	}
}

// page is one tab.
type page struct {
	b       *browser
	target  string
	session string
}

func (b *browser) open(url string) *page { return b.openWith(url, nil) }

// openWith opens a tab, runs before (network conditions, say) and loads url.
func (b *browser) openWith(url string, before func(*page)) *page {
	b.t.Helper()
	res, err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		b.t.Fatalf("%v\nchromium stderr:\n%s", err, b.stderr.String())
	}
	var tgt struct{ TargetID string }
	json.Unmarshal(res, &tgt)
	res, err = b.call("", "Target.attachToTarget", map[string]any{"targetId": tgt.TargetID, "flatten": true})
	if err != nil {
		b.t.Fatalf("%v\nchromium stderr:\n%s", err, b.stderr.String())
	}
	var att struct{ SessionID string }
	json.Unmarshal(res, &att)
	p := &page{b: b, target: tgt.TargetID, session: att.SessionID}
	p.must("Page.enable", nil)
	p.must("Runtime.enable", nil)
	p.must("Network.enable", nil)
	if before != nil {
		before(p)
	}
	p.must("Page.navigate", map[string]any{"url": url})
	return p
}

func (p *page) must(method string, params any) json.RawMessage {
	p.b.t.Helper()
	res, err := p.b.call(p.session, method, params)
	if err != nil {
		p.b.t.Fatalf("%v\nchromium stderr:\n%s", err, p.b.stderr.String())
	}
	return res
}

func (p *page) close() {
	p.b.call("", "Target.closeTarget", map[string]any{"targetId": p.target})
}

// eval runs an expression (awaiting a promise) and decodes its value into out.
func (p *page) eval(expr string, out any) error {
	res, err := p.b.call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s %s", clip(expr, 120), r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

func (p *page) mustEval(expr string, out any) {
	p.b.t.Helper()
	if err := p.eval(expr, out); err != nil {
		p.b.t.Fatal(err)
	}
}

// waitFor polls a boolean expression until it is true.
func (p *page) waitFor(what, expr string, within time.Duration) {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var last error
	for {
		var ok bool
		if last = p.eval("!!("+expr+")", &ok); last == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			var body string
			p.eval("document.body ? document.body.innerText : ''", &body)
			p.b.t.Fatalf("waiting for %s (%s): not within %s (last error %v); the page says:\n%s", what, expr, within, last, clip(body, 3000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
