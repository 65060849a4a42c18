package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/export/epcisschema"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/internal/testnode"
)

// TestExportCommands runs the EPCIS and FSMA exports of the demo's batches
// against a real node: the imported batch's own negative test (recorded on
// the batch, in no code's history) is in the batch's EPCIS document, every
// document passes GS1's schema, and the FSMA rows of the demo's ocean-caught
// hairtail and farmed shrimp have the CTEs of 21 CFR 1.1330-1.1345.
func TestExportCommands(t *testing.T) {
	schema := epcisschema.ForTest(t)
	n := testnode.Start(t, "export-cmd-test")
	kr := client.NewKeyring(n.Home)
	key := func(name string) (ed25519.PrivateKey, error) {
		if k, err := kr.Get(name); err == nil {
			return k, nil
		}
		return kr.Add(name)
	}
	r, err := demo.Seed(context.Background(), n.Client, demo.Options{Root: n.Root, Customs: n.Customs, RootDivision: "330000", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(args ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, "out")
		cmd := newRootCmd()
		var stdout, stderr bytes.Buffer
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		cmd.SetArgs(append(args, "--out", out, "--home", n.Home))
		if err := cmd.Execute(); err != nil {
			t.Fatalf("coldtrace %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"imported batch, verified", []string{"export", "epcis", "--batch", r.ImportedBatch, "--verify"}},
		{"domestic batch", []string{"export", "epcis", "--batch", r.DomesticBatch}},
		{"held code", []string{"export", "epcis", r.Held}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := run(tc.args...)
			if err := schema.Validate(doc); err != nil {
				t.Fatal(err)
			}
			var d struct {
				Body struct {
					EventList []map[string]any `json:"eventList"`
				} `json:"epcisBody"`
			}
			if err := json.Unmarshal(doc, &d); err != nil {
				t.Fatal(err)
			}
			if len(d.Body.EventList) == 0 {
				t.Fatal("no events")
			}
			batchTest := false
			for _, ev := range d.Body.EventList {
				if id, _ := ev["eventID"].(string); ev["eventTimeZoneOffset"] != "+08:00" || !strings.HasPrefix(id, "ni:///sha-256;") || !strings.HasSuffix(id, "?ver=CBV2.0") {
					t.Errorf("event %v %v", ev["eventTimeZoneOffset"], ev["eventID"])
				}
				batchTest = batchTest || ev["ct:message"] == "record_test" && ev["ct:batch"] == r.ImportedBatch
			}
			if want := tc.args[2] == "--batch" && tc.args[3] == r.ImportedBatch; batchTest != want {
				t.Errorf("the imported batch's own test is in the document: %v, want %v", batchTest, want)
			}
		})
	}

	// docs/EXPORTS.md finds a code's batch with query -o json.
	q := newRootCmd()
	var qout bytes.Buffer
	q.SetOut(&qout)
	q.SetArgs([]string{"query", "trace", "code", r.Normal, "-o", "json", "--home", n.Home})
	if err := q.Execute(); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Code struct {
			BatchID string `json:"batch_id"`
		} `json:"code"`
	}
	if err := json.Unmarshal(qout.Bytes(), &rec); err != nil || rec.Code.BatchID != r.DomesticBatch {
		t.Fatalf("query trace code -o json: code.batch_id %q, want %q (%v)", rec.Code.BatchID, r.DomesticBatch, err)
	}

	cte := func(args ...string) map[string]bool {
		t.Helper()
		recs, err := csv.NewReader(bytes.NewReader(run(args...))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("FSMA CSV: %v, %d records", err, len(recs))
		}
		col := -1
		for i, h := range recs[0] {
			if h == "CTE Type" {
				col = i
			}
		}
		got := map[string]bool{}
		for _, rec := range recs[1:] {
			got[rec[col]] = true
		}
		return got
	}
	if got := cte("export", "fsma", "--batch", r.DomesticBatch, "--fishing-vessel", r.DomesticBatch); !got["First Land-Based Receiving"] || got["Initial Packing"] {
		t.Errorf("hairtail from a fishing vessel: CTEs %v", got)
	}
	bad := newRootCmd()
	bad.SetOut(&bytes.Buffer{})
	bad.SetErr(&bytes.Buffer{})
	bad.SetArgs([]string{"export", "fsma", "--batch", r.ImportedBatch, "--fishing-vessel", r.DomesticBatch, "--out", filepath.Join(dir, "x"), "--home", n.Home})
	if err := bad.Execute(); err == nil || !strings.Contains(err.Error(), "no exported code belongs to that batch") {
		t.Errorf("a --fishing-vessel batch outside the export: %v", err)
	}
	if got := cte("export", "fsma", "--batch", r.ImportedBatch); !got["Receiving"] || got["First Land-Based Receiving"] || got["Initial Packing"] {
		t.Errorf("farmed imported shrimp: CTEs %v", got)
	}
}
