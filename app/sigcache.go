package app

import (
	"crypto/sha256"
	"sync"

	"github.com/coldtrace/coldtrace/types"
)

// sigCache remembers the hashes of txs whose signature this node has
// verified (in CheckTx, PrepareProposal or ProcessProposal), so a tx is
// verified once, not up to four times, on its way into a block. Skipping a
// check already passed by these exact bytes cannot change any result.
type sigCache struct {
	mu    sync.Mutex
	set   map[[32]byte]struct{}
	order [][32]byte // oldest first; the cache forgets beyond max
	next  int
	max   int
}

func newSigCache(max int) *sigCache {
	return &sigCache{set: make(map[[32]byte]struct{}, max), order: make([][32]byte, max), max: max}
}

func (c *sigCache) has(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[h]
	return ok
}

func (c *sigCache) add(h [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.set[h]; ok {
		return
	}
	if old := c.order[c.next]; len(c.set) == c.max {
		delete(c.set, old)
	}
	c.order[c.next] = h
	c.next = (c.next + 1) % c.max
	c.set[h] = struct{}{}
}

// sigCacheSize covers a full mempool and a few blocks of txs.
const sigCacheSize = 50_000

// decode runs the stateless checks, verifying the signature unless these
// exact bytes were verified before (or the mempool rechecks them).
func (a *App) decode(raw []byte, m mode, rules types.RuleSet) (*types.DecodedTx, [32]byte, error) {
	h := sha256.Sum256(raw)
	verify := m != modeRecheck && !a.sigs.has(h)
	lim := a.limits
	lim.Rules = uint32(rules)
	dtx, err := types.DecodeTx(raw, lim, verify)
	if err == nil && verify {
		a.sigs.add(h)
	}
	return dtx, h, err
}
