package state

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// newParent returns a memory tree holding the given pairs, saved as version 1
// when save is set (so that both saved and working-tree reads are covered).
func newParent(t *testing.T, save bool, kvs ...string) *Tree {
	t.Helper()
	tr := OpenMemory(Options{})
	t.Cleanup(func() { _ = tr.Close() })
	for i := 0; i+1 < len(kvs); i += 2 {
		mustSet(t, tr, kvs[i], kvs[i+1])
	}
	if save {
		if _, _, err := tr.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func TestCacheGetSetDelete(t *testing.T) {
	for _, parentKind := range []string{"tree", "cache over tree"} {
		t.Run(parentKind, func(t *testing.T) {
			t.Parallel()
			tr := newParent(t, true, "a", "1", "b", "2", "c", "3")
			var parent KV = tr
			if parentKind == "cache over tree" {
				parent = NewCache(tr)
			}
			c := NewCache(parent)
			mustSet(t, c, "a", "10") // overwrite a parent key
			mustDelete(t, c, "b")    // delete a parent key
			mustSet(t, c, "d", "4")  // a new key
			mustDelete(t, c, "e")    // delete of an absent key
			mustSet(t, c, "f", "")   // an empty value is present, not deleted

			tests := []struct {
				name       string
				key        string
				cacheV     string
				cacheOK    bool
				parentV    string
				parentOK   bool
				afterWrite bool // present in the parent after Write
			}{
				{"overwritten", "a", "10", true, "1", true, true},
				{"deleted", "b", "", false, "2", true, false},
				{"untouched", "c", "3", true, "3", true, true},
				{"added", "d", "4", true, "", false, true},
				{"deleted absent", "e", "", false, "", false, false},
				{"empty value", "f", "", true, "", false, true},
			}
			for _, tc := range tests {
				if v, ok := mustGet(t, c, tc.key); v != tc.cacheV || ok != tc.cacheOK {
					t.Errorf("%s: cache Get(%q) = %q,%v want %q,%v", tc.name, tc.key, v, ok, tc.cacheV, tc.cacheOK)
				}
				if v, ok := mustGet(t, parent, tc.key); v != tc.parentV || ok != tc.parentOK {
					t.Errorf("%s: parent Get(%q) before Write = %q,%v want %q,%v", tc.name, tc.key, v, ok, tc.parentV, tc.parentOK)
				}
			}
			if got := collect(t, parent, nil, nil, 0); !reflect.DeepEqual(got, []kvPair{{"a", "1"}, {"b", "2"}, {"c", "3"}}) {
				t.Errorf("parent changed before Write: %v", got)
			}

			if err := c.Write(); err != nil {
				t.Fatal(err)
			}
			if len(c.writes) != 0 {
				t.Errorf("buffer not emptied by Write: %d entries", len(c.writes))
			}
			for _, tc := range tests {
				v, ok := mustGet(t, parent, tc.key)
				if ok != tc.afterWrite || (ok && v != tc.cacheV) {
					t.Errorf("%s: parent Get(%q) after Write = %q,%v want %q,%v", tc.name, tc.key, v, ok, tc.cacheV, tc.afterWrite)
				}
			}
			// A second Write must be a no-op, and the cache still reads through.
			mustSet(t, parent, "g", "7")
			if err := c.Write(); err != nil {
				t.Fatal(err)
			}
			if v, ok := mustGet(t, c, "g"); !ok || v != "7" {
				t.Errorf("cache does not read through to parent after Write: %q,%v", v, ok)
			}
			if v, _ := mustGet(t, parent, "a"); v != "10" {
				t.Errorf("second Write changed the parent: a = %q", v)
			}
		})
	}
}

func TestCacheSetCopiesValue(t *testing.T) {
	c := NewCache(newParent(t, false))
	v := []byte("abc")
	if err := c.Set([]byte("k"), v); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if got, _ := mustGet(t, c, "k"); got != "abc" {
		t.Fatalf("Set kept a reference to the caller's slice: %q", got)
	}
}

// recordingKV records the writes it receives, to check Write's order.
type recordingKV struct {
	KV
	ops []string
}

func (r *recordingKV) Set(k, v []byte) error {
	r.ops = append(r.ops, "set "+string(k)+"="+string(v))
	return r.KV.Set(k, v)
}

func (r *recordingKV) Delete(k []byte) error {
	r.ops = append(r.ops, "del "+string(k))
	return r.KV.Delete(k)
}

func TestCacheWriteOrder(t *testing.T) {
	rec := &recordingKV{KV: newParent(t, false, "m", "0")}
	c := NewCache(rec)
	mustSet(t, c, "z", "1")
	mustDelete(t, c, "m")
	mustSet(t, c, "a", "2")
	mustSet(t, c, "q", "3")
	mustSet(t, c, "a", "4") // the last write to a key wins
	mustDelete(t, c, "q")   // a delete after a set is a delete
	if err := c.Write(); err != nil {
		t.Fatal(err)
	}
	want := []string{"set a=4", "del m", "del q", "set z=1"}
	if !reflect.DeepEqual(rec.ops, want) {
		t.Fatalf("Write applied %v, want %v (ascending key order)", rec.ops, want)
	}
}

func TestCacheIterate(t *testing.T) {
	// Parent holds b, d, f, h; each case buffers some writes over it.
	type op struct {
		del  bool
		k, v string
	}
	set := func(k, v string) op { return op{k: k, v: v} }
	del := func(k string) op { return op{del: true, k: k} }
	b := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name       string
		ops        []op
		start, end []byte
		stopAfter  int
		want       []kvPair
		wantCalls  int // 0: len(want)
	}{
		{name: "no buffered writes", want: []kvPair{{"b", "1"}, {"d", "2"}, {"f", "3"}, {"h", "4"}}},
		{name: "buffer shadows parent key", ops: []op{set("d", "D")},
			want: []kvPair{{"b", "1"}, {"d", "D"}, {"f", "3"}, {"h", "4"}}},
		{name: "buffer shadows first and last parent key", ops: []op{set("b", "B"), set("h", "H")},
			want: []kvPair{{"b", "B"}, {"d", "2"}, {"f", "3"}, {"h", "H"}}},
		{name: "buffered delete hides parent key", ops: []op{del("d")},
			want: []kvPair{{"b", "1"}, {"f", "3"}, {"h", "4"}}},
		{name: "buffered deletes hide every parent key", ops: []op{del("b"), del("d"), del("f"), del("h")}},
		{name: "delete of absent key emits nothing", ops: []op{del("c"), del("z")},
			want: []kvPair{{"b", "1"}, {"d", "2"}, {"f", "3"}, {"h", "4"}}},
		{name: "buffered keys before, between and after", ops: []op{set("a", "A"), set("c", "C"), set("e", "E"), set("z", "Z")},
			want: []kvPair{{"a", "A"}, {"b", "1"}, {"c", "C"}, {"d", "2"}, {"e", "E"}, {"f", "3"}, {"h", "4"}, {"z", "Z"}}},
		{name: "several buffered keys between two parent keys", ops: []op{set("d1", "x"), set("d2", "y"), set("d3", "z")},
			want: []kvPair{{"b", "1"}, {"d", "2"}, {"d1", "x"}, {"d2", "y"}, {"d3", "z"}, {"f", "3"}, {"h", "4"}}},
		{name: "mixed", ops: []op{set("a", "A"), del("b"), set("d", "D"), set("e", "E"), del("h"), set("i", "I")},
			want: []kvPair{{"a", "A"}, {"d", "D"}, {"e", "E"}, {"f", "3"}, {"i", "I"}}},
		{name: "range [c, g)", ops: []op{set("a", "A"), set("c", "C"), set("g", "G"), del("f")}, start: b("c"), end: b("g"),
			want: []kvPair{{"c", "C"}, {"d", "2"}}},
		{name: "range start is inclusive, end exclusive for buffered keys", ops: []op{set("c", "C"), set("e", "E")}, start: b("c"), end: b("e"),
			want: []kvPair{{"c", "C"}, {"d", "2"}}},
		{name: "range start is inclusive, end exclusive for parent keys", start: b("d"), end: b("h"),
			want: []kvPair{{"d", "2"}, {"f", "3"}}},
		{name: "nil start", ops: []op{set("a", "A"), set("g", "G")}, end: b("e"),
			want: []kvPair{{"a", "A"}, {"b", "1"}, {"d", "2"}}},
		{name: "nil end", ops: []op{set("a", "A"), set("g", "G")}, start: b("e"),
			want: []kvPair{{"f", "3"}, {"g", "G"}, {"h", "4"}}},
		{name: "range with only buffered keys", ops: []op{set("x", "X"), set("y", "Y")}, start: b("i"),
			want: []kvPair{{"x", "X"}, {"y", "Y"}}},
		{name: "empty range", ops: []op{set("c", "C")}, start: b("c"), end: b("c")},
		{name: "stop on a parent key", ops: []op{set("a", "A"), set("e", "E")}, stopAfter: 2,
			want: []kvPair{{"a", "A"}, {"b", "1"}}},
		{name: "stop on a buffered key between parent keys", ops: []op{set("a", "A"), set("c", "C"), set("e", "E")}, stopAfter: 3,
			want: []kvPair{{"a", "A"}, {"b", "1"}, {"c", "C"}}},
		{name: "stop on the first buffered key", ops: []op{set("a", "A")}, stopAfter: 1,
			want: []kvPair{{"a", "A"}}},
		{name: "stop on a shadowing buffered key", ops: []op{set("d", "D")}, stopAfter: 2,
			want: []kvPair{{"b", "1"}, {"d", "D"}}},
		{name: "stop on a buffered key after the parent keys", ops: []op{set("x", "X"), set("y", "Y")}, stopAfter: 5,
			want: []kvPair{{"b", "1"}, {"d", "2"}, {"f", "3"}, {"h", "4"}, {"x", "X"}}},
		{name: "stop on the last parent key", ops: []op{set("x", "X")}, stopAfter: 4,
			want: []kvPair{{"b", "1"}, {"d", "2"}, {"f", "3"}, {"h", "4"}}},
	}
	for _, parentKind := range []string{"tree", "saved tree", "cache over tree"} {
		for _, tc := range tests {
			t.Run(parentKind+"/"+tc.name, func(t *testing.T) {
				t.Parallel() // closing a tree waits for IAVL's pruning loop (up to 100 ms)
				var parent KV
				if parentKind == "cache over tree" {
					// Split the parent's contents across a cache and its tree.
					pc := NewCache(newParent(t, false, "b", "1", "f", "3"))
					mustSet(t, pc, "d", "2")
					mustSet(t, pc, "h", "4")
					parent = pc
				} else {
					parent = newParent(t, parentKind == "saved tree", "b", "1", "d", "2", "f", "3", "h", "4")
				}
				c := NewCache(parent)
				for _, o := range tc.ops {
					if o.del {
						mustDelete(t, c, o.k)
					} else {
						mustSet(t, c, o.k, o.v)
					}
				}
				calls := 0
				var got []kvPair
				err := c.Iterate(tc.start, tc.end, func(k, v []byte) bool {
					calls++
					got = append(got, kvPair{string(k), string(v)})
					return tc.stopAfter <= 0 || len(got) < tc.stopAfter
				})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("Iterate(%q, %q) = %v, want %v", tc.start, tc.end, got, tc.want)
				}
				if calls != len(tc.want) {
					t.Fatalf("fn called %d times, want %d (no calls after it returned false)", calls, len(tc.want))
				}
			})
		}
	}
}

