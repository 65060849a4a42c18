package types

import "sort"

// AddFlow adds q to the flow (origin, source) of d, keeping flows sorted.
func (d *DayStats) AddFlow(origin, source string, q uint64) {
	i := sort.Search(len(d.Flows), func(i int) bool {
		f := d.Flows[i]
		return f.OriginCountry > origin || (f.OriginCountry == origin && f.SourceDivision >= source)
	})
	if i < len(d.Flows) && d.Flows[i].OriginCountry == origin && d.Flows[i].SourceDivision == source {
		d.Flows[i].Quantity += q
		return
	}
	d.Flows = append(d.Flows[:i], append([]*Flow{{OriginCountry: origin, SourceDivision: source, Quantity: q}}, d.Flows[i:]...)...)
}
