package types

// StatusName is an owner's status in words: "active", "suspended".
func StatusName(s Status) string {
	switch s {
	case Status_STATUS_ACTIVE:
		return "active"
	case Status_STATUS_SUSPENDED:
		return "suspended"
	case Status_STATUS_PENDING:
		return "pending"
	case Status_STATUS_REFUSED:
		return "refused"
	}
	return "unknown"
}

// CodeStatusName is a code's status in words: "active", "held", "recalled", "destroyed".
func CodeStatusName(s CodeStatus) string {
	switch s {
	case CodeStatus_CODE_STATUS_HELD:
		return "held"
	case CodeStatus_CODE_STATUS_RECALLED:
		return "recalled"
	case CodeStatus_CODE_STATUS_DESTROYED:
		return "destroyed"
	}
	return "active"
}

// UnitName is a quantity unit in words: "grams", "pieces".
func UnitName(u QuantityUnit) string {
	switch u {
	case QuantityUnit_QUANTITY_UNIT_GRAMS:
		return "grams"
	case QuantityUnit_QUANTITY_UNIT_PIECES:
		return "pieces"
	}
	return "no unit"
}
