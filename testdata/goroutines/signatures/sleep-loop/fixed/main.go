// Command fixed is the fixed twin of ../leak: each polling loop waits on a
// time.Ticker and its subscription's context, and unsubscribing cancels it.
package main

import (
	"context"
	"os"
	"time"

	"goroutines/internal/snap"
)

var polls int

func pollLoop(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			polls++
		}
	}
}

func subscribe() {
	ctx, cancel := context.WithCancel(context.Background())
	go pollLoop(ctx)
	// ... the subscriber leaves:
	cancel()
}

func main() {
	for i := 0; i < 20; i++ {
		subscribe()
	}
	snap.Write(os.Args[1])
}
