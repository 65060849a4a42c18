package types

import (
	"fmt"
	"time"
)

// Expiry is the batch's expiry date as rules v1 computed it (YYYY-MM-DD,
// with a longer year when the arithmetic passes 9999): as recorded, or the
// production date plus the shelf life; "" when neither is known. It stays
// for replaying v1 heights; everything else uses ExpiryTime.
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

// ExpiryTime is the batch's expiry date as a date: as recorded, or the
// production date plus the shelf life. ok is false when neither is known or
// the result is not a calendar date in years 0001-9999.
func (f *ProductFacts) ExpiryTime() (time.Time, bool) {
	if f == nil {
		return time.Time{}, false
	}
	if f.ExpiryDate != "" {
		return ParseDate(f.ExpiryDate)
	}
	p, ok := ParseDate(f.ProductionDate)
	if !ok || f.ShelfLifeDays == 0 {
		return time.Time{}, false
	}
	e := p.AddDate(0, 0, int(f.ShelfLifeDays))
	if e.Year() > 9999 {
		return time.Time{}, false
	}
	return e, true
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
