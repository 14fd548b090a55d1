// A counter captured by reference by a goroutine's closure: each go
// statement moves it to the heap (churn: the goroutines finish).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

var wg sync.WaitGroup

//go:noinline
func spawn() {
	var counts [32]int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := range counts {
			counts[k]++
		}
	}()
}

func step(i int) {
	for j := 0; j < 20; j++ {
		spawn()
	}
	wg.Wait()
}

// snapshot writes heap-N.pb.gz into the directory named by argv[1] after a
// GC, so inuse_* holds what is still reachable.
func snapshot(n int) {
	runtime.GC()
	f, err := os.Create(filepath.Join(os.Args[1], fmt.Sprintf("heap-%d.pb.gz", n)))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		panic(err)
	}
	f.Close()
}

func main() {
	runtime.MemProfileRate = 1
	for n := 1; n <= 3; n++ {
		for i := 0; i < 200; i++ {
			step((n-1)*200 + i)
		}
		snapshot(n)
	}
	fmt.Fprintln(io.Discard, len(os.Args))
}
