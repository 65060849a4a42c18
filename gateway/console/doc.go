// Package console is coldtrace's regulator console: the pages and APIs a
// regulator uses to supervise its jurisdiction, built by the gateway
// (gateway.New) and served on the gateway's console listener. Like the
// public pages it shows only what it verified (through the gateway's
// verifier, from the same trust root) and holds no key.
//
// # Signing in
//
// A regulator signs in with its own key: `coldtrace console login --from
// KEY` asks GET /console/challenge for a challenge (32 random bytes, good
// for two minutes, used up by the first try), signs it (package signin:
// a domain tag, the chain id, the challenge) and prints a one-time link
// GET /console/signin?c=&k=&s=[&d=][&next=]. The console reads the key's
// account and its regulator from the chain with proofs and starts a
// session bound to that regulator's division prefix when the key is an
// unrevoked key of an active regulator. An officer signs in with its own
// key and a delegation (d) a regulator's key signed: the session has the
// regulator's jurisdiction and is view-only. Enterprise and customs keys,
// unknown and revoked keys, other chains, replays and expired links are
// refused with the reason. The gateway operator's token (Bearer, or the
// form) signs in as the operator, with the jurisdiction the gateway is
// configured with.
//
// A session is a random id in an HttpOnly, SameSite=Strict cookie; the
// console keeps its identity (role, jurisdiction, key) on the server, and
// reads the regulator key it stands on from the chain again every five
// minutes: a revoked key or a suspended regulator ends its sessions and
// its officers'.
//
// # Jurisdiction
//
// Every page, list, search, chart and API answers for the session's
// jurisdiction only, and a request naming something outside it is refused
// with 403: an enterprise of another division, an alert of another
// division, a division prefix outside it (?division=), a code whose
// backward and forward traces never reach it, a batch whose commissioner
// is elsewhere and whose forward trace never reaches it. Of a code or a
// batch that is in it, holdings and forward steps outside it are left out;
// the backward trace (where the goods came from) is shown whole.
//
// # Routes
//
//	GET  /console/challenge          a sign-in challenge (JSON)
//	GET  /console/signin?…           a sign-in link: starts a session
//	GET  /console                    open alerts, holds, reports, flows by origin
//	GET  /console/search?q=          a code, USCC/BATCH or USCC
//	GET  /console/code?code=C        record with holdings and quantities, both traces
//	GET  /console/batch?id=B         facts, codes, forward trace, recall and its scope
//	GET  /console/enterprise/{U}     holdings and inbound consignments
//	GET  /console/alerts[/{id}]      open alerts; how to acknowledge one with the CLI
//	GET  /console/holds              held goods and recalls reaching the jurisdiction
//	GET  /console/flows?from&to&division  charts of the chain's figures (SVG, data-value)
//	GET  /console/reports            consumer reports on the jurisdiction's codes
//	GET  /api/v1/alerts              open alerts as JSON
//	GET  /api/v1/stats?from&to&division   the charts' sums as JSON
//	POST /console/login, /console/logout  the operator token's form; sign out
//
// The console runs on a listener of its own, bound to loopback by default,
// and there serves loopback clients only; the public listener does not
// serve it. The gateway holds no key and signs nothing: acknowledging an
// alert is shown as the `coldtrace tx supervision ack` command to run where
// the regulator's key is (not to an officer).
package console
