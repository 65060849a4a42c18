package types

import "sort"

// AddFlow adds q to the flow (origin, source) of d, keeping flows sorted.
func (d *DayStats) AddFlow(origin, source string, q uint64, saturate bool) {
	i := sort.Search(len(d.Flows), func(i int) bool {
		f := d.Flows[i]
		return f.OriginCountry > origin || (f.OriginCountry == origin && f.SourceDivision >= source)
	})
	if i < len(d.Flows) && d.Flows[i].OriginCountry == origin && d.Flows[i].SourceDivision == source {
		d.Flows[i].Quantity = Add(d.Flows[i].Quantity, q, saturate)
		return
	}
	d.Flows = append(d.Flows[:i], append([]*Flow{{OriginCountry: origin, SourceDivision: source, Quantity: q}}, d.Flows[i:]...)...)
}

// Add adds day counters: from rules v2 a sum past the largest uint64 stays
// there instead of wrapping to a small number (rules v1 wrapped).
func Add(a, b uint64, saturate bool) uint64 {
	if saturate && a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// Import returns the figure of (origin, port), added in order if absent.
func (d *DayStats) Import(origin, port string) *ImportFigure {
	i := sort.Search(len(d.Imports), func(i int) bool {
		f := d.Imports[i]
		return f.OriginCountry > origin || (f.OriginCountry == origin && f.Port >= port)
	})
	if i < len(d.Imports) && d.Imports[i].OriginCountry == origin && d.Imports[i].Port == port {
		return d.Imports[i]
	}
	f := &ImportFigure{OriginCountry: origin, Port: port}
	d.Imports = append(d.Imports[:i], append([]*ImportFigure{f}, d.Imports[i:]...)...)
	return f
}

// AddKind adds n to the count of kind in a sorted list.
func AddKind(list []*KindCount, kind string, n uint64) []*KindCount {
	i := sort.Search(len(list), func(i int) bool { return list[i].Kind >= kind })
	if i < len(list) && list[i].Kind == kind {
		list[i].Count = Add(list[i].Count, n, true)
		return list
	}
	return append(list[:i], append([]*KindCount{{Kind: kind, Count: n}}, list[i:]...)...)
}
