package state

import (
	"sort"
)

// Recorder wraps a KV and remembers the keys whose proofs make a reader's
// answer checkable: each key it read with Get, found or not, and for each
// range it iterated the keys that prove the range complete (see Iterate).
// A query answered through a Recorder can then be proven key by key.
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

// Iterate records what proves that the keys it returned are all the keys
// of the range it scanned, from start up to the key where fn stopped (or to
// end): the start key, and the successor (key+0x00) of every key after
// which the scan went on. The start's proof gives it (present) or the gap
// around it, whose right neighbour is the first key returned; a
// successor's non-existence proof has the key as left neighbour and the
// next key of the tree as right one, so it proves the key, its value, the
// next key and that nothing lies between them. A start that is the first
// key returned, with the scan going on, is proven by its successor's proof
// and not asked for twice; a key followed by its own successor is proven
// by that successor's membership proof. Nothing past the key where fn
// stopped is proven: the proof covers exactly the range scanned.
func (r *Recorder) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	from := string(iterStart(start))
	n := 0
	err := r.KV.Iterate(start, end, func(k, v []byte) bool {
		more := fn(k, v)
		n++
		// The start is left to its successor's proof only when that is a
		// non-existence proof (the start its left neighbour).
		if (n == 1 && (string(k) != from || !more)) || (n == 2 && string(k) == from+"\x00") {
			r.keys[from] = true
		}
		if more {
			r.keys[string(k)+"\x00"] = true
		}
		return more
	})
	if n == 0 {
		r.keys[from] = true // an empty range: the start's gap proves it
	}
	return err
}

// iterStart is where a scan from start begins: a nil start means the first
// key of the tree, and no key is smaller than 0x00 but the empty one, which
// the tree cannot hold.
func iterStart(start []byte) []byte {
	if start == nil {
		return []byte{0}
	}
	return start
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
