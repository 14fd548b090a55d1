// A buffer whose size is known only at run time, dropped after use
// (churn).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

var sum int

//go:noinline
func checksum(n int) int {
	buf := make([]byte, n)
	for k := range buf {
		buf[k] = byte(k)
		sum += int(buf[k])
	}
	return sum
}

func step(i int) {
	for j := 0; j < 10; j++ {
		checksum(2048 + (i*10+j)%2048)
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
