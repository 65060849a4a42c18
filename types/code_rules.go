package types

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// codeFieldNames are the names of the string fields of messages that hold
// codes. ValidateBasic reads them with ParseTxCode, the syntax of rules v1;
// from rules v2 on checkCodes reads them again with GS1 Digital Link's rules
// for the scheme and the query string. A test checks that every field
// ValidateBasic reads as a code has one of these names.
var codeFieldNames = map[protoreflect.Name]bool{
	"code":   true,
	"codes":  true,
	"unit":   true,
	"units":  true,
	"parent": true,
}

// isCodeField reports whether fd holds codes.
func isCodeField(fd protoreflect.FieldDescriptor) bool {
	return fd.Kind() == protoreflect.StringKind && codeFieldNames[fd.Name()]
}

// checkCodes refuses, from rules v2 on, a code in m that ValidateBasic
// accepted under the syntax of rules v1 but GS1 Digital Link refuses: a
// scheme in mixed case, or a query string with a primary key, a key
// qualifier or an AI twice.
func checkCodes(m proto.Message) error {
	return walkCodes(m.ProtoReflect(), "")
}

func walkCodes(r protoreflect.Message, path string) error {
	var err error
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := path + string(fd.Name())
		switch {
		case fd.IsMap():
		case fd.Kind() == protoreflect.MessageKind:
			if fd.IsList() {
				l := v.List()
				for i := 0; i < l.Len() && err == nil; i++ {
					err = walkCodes(l.Get(i).Message(), name+".")
				}
			} else {
				err = walkCodes(v.Message(), name+".")
			}
		case isCodeField(fd):
			if fd.IsList() {
				l := v.List()
				for i := 0; i < l.Len() && err == nil; i++ {
					err = checkStrictCode(name, l.Get(i).String())
				}
			} else {
				err = checkStrictCode(name, v.String())
			}
		}
		return err == nil
	})
	return err
}

func checkStrictCode(field, s string) error {
	if s == "" {
		return nil // an empty code asks the chain to issue one
	}
	if _, err := parseCode(s, strictTxSyntax); err != nil {
		return ErrInvalidCode.Wrapf("%s: %s", field, trimName(err, ErrInvalidCode))
	}
	return nil
}

// CanonicalCodes rewrites every code of the message m into its canonical
// form (Code.String), reading each as ParseCode does, so that what a person
// typed or a scanner sent (an element string with GS, a symbology
// identifier, a Digital Link URI) goes on chain in the one form every rules
// version reads. A client calls it before signing; it refuses a code
// ParseCode refuses, naming its field. An empty code stays empty.
func CanonicalCodes(m proto.Message) error {
	type slot struct {
		r     protoreflect.Message
		fd    protoreflect.FieldDescriptor
		index int // -1: a singular field
		name  string
		value string
	}
	var slots []slot
	var walk func(r protoreflect.Message, path string)
	walk = func(r protoreflect.Message, path string) {
		r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			name := path + string(fd.Name())
			switch {
			case fd.IsMap():
			case fd.Kind() == protoreflect.MessageKind && fd.IsList():
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message(), fmt.Sprintf("%s[%d].", name, i))
				}
			case fd.Kind() == protoreflect.MessageKind:
				walk(v.Message(), name+".")
			case isCodeField(fd) && fd.IsList():
				for i := 0; i < v.List().Len(); i++ {
					slots = append(slots, slot{r, fd, i, fmt.Sprintf("%s[%d]", name, i), v.List().Get(i).String()})
				}
			case isCodeField(fd):
				slots = append(slots, slot{r, fd, -1, name, v.String()})
			}
			return true
		})
	}
	walk(m.ProtoReflect(), "")
	for _, s := range slots {
		if s.value == "" {
			continue
		}
		c, err := ParseCode(s.value)
		if err != nil {
			return ErrInvalidCode.Wrapf("%s: %s", s.name, trimName(err, ErrInvalidCode))
		}
		v := protoreflect.ValueOfString(c.String())
		if s.index < 0 {
			s.r.Set(s.fd, v)
		} else {
			s.r.Mutable(s.fd).List().Set(s.index, v)
		}
	}
	return nil
}

// CanonicalCodeInput reads a code a person typed or a scanner sent (a
// query's argument, a form's field), as ParseCode does, and returns its
// canonical form; an error names field. For the codes of txs see
// ValidateCodeString, which reads them as the rules of txs do.
func CanonicalCodeInput(field, s string) (string, error) {
	c, err := ParseCode(s)
	if err != nil {
		return "", ErrInvalidCode.Wrapf("%s: %s", field, trimName(err, ErrInvalidCode))
	}
	return c.String(), nil
}
