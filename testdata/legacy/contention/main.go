// Command contention makes the mutex and block profiles of
// testdata/legacy/contention/: a few goroutines fight over a mutex and wait
// on channels, then both profiles are written as proto (debug=0) and as the
// text `/debug/pprof/{mutex,block}?debug=1` serves, into the directory
// named by the first argument.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var mu sync.Mutex

//go:noinline
func holdMutex(rounds int, hold time.Duration) {
	for i := 0; i < rounds; i++ {
		mu.Lock()
		time.Sleep(hold)
		mu.Unlock()
	}
}

//go:noinline
func waitOnChannel(ch chan int, n int) {
	for i := 0; i < n; i++ {
		<-ch
	}
}

//go:noinline
func feed(ch chan int, n int) {
	for i := 0; i < n; i++ {
		time.Sleep(200 * time.Microsecond)
		ch <- i
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: contention OUTDIR")
		os.Exit(2)
	}
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holdMutex(50, 100*time.Microsecond)
		}()
	}
	ch := make(chan int)
	wg.Add(2)
	go func() { defer wg.Done(); waitOnChannel(ch, 100) }()
	go func() { defer wg.Done(); feed(ch, 100) }()
	wg.Wait()
	for _, name := range []string{"mutex", "block"} {
		for _, debug := range []int{0, 1} {
			file := name + ".pb.gz"
			if debug == 1 {
				file = name + ".debug1.txt"
			}
			f, err := os.Create(filepath.Join(os.Args[1], file))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if err := pprof.Lookup(name).WriteTo(f, debug); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			f.Close()
		}
	}
}
