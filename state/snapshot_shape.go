package state

import (
	"bytes"
	"fmt"

	"github.com/cosmos/iavl"
)

// streamShape checks, node by node, that a snapshot stream is the
// post-order of a search tree, before IAVL's importer takes the node. The
// importer does not: it keeps leaves, values and all, on its stack until a
// parent arrives, so a stream of leaves without parents would grow the
// node's memory without bound; and IAVL's hash of an inner node does not
// cover its key, so a stream whose inner keys were rewritten would restore
// to the trusted root hash and then answer lookups wrongly.
type streamShape struct {
	stack     []shapeEntry
	leaves    int // leaves on the stack
	leafBytes int // their values' bytes
	lastKey   []byte
	seen      bool
}

type shapeEntry struct {
	height int8
	minKey []byte // the subtree's smallest key
	leaf   int    // the value's bytes if a leaf, else -1
}

// In a tree's post-order the stack holds a few subtrees per level, and a
// leaf waits on it only beside a sibling of height one at most: a handful
// of leaves at any time.
const (
	maxShapeStack  = 4 * 128
	maxShapeLeaves = 16
)

func (s *streamShape) add(n *iavl.ExportNode) error {
	if n.Height == 0 {
		if s.seen && bytes.Compare(n.Key, s.lastKey) <= 0 {
			return fmt.Errorf("leaf key %X does not follow %X", n.Key, s.lastKey)
		}
		s.seen, s.lastKey = true, n.Key
		s.stack = append(s.stack, shapeEntry{height: 0, minKey: n.Key, leaf: len(n.Value)})
		s.leaves++
		s.leafBytes += len(n.Value)
		if len(s.stack) > maxShapeStack || s.leaves > maxShapeLeaves || s.leafBytes > 2*maxStreamField {
			return fmt.Errorf("%d leaves (%d bytes) wait for a parent: not a tree's post-order", s.leaves, s.leafBytes)
		}
		return nil
	}
	k := len(s.stack)
	if k < 2 || s.stack[k-1].height >= n.Height || s.stack[k-2].height >= n.Height {
		return fmt.Errorf("inner node of height %d does not follow its two subtrees", n.Height)
	}
	left, right := s.stack[k-2], s.stack[k-1]
	if !bytes.Equal(n.Key, right.minKey) {
		return fmt.Errorf("inner node key %X is not its right subtree's smallest key %X", n.Key, right.minKey)
	}
	for _, e := range []shapeEntry{left, right} {
		if e.leaf >= 0 {
			s.leaves--
			s.leafBytes -= e.leaf
		}
	}
	s.stack = append(s.stack[:k-2], shapeEntry{height: n.Height, minKey: left.minKey, leaf: -1})
	return nil
}
