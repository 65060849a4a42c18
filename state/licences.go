package state

// Licence watch kinds.
const (
	WatchLicenceSoon    byte = 'W' // a licence expires within the warning window
	WatchLicenceExpired byte = 'E' // a licence has expired
)

// WatchLicence schedules a licence check on date.
func (s *State) WatchLicence(date string, kind byte, uscc, number string) error {
	return s.Set(LicenceWatchKey(date, kind, uscc, number), present)
}
