package app

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

type handlerFunc func(ctx *Context, st *state.State, msg proto.Message) error

// router maps each message type to its one handler.
type router struct {
	handlers map[protoreflect.FullName]handlerFunc
}

// add registers h for messages of type M. view narrows the state a handler
// sees to its family's interface. A second handler for one type is an error.
func add[S any, M proto.Message](r *router, view func(*state.State) S, h func(*Context, S, M) error) error {
	var zero M
	name := zero.ProtoReflect().Descriptor().FullName()
	if _, dup := r.handlers[name]; dup {
		return fmt.Errorf("app: two handlers registered for %s", name)
	}
	r.handlers[name] = func(ctx *Context, st *state.State, msg proto.Message) error {
		return h(ctx, view(st), msg.(M))
	}
	return nil
}

func newRouter() (*router, error) {
	return newRouterOf(registerRegistry, registerTrace, registerSupervision, registerValidators, registerRules)
}

func newRouterOf(families ...func(*router) error) (*router, error) {
	r := &router{handlers: map[protoreflect.FullName]handlerFunc{}}
	for _, family := range families {
		if err := family(r); err != nil {
			return nil, err
		}
	}
	// Every case of the Msg oneof has its handler, and nothing else has one.
	cases := (&types.Msg{}).ProtoReflect().Descriptor().Oneofs().ByName("sum").Fields()
	for i := 0; i < cases.Len(); i++ {
		if _, ok := r.handlers[cases.Get(i).Message().FullName()]; !ok {
			return nil, fmt.Errorf("app: Msg case %s (%s) has no handler", cases.Get(i).Name(), cases.Get(i).Message().FullName())
		}
	}
	if len(r.handlers) != cases.Len() {
		return nil, fmt.Errorf("app: %d handlers for %d Msg cases: a handler is registered for a type that is no Msg case", len(r.handlers), cases.Len())
	}
	return r, nil
}

func (r *router) handle(ctx *Context, st *state.State, msg proto.Message) error {
	h, ok := r.handlers[msg.ProtoReflect().Descriptor().FullName()]
	if !ok {
		return types.ErrUnknownMessage.Wrapf("no handler for %s", msg.ProtoReflect().Descriptor().FullName())
	}
	return h(ctx, st, msg)
}
