package state

import (
	"bytes"
	"sort"
)

// Cache buffers writes over a parent KV so that a tx (or the mempool's view)
// can be applied as a whole or dropped as a whole.
type Cache struct {
	parent KV
	writes map[string][]byte // nil value: deleted
}

// NewCache branches parent.
func NewCache(parent KV) *Cache { return &Cache{parent: parent, writes: map[string][]byte{}} }

func (c *Cache) Get(key []byte) ([]byte, error) {
	if v, ok := c.writes[string(key)]; ok {
		return v, nil
	}
	return c.parent.Get(key)
}

func (c *Cache) Set(key, value []byte) error {
	c.writes[string(key)] = append([]byte{}, value...)
	return nil
}

func (c *Cache) Delete(key []byte) error {
	c.writes[string(key)] = nil
	return nil
}

// sortedKeys returns the buffered keys in [start, end), sorted.
func (c *Cache) sortedKeys(start, end []byte) []string {
	keys := make([]string, 0, len(c.writes))
	for k := range c.writes {
		if (start == nil || k >= string(start)) && (end == nil || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Iterate merges the buffered writes with the parent's keys, in order.
func (c *Cache) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	pending := c.sortedKeys(start, end)
	i := 0
	stopped := false
	// emitPendingBefore yields buffered keys below limit (all when limit is nil).
	emitPendingBefore := func(limit []byte) {
		for ; i < len(pending) && !stopped && (limit == nil || pending[i] < string(limit)); i++ {
			if v := c.writes[pending[i]]; v != nil && !fn([]byte(pending[i]), v) {
				stopped = true
			}
		}
	}
	err := c.parent.Iterate(start, end, func(k, v []byte) bool {
		emitPendingBefore(k)
		if stopped {
			return false
		}
		if i < len(pending) && bytes.Equal([]byte(pending[i]), k) {
			return true // the buffered write shadows the parent; emitted by the next call
		}
		if !fn(k, v) {
			stopped = true
		}
		return !stopped
	})
	if err != nil {
		return err
	}
	emitPendingBefore(nil)
	return nil
}

// Write applies the buffered writes to the parent in key order (the IAVL
// root depends on insertion order, so the order must not be a map's) and
// empties the buffer.
func (c *Cache) Write() error {
	for _, k := range c.sortedKeys(nil, nil) {
		v := c.writes[k]
		var err error
		if v == nil {
			err = c.parent.Delete([]byte(k))
		} else {
			err = c.parent.Set([]byte(k), v)
		}
		if err != nil {
			return err
		}
	}
	c.writes = map[string][]byte{}
	return nil
}
