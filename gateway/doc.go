// Package gateway is coldtrace's HTTP gateway: the pages a consumer opens by
// scanning a product's QR code, the QR images and labels, a JSON API, and a
// regulator console. It reads a node through the client package and shows
// nothing it has not verified: every answer comes with ics23 proofs of the
// records it is computed from, the header carrying the app hash is checked
// from a trust root with the light-client rules, and the answer is
// recomputed from the proven records (client.VerifiedQuery). An answer that
// does not verify is never shown as fact: the page says "unverifiable
// answer" with HTTP 502. A "not found" is shown only when its absence is
// proven.
//
// # Public routes (Config.Listen, default 127.0.0.1:8080)
//
//	GET  /                                  start page: type or paste a code
//	GET  /01/{GTIN}/10/{batch}/21/{serial}  consumer page at the GS1 Digital Link resolver paths
//	GET  /01/{GTIN}/10/{batch}              (also /22/{cpv}; another spelling is redirected to the canonical path)
//	GET  /00/{SSCC}                         a logistic unit
//	GET  /c/CT-{USCC}-{n}-{check}           a native code
//	GET  /proof/{code path}.json            the verified history as a proof bundle for `coldtrace verify`
//	GET  /qr/{code path}.png|.svg           QR code of the code's Digital Link URI on Config.PublicBase
//	POST /report                            a consumer's report (code, category, text ≤ 500 characters)
//	GET  /api/v1/code|history|trace?code=C  JSON; /api/v1/openapi.yaml describes it
//	GET  /static/…, /healthz
//
// Pages are Chinese by default and English by Accept-Language, ?lang=en or
// the cookie ?lang sets. They show the product's facts, certificates, the
// chain of custody (enterprise names, divisions, dates), the temperature
// record and the status; held, recalled, destroyed and expired goods carry
// a warning with the reason. They never show a quantity a business moved:
// only the pack's own net content. Public requests are rate limited per
// client IP (default 10 per second, bursts of 30; reports one a minute,
// bursts of 3): over it the answer is 429 with Retry-After.
//
// # Console (Config.ConsoleListen, default 127.0.0.1:8081)
//
// The regulator console runs on a listener of its own, bound to loopback by
// default, and there serves loopback clients only; the public listener does
// not serve it. Setting ConsoleListen to the public address serves the
// console on that one listener, to loopback clients only; a non-loopback
// ConsoleListen serves every client that has the token. Every console route
// needs the token, as Authorization: Bearer TOKEN or through the login form
// (an HttpOnly, SameSite=Strict cookie holding an HMAC, not the token).
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
// The console is scoped to Config.ConsoleDivision (a division prefix); the
// gateway holds no key and signs nothing: acknowledging an alert is shown as
// the `coldtrace tx supervision ack` command to run where the key is.
package gateway
