package app

import "sync"

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
