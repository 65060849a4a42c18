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
// The regulator console is package gateway/console; the gateway builds it
// with its own verifier and consumer reports and serves it on the console
// listener (see that package). What both share — the verifier, the
// translations, the layout, the JSON answers, rate limits — is in
// gateway/internal/web.
package gateway
