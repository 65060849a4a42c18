// Package state is coldtrace's storage: one IAVL tree over goleveldb whose
// root hash is the app hash, the key layout (keys.go), typed records, write
// branches (Cache) and read-only saved versions that can prove what they hold.
//
// Usage: t, _ := state.Open(dir, state.DefaultOptions()); st := state.New(state.NewCache(t)).
package state
