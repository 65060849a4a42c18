package bench_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/bench"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestRunReportsWhatItMeasured runs the driver against a real node, once
// healthy and once with the node killed partway (its RPC port refusing
// connections, as after kill -9): the second run still
// returns its figures, marked partial with the error, and keeps the
// transport errors whole.
func TestRunReportsWhatItMeasured(t *testing.T) {
	n := testnode.Start(t, "bench-test")
	p := newProxy(t, strings.TrimPrefix(n.RPC, "tcp://"))
	cfg := func(run string, d time.Duration) bench.Config {
		return bench.Config{Nodes: []string{"tcp://" + p.addr()}, Regulator: n.Root, Division: "330000", Duration: d,
			EventsPerTx: 2, Pairs: 2, Drain: 2 * time.Second, Run: run}
	}
	ctx := context.Background()

	rep, err := bench.Run(ctx, cfg("A1", 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Partial || rep.Error != "" || rep.Committed == 0 || rep.TxPerSec == 0 {
		t.Fatalf("healthy run: %+v", rep)
	}

	type result struct {
		rep *bench.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := bench.Run(ctx, cfg("B2", 6*time.Second))
		done <- result{r, err}
	}()
	time.Sleep(3 * time.Second)
	p.kill()
	res := <-done
	rep, err = res.rep, res.err
	if err == nil || rep == nil {
		t.Fatalf("run with the node stopped: report %+v, error %v", rep, err)
	}
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"marked partial", rep.Partial},
		{"the error in the report", strings.Contains(rep.Error, "connection refused") && strings.Contains(err.Error(), rep.Error)},
		{"txs committed before the stop counted", rep.Committed > 0 && rep.Events == 2*rep.Committed && rep.LatencyP50Ms > 0},
		{"a throughput", rep.TxPerSec > 0 && rep.Seconds > 0},
		{"reading errors counted", rep.NodeErrors != nil},
	} {
		if !c.ok {
			t.Errorf("%s: %+v (error %v)", c.what, rep, err)
		}
	}
	// Txs sent but never answered for are counted apart from refusals.
	if rep.Refused["fate unknown: no node answered to say whether they were committed"] == 0 && rep.Sent == rep.Committed {
		t.Errorf("nothing in flight at the kill? %+v", rep)
	}
}

// proxy forwards a node's RPC port; kill closes it and every connection,
// which is what the driver sees of a node killed with SIGKILL (an
// in-process node stopped in a test keeps serving open keep-alive
// connections from closed stores instead).
type proxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	t.Cleanup(p.kill)
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) kill() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
