// A struct passed to fmt is boxed into an interface on every call: short
// lived garbage (churn).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

type point struct{ x, y, z int64 }

//go:noinline
func printPoint(w io.Writer, i int) {
	p := point{int64(i), int64(i * 2), int64(i * 3)}
	fmt.Fprint(w, p)
}

func step(i int) {
	for j := 0; j < 50; j++ {
		printPoint(io.Discard, i*50+j)
	}
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
