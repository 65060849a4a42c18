package state

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/coldtrace/coldtrace/types"
)

// Batch returns a batch's facts, or nil.
func (s *State) Batch(id string) (*types.Batch, error) {
	b := &types.Batch{}
	ok, err := s.load(BatchKey(id), b)
	if !ok {
		return nil, err
	}
	return b, nil
}

func (s *State) SetBatch(b *types.Batch) error { return s.put(BatchKey(b.Id), b) }

// Code returns a code record, or nil.
func (s *State) Code(code string) (*types.CodeRecord, error) {
	c := &types.CodeRecord{}
	ok, err := s.load(CodeKey(code), c)
	if !ok {
		return nil, err
	}
	return c, nil
}

func (s *State) SetCode(c *types.CodeRecord) error { return s.put(CodeKey(c.Code), c) }

// IndexBatchCode records that code belongs to a batch.
func (s *State) IndexBatchCode(batchID, code string) error {
	return s.Set(BatchCodeKey(batchID, code), present)
}

// SetHolding keeps the holdings index in step with a holder's quantity of a code.
func (s *State) SetHolding(holder, code string, quantity uint64) error {
	if quantity == 0 {
		return s.Delete(HoldingKey(holder, code))
	}
	return s.Set(HoldingKey(holder, code), present)
}

// Event returns an event by hash, with its stored bytes, or nil.
func (s *State) Event(hash []byte) (*types.Event, []byte, error) {
	b, err := s.Get(EventKey(hash))
	if err != nil || b == nil {
		return nil, nil, err
	}
	e := &types.Event{}
	if err := unmarshal(b, e); err != nil {
		return nil, nil, err
	}
	return e, b, nil
}

// PutEvent stores an event once under the sha256 of its bytes and returns
// the bytes and hash that histories chain.
func (s *State) PutEvent(e *types.Event) ([]byte, []byte, error) {
	b, err := marshal.Marshal(e)
	if err != nil {
		return nil, nil, err
	}
	h := sha256.Sum256(b)
	return b, h[:], s.Set(EventKey(h[:]), b)
}

// AppendHistory appends an event to a code's history and advances the code
// record's head: head = sha256(previous head || event bytes). The caller writes the record.
func (s *State) AppendHistory(c *types.CodeRecord, eventBytes, eventHash []byte) error {
	if err := s.Set(HistoryKey(c.Code, c.Events), eventHash); err != nil {
		return err
	}
	c.Head = ChainHead(c.Head, eventBytes)
	c.Events++
	return nil
}

// ChainHead is one step of a code's history hash chain.
func ChainHead(prev, eventBytes []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(eventBytes)
	return h.Sum(nil)
}

// History returns up to limit event hashes of a code from index from.
func (s *State) History(code string, from uint64, limit int) ([][]byte, error) {
	prefix := HistoryPrefix(code)
	var out [][]byte
	err := s.Iterate(HistoryKey(code, from), PrefixEnd(prefix), func(_, v []byte) bool {
		out = append(out, append([]byte(nil), v...))
		return len(out) < limit
	})
	return out, err
}

// Consignment returns a consignment, or nil.
func (s *State) Consignment(id []byte) (*types.Consignment, error) {
	c := &types.Consignment{}
	ok, err := s.load(ConsignmentKey(id), c)
	if !ok {
		return nil, err
	}
	return c, nil
}

// SetConsignment writes a consignment and keeps the buyer's open-consignment index.
func (s *State) SetConsignment(c *types.Consignment) error {
	var err error
	if c.Received {
		err = s.Delete(InboundKey(c.Buyer, c.Id))
	} else {
		err = s.Set(InboundKey(c.Buyer, c.Id), present)
	}
	if err != nil {
		return err
	}
	return s.put(ConsignmentKey(c.Id), c)
}

// NextNativeNumber issues the next native code number of an enterprise.
func (s *State) NextNativeNumber(issuer string) (uint64, error) {
	return s.nextCounter(NativeCounterKey(issuer))
}

// nextCounter increments the uint64 counter stored under key (absent: 0)
// and returns the new value.
func (s *State) nextCounter(key []byte) (uint64, error) {
	b, err := s.Get(key)
	if err != nil {
		return 0, err
	}
	var n uint64
	if len(b) == 8 {
		n = binary.BigEndian.Uint64(b)
	} else if b != nil {
		return 0, fmt.Errorf("state: counter %X has %d bytes", key, len(b))
	}
	n++
	return n, s.Set(key, u64(n))
}

// KeysUnder lists the key suffixes after prefix, from start (inclusive,
// a full key; nil for the beginning), at most limit; next is the full key to
// resume from, nil at the end.
func (s *State) KeysUnder(prefix, start []byte, limit int) (suffixes [][]byte, next []byte, err error) {
	if start == nil {
		start = prefix
	}
	err = s.Iterate(start, PrefixEnd(prefix), func(k, _ []byte) bool {
		if len(suffixes) == limit {
			next = append([]byte(nil), k...)
			return false
		}
		suffixes = append(suffixes, append([]byte(nil), k[len(prefix):]...))
		return true
	})
	return suffixes, next, err
}

// OriginCode returns this chain's code for a code of another province, or "".
func (s *State) OriginCode(origin string) (string, error) {
	b, err := s.Get(OriginCodeKey(origin))
	return string(b), err
}

// SetOriginCode maps a code of another province to this chain's code.
func (s *State) SetOriginCode(origin, code string) error {
	return s.Set(OriginCodeKey(origin), []byte(code))
}
