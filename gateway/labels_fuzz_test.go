package gateway

import (
	"bytes"
	"testing"
)

// FuzzLabels draws label sheets from any text: product names and batch ids
// are written by enterprises and printed as they are on chain.
func FuzzLabels(f *testing.F) {
	f.Add("冷冻鱿鱼 Frozen squid", "RC2026-A", "/01/06971234560038/10/RC2026-A/21/0001", 1)
	f.Add("", "", "", 0)
	f.Add("\u202eevil\u200b\x00\xff"+string(make([]byte, 300)), "B/../%", "/c/CT-x", 25)
	f.Add("<script>alert(1)</script> & Sons", "B\nC", "/00/106971234000000012", 2)
	f.Fuzz(func(t *testing.T, name, batch, code string, n int) {
		// Up to one label past a sheet: more adds time, not paths (the
		// fuzzer stops an input after 10 s, which a loaded machine reaches).
		n = min(max(n, 0), LabelsPerSheet+1)
		labels := make([]Label, n)
		for i := range labels {
			labels[i] = Label{Code: code, URI: "https://trace.example.cn" + code, Name: name, Batch: batch}
		}
		sheets, err := LabelsPNG(labels)
		if err == nil {
			// No label still gives one (empty) sheet.
			if want := max(1, (n+LabelsPerSheet-1)/LabelsPerSheet); len(sheets) != want {
				t.Fatalf("%d labels: %d sheets, want %d", n, len(sheets), want)
			}
			for _, s := range sheets {
				if !bytes.HasPrefix(s, []byte("\x89PNG")) {
					t.Fatal("a sheet is not a PNG")
				}
			}
		}
		var pdf bytes.Buffer
		if err := LabelsPDF(&pdf, labels, ""); err == nil && !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF")) {
			t.Fatalf("not a PDF: %q", pdf.Bytes()[:min(pdf.Len(), 20)])
		}
	})
}
