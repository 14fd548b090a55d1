// Command leak starts a polling loop per subscription and never stops
// them: each loop sleeps in time.Sleep forever after its subscriber left.
package main

import (
	"context"
	"os"
	"time"

	"goroutines/internal/snap"
)

var polls int

func pollLoop(ctx context.Context) {
	for {
		polls++
		time.Sleep(50 * time.Millisecond)
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
