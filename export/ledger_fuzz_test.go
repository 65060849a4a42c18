package export

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// FuzzLedgerWriters: whatever a record holds (names and certificate
// numbers are written by enterprises), both writers finish without a
// panic, and the CSV reads back with the value in its cell.
func FuzzLedgerWriters(f *testing.F) {
	f.Add("冷冻带鱼 Frozen hairtail", "IQ-1", "=cmd|' /C calc'!A0")
	f.Add("\u202e\x00鳕", "\r\n", "\"")
	f.Add("𠀀 outside the BMP", "", "@SUM(1)")
	f.Fuzz(func(t *testing.T, name, cert, supplier string) {
		l := &Ledger{LedgerOptions: ledgerOpts(), EnterpriseName: supplier}
		l.Rows = []LedgerRow{{ReceivedMs: 1, SupplierName: supplier, Product: name, Code: name, InspectionCertificates: []string{cert}, Dispatched: 2, Received: 1}}
		var b bytes.Buffer
		if err := WriteLedgerCSV(l, &b); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(b.Bytes()[3:]))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("the CSV does not read back: %v", err)
		}
		row := recs[len(recs)-1]
		if len(row) != len(LedgerColumns) || (row[3] != name && row[3] != noFormula(name)) {
			// encoding/csv turns \r\n inside a quoted field into \n.
			if !bytes.ContainsAny([]byte(name), "\r") {
				t.Fatalf("product %q reads back %q", name, row[3])
			}
		}
		b.Reset()
		if err := WriteLedgerPDF(l, &b); err != nil {
			t.Fatal(err)
		}
	})
}
