// Package label draws what is printed and scanned: QR codes of a code's
// GS1 Digital Link URI (PNG, SVG) and sheets of labels for every code of a
// batch (A4 PDF, PNG), from verified answers. The gateway serves its QR
// codes; `coldtrace label` prints sheets. It needs no HTTP server.
package label
