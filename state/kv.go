package state

// KV is the key-value surface every reader and writer of state goes through:
// the working tree, a branch of it, or a saved version (read only).
type KV interface {
	Get(key []byte) ([]byte, error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// Iterate calls fn for each key in [start, end) in ascending order until fn returns false.
	Iterate(start, end []byte, fn func(key, value []byte) bool) error
}

// present is the value of an index entry. It is not empty because ics23
// cannot prove a key whose value is empty, and index entries are proven in
// query answers like records are.
var present = []byte{1}
