// A cache emptied every 250 entries: it grows and falls back, so the
// snapshots see a saw tooth, not a leak.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

var cache = map[int][]byte{}

//go:noinline
func put(key int) {
	if len(cache) >= 250 {
		cache = map[int][]byte{}
	}
	value := make([]byte, 2048)
	cache[key] = value
}

func step(i int) {
	put(i)
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
