// Package signin is how a regulator or an officer signs in to the console
// with a key: the challenge the console hands out and the bytes a key signs
// for it, the one-time sign-in link, and the delegation statement by which
// a regulator lets an officer's key view its jurisdiction. It only reads
// and checks shapes and signatures; the console checks the keys against the
// chain. The CLI (`coldtrace console login`, `coldtrace console officer
// add`) and the console both use it.
package signin
