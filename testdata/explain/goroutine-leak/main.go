// Each request starts a goroutine that waits on a channel nobody else
// holds: it never returns, and its channel and stack stay (a goroutine
// leak).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

//go:noinline
func handle(id int) {
	ch := make(chan int)
	go func() {
		<-ch
	}()
}

func step(i int) {
	handle(i)
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
