// Package console is coldtrace's regulator console: the pages and the
// alerts API a regulator uses to supervise its jurisdiction, built by the
// gateway (gateway.New) and served on the gateway's console listener. Like
// the public pages it shows only what it verified (through the gateway's
// verifier, from the same trust root) and holds no key.
//
// The console runs on a listener of its own, bound to loopback by default,
// and there serves loopback clients only; the public listener does not
// serve it. A gateway whose console shares the public address serves it to
// loopback clients only; a console bound to another address serves every
// client that signs in. Every route needs the operator token, as
// Authorization: Bearer TOKEN or through the login form, which starts a
// server-side session (an HttpOnly, SameSite=Strict cookie holding a random
// id, never the token).
//
//	GET /console                 open alerts, holds, reports, flows by origin
//	GET /console/search?q=       a code, USCC/BATCH or USCC
//	GET /console/code?code=C     record with holdings and quantities, both traces
//	GET /console/batch?id=B      facts, codes, forward trace, recall and its scope
//	GET /console/enterprise/{U}  holdings and inbound consignments (of the jurisdiction)
//	GET /console/alerts[/{id}]   open alerts; how to acknowledge one with the CLI
//	GET /console/holds           held goods and recalls reaching the jurisdiction
//	GET /console/flows           inbound flows by origin country and source division
//	GET /console/reports         consumer reports
//	GET /api/v1/alerts           open alerts as JSON
//
// The console is scoped to the gateway's ConsoleDivision (a division prefix); the
// gateway holds no key and signs nothing: acknowledging an alert is shown as
// the `coldtrace tx supervision ack` command to run where the key is.
package console
