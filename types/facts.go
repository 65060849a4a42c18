package types

import (
	"fmt"
	"time"
)

// Expiry is the batch's expiry date (YYYY-MM-DD): as recorded, or the
// production date plus the shelf life; "" when neither is known.
func (f *ProductFacts) Expiry() string {
	if f == nil {
		return ""
	}
	if f.ExpiryDate != "" {
		return f.ExpiryDate
	}
	p, err := time.Parse(time.DateOnly, f.ProductionDate)
	if err != nil || f.ShelfLifeDays == 0 {
		return ""
	}
	return p.AddDate(0, 0, int(f.ShelfLifeDays)).Format(time.DateOnly)
}

// FormatCenti formats centi-degrees Celsius as degrees with two decimals,
// without floats: -1850 → "-18.50", 5 → "0.05".
func FormatCenti(v int32) string {
	n := int64(v)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}
