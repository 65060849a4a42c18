package state

import (
	"errors"
	"sort"
)

// Recorder wraps a KV and remembers every key a reader touched: each Get,
// found or not, and each key an iteration returned. A query answered through
// a Recorder can then be proven key by key.
type Recorder struct {
	KV
	keys map[string]bool
}

// NewRecorder starts recording reads of kv.
func NewRecorder(kv KV) *Recorder { return &Recorder{KV: kv, keys: map[string]bool{}} }

func (r *Recorder) Get(key []byte) ([]byte, error) {
	r.keys[string(key)] = true
	return r.KV.Get(key)
}

// Iterate records the keys returned and the start key itself: the proof of
// the start (its absence, with its neighbours) is what an empty range is
// answered with, so even an empty list carries a proof.
func (r *Recorder) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	if start != nil {
		r.keys[string(start)] = true
	}
	return r.KV.Iterate(start, end, func(k, v []byte) bool {
		r.keys[string(k)] = true
		return fn(k, v)
	})
}

// Keys returns the keys read, sorted.
func (r *Recorder) Keys() [][]byte {
	out := make([][]byte, 0, len(r.keys))
	for k := range r.keys {
		out = append(out, []byte(k))
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	return out
}

// ErrUnproven is returned by a Proven KV asked for a key no proof covers.
var ErrUnproven = errors.New("state: the answer depends on a key that was not proven")

// Proven is a read-only KV of proven keys: a value, or nil for a key proven
// absent. Re-running a query over it reproduces the answer a node gave only
// if the node's answer follows from what it proved.
type Proven struct {
	values map[string][]byte
	absent map[string]bool
	sorted []string
}

// NewProven builds an empty Proven KV; add entries with Put.
func NewProven() *Proven { return &Proven{values: map[string][]byte{}, absent: map[string]bool{}} }

// Put records a proven value (nil: proven absent).
func (p *Proven) Put(key, value []byte) {
	if value == nil {
		p.absent[string(key)] = true
	} else {
		p.values[string(key)] = value
	}
	p.sorted = nil
}

func (p *Proven) Get(key []byte) ([]byte, error) {
	if v, ok := p.values[string(key)]; ok {
		return v, nil
	}
	if p.absent[string(key)] {
		return nil, nil
	}
	return nil, ErrUnproven
}

func (p *Proven) Set(_, _ []byte) error { return ErrReadOnly }
func (p *Proven) Delete(_ []byte) error { return ErrReadOnly }

// Iterate walks the proven present keys in [start, end).
func (p *Proven) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	if p.sorted == nil {
		for k := range p.values {
			p.sorted = append(p.sorted, k)
		}
		sort.Strings(p.sorted)
	}
	i := sort.SearchStrings(p.sorted, string(start))
	for ; i < len(p.sorted); i++ {
		k := p.sorted[i]
		if end != nil && k >= string(end) {
			break
		}
		if !fn([]byte(k), p.values[k]) {
			break
		}
	}
	return nil
}
