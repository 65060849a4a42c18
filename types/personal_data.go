package types

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// No personal data on chain (rules v3). The chain records businesses and
// goods, never people: staff tests are counts, buyers are businesses or
// nobody, consumers are never named. A name typed into a note cannot be told
// from any other text, but an identity-card number can: a text field holding
// something shaped like a Chinese resident identity number (18 characters,
// a birth date, the GB 11643 check character) is refused, wherever the
// field is — written in full-width digits, or in groups split by spaces or
// dashes, too. (The older 15-digit numbers carry no check character: too
// many device and registration numbers look like them to refuse them.)

// identifierFields hold identifiers by design (codes, credit codes,
// declaration and certificate numbers): digit strings there are not people.
var identifierFields = map[protoreflect.Name]bool{
	"number": true, "customs_declaration": true, "code": true, "codes": true, "unit": true, "units": true,
	"parent": true, "batch": true, "id": true, "uscc": true, "importer": true, "buyer": true, "business_buyer": true,
	"holder": true, "site": true, "carrier": true, "division": true, "gtin": true, "hs_code": true,
	"origin_country": true, "chain_id": true, "device_id": true, "reference": true, "sample_id": true,
	"certificate": true, "certificate_of_origin": true, "inspection_certificate": true,
	"disinfection_certificate": true,
}

// checkPersonalData refuses a message whose text carries an identity number.
func checkPersonalData(m proto.Message) error { return walkPersonal(m.ProtoReflect(), "") }

func walkPersonal(r protoreflect.Message, path string) error {
	var err error
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := path + string(fd.Name())
		check := func(v protoreflect.Value) error {
			switch {
			case fd.Kind() == protoreflect.MessageKind:
				return walkPersonal(v.Message(), name+".")
			case fd.Kind() == protoreflect.StringKind && !identifierFields[fd.Name()]:
				if IDNumberIn(v.String()) {
					return ErrPersonalData.Wrapf("%s holds what looks like a resident identity number; the chain records no person's data", name)
				}
			}
			return nil
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = check(l.Get(i))
			}
		} else if !fd.IsMap() {
			err = check(v)
		}
		return err == nil
	})
	return err
}

// IDNumberIn reports whether s contains a run shaped like a resident
// identity number: 17 digits and a check character (digit or X) valid under
// ISO 7064 MOD 11-2 with a birth date at characters 7-14. Full-width digits
// count as digits, and spaces and dashes between digits are read through.
// Runs longer than 18 are other numbers.
func IDNumberIn(s string) bool {
	var run []byte
	flush := func() bool {
		ok := len(run) == 18 && validID18(string(run))
		run = run[:0]
		return ok
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == 'Ｘ' || r == 'ｘ':
			r = 'X'
		}
		switch {
		case r >= '0' && r <= '9':
			run = append(run, byte(r))
		case (r == 'X' || r == 'x') && len(run) == 17:
			run = append(run, 'X')
		case (r == ' ' || r == '-' || r == '\u3000') && len(run) > 0 && i+1 < len(rs):
			// read through separators inside a number
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func validID18(s string) bool {
	if !validBirth(s[6:14]) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += int(s[k]-'0') * weights[k]
	}
	check := "10X98765432"[sum%11]
	c := s[17]
	if c == 'x' {
		c = 'X'
	}
	return c == check
}

// validBirth: YYYYMMDD a calendar date from 1900 to 2099.
func validBirth(d string) bool {
	if len(d) != 8 || d[:2] != "19" && d[:2] != "20" {
		return false
	}
	_, ok := ParseDate(d[:4] + "-" + d[4:6] + "-" + d[6:])
	return ok
}
