// Package state is coldtrace's storage: one IAVL tree over goleveldb whose
// root hash is the app hash, the key layout (keys.go), typed records, write
// branches (Cache) and read-only saved versions that can prove what they hold:
// each key read, and each range scanned complete (Recorder). A client reads
// the proofs back into a Proven KV (ReadProofs), which answers only what they
// establish and lists a range only where they leave no hole.
//
// Usage: t, _ := state.Open(dir, state.DefaultOptions()); st := state.New(state.NewCache(t)).
package state
