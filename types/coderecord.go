package types

import "sort"

// HeldBy is the quantity of the code an enterprise holds.
func (c *CodeRecord) HeldBy(holder string) uint64 {
	for _, h := range c.Holdings {
		if h.Holder == holder {
			return h.Quantity
		}
	}
	return 0
}

// AddHolding moves q into holder's holding (kept sorted by holder; zero holdings are dropped).
func (c *CodeRecord) AddHolding(holder string, q uint64) {
	for _, h := range c.Holdings {
		if h.Holder == holder {
			h.Quantity += q
			return
		}
	}
	c.Holdings = append(c.Holdings, &Holding{Holder: holder, Quantity: q})
	sort.Slice(c.Holdings, func(i, j int) bool { return c.Holdings[i].Holder < c.Holdings[j].Holder })
}

// TakeHolding removes q from holder's holding, refusing to go below zero.
func (c *CodeRecord) TakeHolding(holder string, q uint64) error {
	for i, h := range c.Holdings {
		if h.Holder != holder {
			continue
		}
		if h.Quantity < q {
			break
		}
		h.Quantity -= q
		if h.Quantity == 0 {
			c.Holdings = append(c.Holdings[:i], c.Holdings[i+1:]...)
		}
		return nil
	}
	return ErrInsufficientQuantity.Wrapf("%s holds %d of %s, not %d", holder, c.HeldBy(holder), c.Code, q)
}

// Accounted is everything the code's commissioned quantity has become.
func (c *CodeRecord) Accounted() uint64 {
	sum := c.InTransit + c.InUnits + c.Sold + c.Consumed + c.SplitOut + c.Destroyed + c.Discrepancy + c.LeftProvince
	for _, h := range c.Holdings {
		sum += h.Quantity
	}
	return sum
}

// Conserved reports whether the quantity identity holds: nothing appeared
// from nowhere and nothing vanished.
func (c *CodeRecord) Conserved() bool { return c.Accounted() == c.Commissioned }

// AddContent adds q of code to a logistic unit's contents (sorted by code).
func (c *CodeRecord) AddContent(code string, q uint64) {
	for _, it := range c.Contents {
		if it.Code == code {
			it.Quantity += q
			return
		}
	}
	c.Contents = append(c.Contents, &CodeQuantity{Code: code, Quantity: q})
	sort.Slice(c.Contents, func(i, j int) bool { return c.Contents[i].Code < c.Contents[j].Code })
}
