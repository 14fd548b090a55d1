// Package snap writes a program's goroutine profiles (proto and debug=2)
// and heap profile into a directory, after giving goroutines time to park.
package snap

import (
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// Every allocation is sampled, so that the heap profile shows what the
// leaked goroutines hold however little it is.
func init() { runtime.MemProfileRate = 1 }

// Write settles, then writes dir/goroutine.pb.gz, dir/goroutine.debug2.txt
// and dir/heap.pb.gz.
func Write(dir string) {
	time.Sleep(300 * time.Millisecond)
	runtime.GC()
	write(dir, "goroutine.pb.gz", "goroutine", 0)
	write(dir, "goroutine.debug2.txt", "goroutine", 2)
	write(dir, "heap.pb.gz", "heap", 0)
}

func write(dir, file, profile string, debug int) {
	f, err := os.Create(filepath.Join(dir, file))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
