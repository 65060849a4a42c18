package types

import (
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
