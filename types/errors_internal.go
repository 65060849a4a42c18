package types

// OrInternal returns err, or, when err is nil, an internal error saying that
// records which should exist do not: a reader found state that does not add up.
func OrInternal(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return ErrInternal.Wrapf(format, args...)
}
