package node_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// With log_format = "json" every line a real node writes, CometBFT's and the
// app's, is one JSON object, and a refused tx is logged with its hash and code.
func TestNodeLogsJSON(t *testing.T) {
	home := t.TempDir()
	p := testnode.FreePorts(t, 2)
	if _, err := node.InitHome(home, node.InitOptions{Ports: node.Ports{RPC: p[0], P2P: p[1], Prometheus: -1}, TimeoutCommit: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "config", "config.toml")
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`log_format = "plain"`), []byte(`log_format = "json"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	logger, err := node.LoggerFor(home, &out)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	c, err := client.Dial(fmt.Sprintf("tcp://127.0.0.1:%d", p[0]))
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitCommitted(t, c, 1, 20*time.Second)
	junk := []byte("not a coldtrace tx")
	res, err := c.RPC().BroadcastTxSync(context.Background(), junk)
	if err != nil || res.Code == 0 {
		t.Fatalf("junk tx: %v %+v", err, res)
	}
	hash := sha256.Sum256(junk)
	want := fmt.Sprintf("%X", hash[:])
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	var refused, comet int
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("a line is not JSON: %q", line)
		}
		switch {
		case v["_msg"] == "tx refused" && v["tx"] == want && v["code"] == float64(res.Code) && v["stage"] == "check":
			refused++
		case v["module"] == "consensus" || v["module"] == "state":
			comet++
		}
	}
	if refused != 1 || comet == 0 {
		t.Fatalf("refusal lines %d (want 1, tx %s code %d), CometBFT lines %d:\n%s", refused, want, res.Code, comet, out.String())
	}
}
