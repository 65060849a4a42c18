package state

import "github.com/coldtrace/coldtrace/types"

// ReleaseCertificate returns a release certificate, or nil.
func (s *State) ReleaseCertificate(number string) (*types.ReleaseCertificate, error) {
	c := &types.ReleaseCertificate{}
	ok, err := s.load(ReleaseCertificateKey(number), c)
	if !ok {
		return nil, err
	}
	return c, nil
}

// SetReleaseCertificate writes a release certificate.
func (s *State) SetReleaseCertificate(c *types.ReleaseCertificate) error {
	return s.put(ReleaseCertificateKey(c.Number), c)
}
