// Package web holds what the gateway's public pages and its regulator
// console share: the language of a request and the translations, the
// verifier every answer passes through (client.VerifiedQuery from a trust
// root) with the failures it reports, the page layout and static files,
// JSON answers, per-IP rate limits and the security headers.
//
// It is internal to the gateway: the gateway package builds one Verifier
// and hands it to the console, so both show only what the same trust root
// verified.
package web
