// Command leak derives a cancelable context per request from a custom
// parent context and drops the cancel function: context starts a goroutine
// in (*cancelCtx).propagateCancel that waits for parent or child forever.
package main

import (
	"context"
	"os"
	"time"

	"goroutines/internal/snap"
)

// serverContext is a parent context that is not one of the context
// package's own types (as many frameworks' request contexts are).
type serverContext struct {
	done chan struct{}
}

func (c serverContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c serverContext) Done() <-chan struct{}       { return c.done }
func (c serverContext) Err() error                  { return nil }
func (c serverContext) Value(any) any               { return nil }

func handle(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	_ = cancel // never called
	_ = ctx
}

func main() {
	parent := serverContext{done: make(chan struct{})}
	for i := 0; i < 25; i++ {
		handle(parent)
	}
	snap.Write(os.Args[1])
}
