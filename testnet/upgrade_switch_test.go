package testnet

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// TestUpgradeSwitchesBinaries: four validators on the released binary,
// under load, schedule the next rules version on chain; each stops at its
// height naming the version to install; restarted on a build that knows it
// (-tags rulesnext, which differs by one rule: a memo of at most 128 bytes),
// the chain goes on without a fork, the new rule holds from that height,
// and a node that syncs from genesis on the new build replays every height
// before it under the old rules to the same app hashes.
func TestUpgradeSwitchesBinaries(t *testing.T) {
	next := filepath.Join(t.TempDir(), "coldtrace-next")
	if out, err := exec.Command("go", "build", "-tags", "rulesnext", "-o", next, "../cmd/coldtrace").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags rulesnext: %v\n%s", err, out)
	}
	nw := newNetwork(t, 4, 1, netBlockTime, -1)
	lanes := nw.setupLanes(2)
	ld := nw.runLoad(lanes, []int{1, 2})

	c := nw.client(0)
	upgradeAt := nw.height(0) + 15
	if _, err := c.Send(context.Background(), nw.rootKey(), &types.MsgScheduleUpgrade{Version: types.LatestRules + 1, Height: upgradeAt, Reason: "a shorter memo"}); err != nil {
		t.Fatalf("schedule the upgrade: %v", err)
	}
	want := fmt.Sprintf("install a binary that knows v%d", types.LatestRules+1)
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < 4; i++ {
		for !strings.Contains(tail(nw.logPath(i), 20000), want) {
			if time.Now().After(deadline) {
				t.Fatalf("node%d did not stop at height %d naming the version:\n%s", i, upgradeAt, tail(nw.logPath(i), 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	ld.finish()
	// The block store may hold the upgrade height's block (CometBFT saves a
	// block before executing it); none after it exists.
	if h := nw.height(0); h > upgradeAt {
		t.Fatalf("the old binary went on to height %d, past the upgrade height %d", h, upgradeAt)
	}
	for i := 0; i < 4; i++ {
		nw.kill(i)
		nw.startWith(i, next)
	}
	nw.waitHeight(0, upgradeAt+3, 60*time.Second)
	nw.sameAppHashes(upgradeAt+2, 0, 1, 2, 3)

	// The new rule holds; what the old rules accepted still passes it.
	signer := nw.client(0).Signer(nw.rootKey())
	signer.Memo = strings.Repeat("m", 200)
	_, err := signer.Send(context.Background(), regEnterpriseMsg(mkUSCC("91330100MA2NEXTM0"), "330100", pub(testKey("next memo"))))
	var refused *client.Error
	if !errors.As(err, &refused) || refused.Code != types.ErrInvalidField.Code {
		t.Fatalf("a 200-byte memo after the upgrade: %v, want code %d", err, types.ErrInvalidField.Code)
	}

	// A node syncing from genesis on the new build replays the old heights.
	out := nw.cli("testnet", "add-node", "--output", nw.dir)
	if !strings.Contains(out, "node4") {
		t.Fatalf("add-node: %s", out)
	}
	nw.reload()
	nw.startWith(4, next)
	nw.waitHeight(4, upgradeAt+3, 90*time.Second)
	for _, h := range []int64{2, upgradeAt - 2, upgradeAt - 1, upgradeAt, upgradeAt + 2} {
		nw.sameAppHashes(h, 0, 4)
	}
	t.Logf("%d txs under load, upgrade at %d, replayed to %d on the new build", ld.ok.Load(), upgradeAt, nw.height(4))
}
