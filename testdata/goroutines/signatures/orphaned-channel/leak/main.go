// Command leak starts 30 lookups that each send their answer on an
// unbuffered channel; the caller takes the first answer and returns, leaving
// the other senders parked in chansend forever.
package main

import (
	"os"
	"time"

	"goroutines/internal/snap"
)

func lookup(replica int, answers chan<- int) {
	time.Sleep(time.Duration(replica) * time.Millisecond)
	answers <- replica
}

// first asks three replicas and returns the fastest answer.
func first() int {
	answers := make(chan int)
	for r := 0; r < 3; r++ {
		go lookup(r, answers)
	}
	return <-answers
}

func main() {
	for i := 0; i < 15; i++ {
		first()
	}
	snap.Write(os.Args[1])
}
