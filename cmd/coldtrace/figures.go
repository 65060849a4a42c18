package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/coldtrace/coldtrace/types"
)

// weight shows grams as a person reads a cold-chain figure: kg below a
// tonne, t above, with three decimals (integer arithmetic, no rounding up).
func weight(g uint64) string {
	if g >= 1_000_000 {
		return fmt.Sprintf("%d.%03d t", g/1_000_000, g%1_000_000/1000)
	}
	return fmt.Sprintf("%d.%03d kg", g/1000, g%1000)
}

func kinds(l []*types.KindCount) string {
	s := ""
	for i, k := range l {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k.Kind, k.Count)
	}
	if s == "" {
		return "-"
	}
	return s
}

// printFigures writes a jurisdiction's figures: its total, then a row per
// division and day or month.
func printFigures(out io.Writer, what string, s *types.StatsList) error {
	t := s.Total
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "FIGURES OF %s\t%s\n", what, t.Day)
	for _, f := range t.Imports {
		fmt.Fprintf(w, "imports from %s via %s\tdeclared %s, commissioned %s\n", f.OriginCountry, f.Port, weight(f.DeclaredGrams), weight(f.CommissionedGrams))
	}
	fmt.Fprintf(w, "codes commissioned\t%d (%s)\n", t.CodesCommissioned, weight(t.CommissionedGrams))
	fmt.Fprintf(w, "supervision warehouses\tentered %s, released %s\n", weight(t.WarehouseEnteredGrams), weight(t.WarehouseReleasedGrams))
	fmt.Fprintf(w, "destroyed\t%s\n", weight(t.DestroyedGrams))
	fmt.Fprintf(w, "blocked after a positive test\t%s\n", weight(t.BlockedGrams))
	fmt.Fprintf(w, "positives\tgoods %d, staff %d, environment %d\n", t.Positives, t.PositivesStaff, t.PositivesEnvironment)
	fmt.Fprintf(w, "holds, alerts\t%d, %d\n", t.Holds, t.Alerts)
	fmt.Fprintf(w, "received from outside\t%d\n", t.QuantityReceivedFromOutside)
	fmt.Fprintf(w, "enterprises registered\t%s\n", kinds(t.EnterprisesRegistered))
	fmt.Fprintf(w, "scans\t%s\n", kinds(t.Scans))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "DIVISION\tDAY\tCODES\tCOMMISSIONED\tENTERED\tRELEASED\tDESTROYED\tBLOCKED\tPOSITIVES\tALERTS")
	for _, d := range s.Days {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", d.Division, d.Day, d.CodesCommissioned, weight(d.CommissionedGrams),
			weight(d.WarehouseEnteredGrams), weight(d.WarehouseReleasedGrams), weight(d.DestroyedGrams), weight(d.BlockedGrams),
			d.Positives+d.PositivesStaff+d.PositivesEnvironment, d.Alerts)
	}
	return w.Flush()
}
