package state

import (
	"errors"
	"fmt"
	"sort"
)

// ErrUnproven is returned by a Proven KV asked for a key no proof covers,
// or to iterate a range whose completeness nothing proves.
var ErrUnproven = errors.New("state: the answer depends on a key that was not proven")

// RangeError is the ErrUnproven of an iteration: the keys of [Start, End)
// are proven up to At, but nothing proves which key comes next, so a key
// the node left out could be there.
type RangeError struct {
	Start, End []byte // the range asked for (End nil: to the end of the tree)
	At         []byte // where the proven part stops
	Present    bool   // At is a proven key (else At lies in no proven gap)
}

func (e *RangeError) Error() string { return "state: " + e.Reason() }

// Reason is the error without its package prefix, for a verifier to quote.
func (e *RangeError) Reason() string {
	end := "the end of the tree"
	if e.End != nil {
		end = fmt.Sprintf("%X", e.End)
	}
	if e.Present {
		return fmt.Sprintf("the range %X to %s is not proven complete: nothing proves which key follows %X", e.Start, end, e.At)
	}
	return fmt.Sprintf("the range %X to %s is not proven complete: nothing proves whether a key lies at or after %X", e.Start, end, e.At)
}

func (e *RangeError) Unwrap() error { return ErrUnproven }

// Proven is a read-only KV of what proofs established: present keys with
// their values, keys proven absent, and gaps, open intervals of the key
// space known to hold no key (a non-existence proof's two neighbours).
// Re-running a query over it reproduces the answer a node gave only if the
// node's answer follows from what it proved; it iterates a range only as
// far as present keys and gaps cover it without a hole, so a list cannot
// silently come back shorter than the state it was read from.
type Proven struct {
	values map[string][]byte
	absent map[string]bool
	// gaps maps a gap's left neighbour to its right one; rightmost marks
	// the left neighbours whose gap runs to the end of the tree.
	gaps      map[string]string
	rightmost map[string]bool
	// first is the first key of the tree, when a gap from its beginning
	// is proven (hasFirst).
	first    string
	hasFirst bool
	lefts    []string // gaps' left neighbours, sorted; nil when stale
	ranges   int      // iterations walked to their end with every step proven
}

// NewProven builds an empty Proven KV; add entries with Put and PutGap.
func NewProven() *Proven {
	return &Proven{values: map[string][]byte{}, absent: map[string]bool{}, gaps: map[string]string{}, rightmost: map[string]bool{}}
}

// Put records a proven value (nil: proven absent).
func (p *Proven) Put(key, value []byte) {
	if value == nil {
		p.absent[string(key)] = true
	} else {
		p.values[string(key)] = value
	}
}

// PutGap records that no key lies strictly between left and right, two
// neighbours in the tree; nil left: right is the tree's first key; nil
// right: left is its last. Both nil records nothing (no proof has neither).
func (p *Proven) PutGap(left, right []byte) {
	switch {
	case left == nil && right == nil:
	case left == nil:
		p.first, p.hasFirst = string(right), true
	case right == nil:
		p.rightmost[string(left)] = true
		p.lefts = nil
	default:
		p.gaps[string(left)] = string(right)
		p.lefts = nil
	}
}

func (p *Proven) Get(key []byte) ([]byte, error) {
	if v, ok := p.values[string(key)]; ok {
		return v, nil
	}
	if p.absent[string(key)] {
		return nil, nil
	}
	if _, _, ok := p.gapOver(string(key)); ok {
		return nil, nil
	}
	return nil, ErrUnproven
}

// Ranges is the number of iterations so far walked to their end (or to
// where the reader stopped) with every step proven: the lists the answer
// read, each proven to hold no other key.
func (p *Proven) Ranges() int { return p.ranges }

func (p *Proven) Set(_, _ []byte) error { return ErrReadOnly }
func (p *Proven) Delete(_ []byte) error { return ErrReadOnly }

// Iterate walks the keys of [start, end) from start, each step proven: a
// present key is followed by its successor key+0x00 when that is present,
// else by the right end of the gap it opens; a position that is no present
// key must lie inside a gap, and the walk goes on at the gap's right end.
// Where neither holds the walk stops with a RangeError: the node did not
// prove that range complete. A walk that fn stops needs no proof beyond.
func (p *Proven) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	err := p.walk(start, end, fn)
	if err == nil {
		p.ranges++
	}
	return err
}

func (p *Proven) walk(start, end []byte, fn func(key, value []byte) bool) error {
	cur := string(iterStart(start))
	for end == nil || cur < string(end) {
		if v, ok := p.values[cur]; ok {
			if !fn([]byte(cur), v) {
				return nil
			}
			if _, ok := p.values[cur+"\x00"]; ok {
				cur += "\x00"
				continue
			}
			if p.rightmost[cur] {
				return nil
			}
			next, ok := p.gaps[cur]
			if !ok {
				return &RangeError{Start: start, End: end, At: []byte(cur), Present: true}
			}
			cur = next
			continue
		}
		next, last, ok := p.gapOver(cur)
		if !ok {
			return &RangeError{Start: start, End: end, At: []byte(cur)}
		}
		if last {
			return nil
		}
		cur = next
	}
	return nil
}

// gapOver finds the proven gap that holds key: the right end of it, or
// last when the gap runs to the end of the tree.
func (p *Proven) gapOver(key string) (next string, last, ok bool) {
	if p.hasFirst && key < p.first {
		return p.first, false, true
	}
	if p.lefts == nil {
		p.lefts = make([]string, 0, len(p.gaps)+len(p.rightmost))
		for l := range p.gaps {
			p.lefts = append(p.lefts, l)
		}
		for l := range p.rightmost {
			p.lefts = append(p.lefts, l)
		}
		sort.Strings(p.lefts)
	}
	// The gap with the greatest left neighbour below key is the only one
	// that can hold it: proven gaps of one tree do not overlap.
	i := sort.SearchStrings(p.lefts, key) - 1
	if i < 0 {
		return "", false, false
	}
	l := p.lefts[i]
	if p.rightmost[l] {
		return "", true, true
	}
	if r := p.gaps[l]; key < r {
		return r, false, true
	}
	return "", false, false
}
