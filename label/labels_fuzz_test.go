package label

import (
	"bytes"
	"testing"
)

// FuzzLabels draws label sheets from any text: product names and batch ids
// are written by enterprises and printed as they are on chain.
func FuzzLabels(f *testing.F) {
	f.Add("冷冻鱿鱼 Frozen squid", "RC2026-A", "/01/06971234560038/10/RC2026-A/21/0001", 1)
	f.Add("", "", "", 0)
	f.Add("\u202eevil\u200b\x00\xff"+string(make([]byte, 300)), "B/../%", "/c/CT-x", 3)
	f.Add("<script>alert(1)</script> & Sons", "B\nC", "/00/106971234000000012", 2)
	f.Fuzz(func(t *testing.T, name, batch, code string, n int) {
		// A few labels: the text is the outside input, and more labels
		// only add time (a sheet takes seconds under the fuzzer's
		// instrumentation). TestLabelSheets covers the sheet count.
		n = min(max(n, 0), 3)
		labels := make([]Label, n)
		for i := range labels {
			labels[i] = Label{Code: code, URI: "https://trace.example.cn" + code, Name: name, Batch: batch}
		}
		sheets, err := LabelsPNG(labels)
		if err == nil {
			if len(sheets) != 1 { // no label still gives one (empty) sheet
				t.Fatalf("%d labels: %d sheets, want 1", n, len(sheets))
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

func TestLabelSheets(t *testing.T) {
	for _, tc := range []struct{ labels, sheets int }{{0, 1}, {1, 1}, {LabelsPerSheet, 1}, {LabelsPerSheet + 1, 2}} {
		labels := make([]Label, tc.labels)
		for i := range labels {
			labels[i] = Label{Code: "/c/CT-x", URI: "https://trace.example.cn/c/CT-x", Name: "x", Batch: "B"}
		}
		sheets, err := LabelsPNG(labels)
		if err != nil || len(sheets) != tc.sheets {
			t.Errorf("%d labels: %d sheets (%v), want %d", tc.labels, len(sheets), err, tc.sheets)
		}
	}
}
