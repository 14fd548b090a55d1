// Command verdicts is a small Go service whose heap holds the four shapes a
// leak verdict must tell apart, at Go's default MemProfileRate (one sample
// per 512 KiB allocated):
//
//   - main.leak: a steady leak (records added to a global list, never freed);
//   - main.(*bounded).put: a cache with a fixed capacity (fills, then
//     replaces its oldest entry: flat once full);
//   - main.(*batch).add: a cache flushed every flushEvery rounds (a sawtooth);
//   - main.render: transient garbage (a buffer allocated and dropped);
//   - main.parked: goroutines parked forever (a goroutine leak).
//
// Modes (see ../README.md, "verdicts/"):
//
//	verdicts serve ADDR             an HTTP service with net/http/pprof on ADDR,
//	                                doing one round of work every 50 ms
//	verdicts series DIR N           N heap snapshots in process, five rounds
//	                                and 200 ms apart, each as proto and debug=1 text
//	verdicts record DIR ADDR A B    runs `verdicts serve ADDR` as a child, polls it
//	                                A times, kills it, starts it again on the same
//	                                address and polls it B times more, saving every
//	                                answer (heap as debug=1 text and as proto, and
//	                                the goroutine proto)
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// The four heap shapes.

type record struct {
	id   int
	body []byte
	next *record
}

var (
	mu   sync.Mutex
	head *record // a linked list: growing it never copies (and frees) a backing array
)

// leak keeps every record it makes: n records of 528 bytes a round.
//
//go:noinline
func leak(round, n int) {
	for i := 0; i < n; i++ {
		r := &record{id: round, body: make([]byte, 480)}
		mu.Lock()
		r.next = head
		head = r
		mu.Unlock()
	}
}

// bounded holds at most capacity entries, replacing the oldest.
type bounded struct {
	entries [][]byte
	next    int
}

const capacity = 2048

var cache = &bounded{}

//go:noinline
func (b *bounded) put(n int) {
	for i := 0; i < n; i++ {
		v := make([]byte, 2048)
		if len(b.entries) < capacity {
			b.entries = append(b.entries, v)
		} else {
			b.entries[b.next] = v
			b.next = (b.next + 1) % capacity
		}
	}
}

// batch accumulates 48 KiB a round and drops it all every flushEvery rounds.
type batch struct{ pending [][]byte }

const flushEvery = 40

var pending = &batch{}

//go:noinline
func (b *batch) add(round int) {
	if round%flushEvery == 0 {
		b.pending = nil
	}
	for i := 0; i < 48; i++ {
		b.pending = append(b.pending, make([]byte, 1024))
	}
}

var sink uint32

// render allocates a response buffer and drops it: garbage.
//
//go:noinline
func render(round int) {
	for i := 0; i < 4; i++ {
		buf := make([]byte, 64<<10+round%7*1024)
		for j := range buf {
			buf[j] = byte(j)
		}
		sink += uint32(buf[len(buf)-1])
	}
}

var parkedChans []chan int

//go:noinline
func parked(ch chan int) { <-ch }

// round is one unit of the service's work; it leaks n records.
func round(r, n int) {
	leak(r, n)
	if r < 8 {
		cache.put(256) // full after 8 rounds
	} else {
		cache.put(64) // then replaces a 32nd of it a round
	}
	pending.add(r)
	render(r)
	if r%4 == 0 {
		ch := make(chan int)
		parkedChans = append(parkedChans, ch)
		go parked(ch)
	}
}

// ---------------------------------------------------------------------------
// Modes.

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		for r := 1; ; r++ {
			round(r, 96) // about 50 KiB a round, 1 MiB a second
			time.Sleep(50 * time.Millisecond)
		}
	}()
	_ = http.Serve(ln, nil)
}

func write(path string, debug int, name string) {
	f, err := os.Create(path)
	check(err)
	check(pprof.Lookup(name).WriteTo(f, debug))
	check(f.Close())
}

func series(dir string, n int) {
	check(os.MkdirAll(dir, 0o755))
	r := 0
	for s := 1; s <= n; s++ {
		for i := 0; i < 5; i++ {
			r++
			round(r, 48) // 125 KiB a snapshot: one sample in four snapshots
		}
		// No runtime.GC(): as in a live service, the profile is as of the
		// last GC the garbage set off.
		write(filepath.Join(dir, fmt.Sprintf("heap-%02d.pb.gz", s)), 0, "heap")
		write(filepath.Join(dir, fmt.Sprintf("heap-%02d.debug1.txt", s)), 1, "heap")
		time.Sleep(200 * time.Millisecond)
	}
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func start(addr string) *exec.Cmd {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, "serve", addr)
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "service did not start")
	os.Exit(1)
	return nil
}

func record_(dir, addr string, first, second int) {
	check(os.MkdirAll(dir, 0o755))
	base := "http://" + addr + "/debug/pprof/"
	poll := 0
	life := func(n int) {
		cmd := start(addr)
		for i := 0; i < n; i++ {
			poll++
			for _, f := range []struct{ url, name string }{
				{base + "heap?debug=1", "heap.debug1.txt"},
				{base + "heap", "heap.pb.gz"},
				{base + "goroutine", "goroutine.pb.gz"},
			} {
				body, err := get(f.url)
				check(err)
				check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("poll-%02d.%s", poll, f.name)), body, 0o644))
			}
			time.Sleep(500 * time.Millisecond)
		}
		check(cmd.Process.Kill())
		_ = cmd.Wait()
	}
	life(first)
	if second > 0 {
		life(second)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	check(err)
	return n
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: verdicts serve ADDR | series DIR N | record DIR ADDR A B")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2])
	case "series":
		series(os.Args[2], atoi(os.Args[3]))
	case "record":
		record_(os.Args[2], os.Args[3], atoi(os.Args[4]), atoi(os.Args[5]))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}