// model is a reference for one layer: either a base map or a buffer over a
// parent layer (nil pointer value: deleted).
type model struct {
	base   map[string]string
	buf    map[string]*string
	parent *model
}

func (m *model) view() map[string]string {
	if m.parent == nil {
		return copyMap(m.base)
	}
	v := m.parent.view()
	for k, p := range m.buf {
		if p == nil {
			delete(v, k)
		} else {
			v[k] = *p
		}
	}
	return v
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (m *model) set(k, v string) {
	if m.parent == nil {
		m.base[k] = v
	} else {
		m.buf[k] = &v
	}
}

func (m *model) del(k string) {
	if m.parent == nil {
		delete(m.base, k)
	} else {
		m.buf[k] = nil
	}
}

func (m *model) write() {
	for k, p := range m.buf {
		if p == nil {
			m.parent.del(k)
		} else {
			m.parent.set(k, *p)
		}
	}
	m.buf = map[string]*string{}
}

func refRange(view map[string]string, start, end []byte, stopAfter int) []kvPair {
	keys := make([]string, 0, len(view))
	for k := range view {
		if (start == nil || k >= string(start)) && (end == nil || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []kvPair
	for _, k := range keys {
		out = append(out, kvPair{k, view[k]})
		if stopAfter > 0 && len(out) == stopAfter {
			break
		}
	}
	return out
}

// TestCacheRandomized drives a tree with two stacked caches with random
// operations at every layer and checks every read against a map model.
func TestCacheRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0x00, 0x01, 0x7f, 0xfe, 0xff}
	randKey := func() []byte {
		k := make([]byte, 1+rng.IntN(3))
		for i := range k {
			k[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return k
	}
	randBound := func() []byte {
		if rng.IntN(4) == 0 {
			return nil
		}
		return randKey()
	}

	tr := OpenMemory(Options{})
	defer tr.Close()
	c1 := NewCache(tr)
	c2 := NewCache(c1)
	mTree := &model{base: map[string]string{}}
	m1 := &model{buf: map[string]*string{}, parent: mTree}
	m2 := &model{buf: map[string]*string{}, parent: m1}
	layers := []struct {
		name string
		kv   KV
		m    *model
	}{{"tree", tr, mTree}, {"c1", c1, m1}, {"c2", c2, m2}}

	check := func(step int, what string) {
		t.Helper()
		for _, l := range layers {
			want := refRange(l.m.view(), nil, nil, 0)
			if got := collect(t, l.kv, nil, nil, 0); !slices.Equal(got, want) {
				t.Fatalf("step %d (%s): %s holds %v, want %v", step, what, l.name, got, want)
			}
		}
	}

	const steps = 600
	for step := 0; step < steps; step++ {
		l := layers[rng.IntN(len(layers))]
		// Bias writes towards the caches, which are under test.
		if rng.IntN(3) > 0 {
			l = layers[1+rng.IntN(2)]
		}
		k := randKey()
		switch op := rng.IntN(10); {
		case op < 4:
			v := fmt.Sprintf("v%d", step)
			if err := l.kv.Set(k, []byte(v)); err != nil {
				t.Fatal(err)
			}
			l.m.set(string(k), v)
		case op < 6:
			if err := l.kv.Delete(k); err != nil {
				t.Fatal(err)
			}
			l.m.del(string(k))
		case op < 7:
			got, err := l.kv.Get(k)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := l.m.view()[string(k)]
			if (got != nil) != ok || string(got) != want {
				t.Fatalf("step %d: %s.Get(%x) = %q (present %v), want %q (present %v)", step, l.name, k, got, got != nil, want, ok)
			}
		case op < 9:
			start, end := randBound(), randBound()
			if start != nil && end != nil && bytes.Compare(start, end) > 0 {
				start, end = end, start
			}
			stop := 0
			if rng.IntN(2) == 0 {
				stop = 1 + rng.IntN(5)
			}
			got := collect(t, l.kv, start, end, stop)
			want := refRange(l.m.view(), start, end, stop)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: %s.Iterate(%x, %x, stop %d) = %v, want %v", step, l.name, start, end, stop, got, want)
			}
		default:
			switch rng.IntN(3) {
			case 0:
				if err := c2.Write(); err != nil {
					t.Fatal(err)
				}
				m2.write()
			case 1:
				if err := c1.Write(); err != nil {
					t.Fatal(err)
				}
				m1.write()
			default:
				if _, _, err := tr.SaveVersion(); err != nil {
					t.Fatal(err)
				}
			}
			check(step, "after write")
		}
	}
	check(steps, "end")
	// Flushing everything leaves the tree equal to the top view.
	want := m2.view()
	if err := c2.Write(); err != nil {
		t.Fatal(err)
	}
	if err := c1.Write(); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, tr, nil, nil, 0); !slices.Equal(got, refRange(want, nil, nil, 0)) {
		t.Fatalf("tree after flushing = %v, want %v", got, refRange(want, nil, nil, 0))
	}
}
