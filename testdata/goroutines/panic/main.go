// Command panic parks a few labelled goroutines and then panics on a nil
// map write; regen.sh captures its stderr with GOTRACEBACK=all, the
// traceback of every goroutine that a crashing service prints.
package main

import (
	"context"
	"runtime/pprof"
	"time"
)

type session struct{ attrs map[string]string }

func worker(jobs chan int) {
	for range jobs {
	}
}

func (s *session) set(k, v string) { s.attrs[k] = v } // s.attrs is nil

func main() {
	jobs := make(chan int)
	pprof.Do(context.Background(), pprof.Labels("route", "/jobs", "tenant", "acme corp"), func(context.Context) {
		for i := 0; i < 3; i++ {
			go worker(jobs)
		}
	})
	time.Sleep(100 * time.Millisecond)
	var s session
	pprof.Do(context.Background(), pprof.Labels("route", "/login"), func(context.Context) {
		s.set("user", "gopher")
	})
}
