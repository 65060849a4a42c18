// Package station is the scan station the gateway serves at /scan: a page
// for an operator's phone that enrols a key made in the browser, scans codes
// with the camera or a hardware scanner, shows each code's verified status,
// and builds, signs and queues the operator's txs in the browser itself.
//
// The gateway never holds or sees a private key. It serves the page and its
// script (built from js/ into static/station.js), answers the verified reads
// the page needs, and relays signed tx bytes to the node (POST
// /scan/api/tx), size-limited and rate-limited per client IP. Reads that
// carry a business's quantities (its inbound consignments, what it holds of
// a code) are answered only to a request signed by a registered key of that
// business (header X-Station-Auth, see auth.go).
package station
