// Command leaky is a small program that behaves the way leaking Go services
// do. It drives an in-process request loop (no network) and writes heap,
// allocs, goroutine, CPU, mutex and block profiles into the directory given
// as its first argument. See ../README.md for how the corpus is built.
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

// ---------------------------------------------------------------------------
// Leak 1: a cache that only grows.

type Cache struct {
	mu sync.Mutex
	m  map[string][]byte
}

var cache = &Cache{m: make(map[string][]byte)}

// Put stores a fresh 1 KiB value under key and never evicts anything.
//
//go:noinline
func (c *Cache) Put(key string, size int) {
	v := make([]byte, size)
	for i := range v {
		v[i] = byte(i)
	}
	c.mu.Lock()
	c.m[key] = v
	c.mu.Unlock()
}

// ---------------------------------------------------------------------------
// Leak 2: an audit log that is never trimmed.

type auditRecord struct {
	id  int
	at  int64
	msg []byte
}

var (
	auditMu  sync.Mutex
	auditLog []*auditRecord
)

//go:noinline
func recordAudit(id int) {
	msg := make([]byte, 256)
	copy(msg, "request handled")
	rec := &auditRecord{id: id, at: int64(id) * 1000, msg: msg}
	auditMu.Lock()
	auditLog = append(auditLog, rec)
	auditMu.Unlock()
}

// ---------------------------------------------------------------------------
// Leak 3: goroutines parked forever on a channel nobody sends to.

var workerChans []chan int // kept so the channels stay reachable

//go:noinline
func leakyWorker(ch chan int) {
	v := <-ch // nobody ever sends: parks in runtime.chanrecv forever
	_ = v
}

// ---------------------------------------------------------------------------
// Transient garbage and an inlined helper.

// hash is small enough to be inlined by the compiler.
func hash(h uint32, b byte) uint32 {
	return (h ^ uint32(b)) * 16777619
}

var sink uint32

// buildResponse allocates a 4..64 KiB buffer that is dropped right away.
//
//go:noinline
func buildResponse(id int) uint32 {
	size := (4 + id%61) << 10 // non-constant size: always heap allocated
	buf := make([]byte, size)
	h := uint32(2166136261)
	for i := range buf {
		buf[i] = byte(id + i)
		h = hash(h, buf[i])
	}
	return h
}

const workerEvery = 10

//go:noinline
func handleRequest(id int) {
	cache.Put(fmt.Sprintf("req-%06d", id), 1024)
	recordAudit(id)
	sink += buildResponse(id)
	if id%workerEvery == 0 {
		ch := make(chan int)
		workerChans = append(workerChans, ch)
		go leakyWorker(ch)
	}
}

var nextID = 1

func serve(upTo int) {
	for ; nextID <= upTo; nextID++ {
		handleRequest(nextID)
	}
}

// ---------------------------------------------------------------------------
// CPU work: recursion and an inlined hot loop.

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

type node struct {
	left, right *node
	val         uint32
}

// buildTree lays out a complete binary tree of the given depth in one
// allocation (a recursive builder would give every node its own stack and
// blow up the heap profiles).
func buildTree(depth int) *node {
	nodes := make([]node, 1<<depth-1)
	for i := range nodes {
		nodes[i].val = uint32(i + 1)
		if l := 2*i + 1; l < len(nodes) {
			nodes[i].left, nodes[i].right = &nodes[l], &nodes[l+1]
		}
	}
	return &nodes[0]
}

//go:noinline
func walk(n *node) uint32 {
	if n == nil {
		return 0
	}
	h := hash(uint32(2166136261), byte(n.val))
	return h + walk(n.left) + walk(n.right)
}

//go:noinline
func checksum(data []byte, rounds int) uint32 {
	h := uint32(2166136261)
	for r := 0; r < rounds; r++ {
		for _, b := range data {
			h = hash(h, b)
		}
	}
	return h
}

func crunch(d time.Duration) {
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	tree := buildTree(16)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		sink += uint32(fib(27))
		sink += checksum(data, 20)
		sink += walk(tree)
	}
}

// ---------------------------------------------------------------------------
// Mutex contention and channel blocking.

var (
	hotMu      sync.Mutex
	hotCounter uint64
)

//go:noinline
func contend(iters int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < iters; i++ {
		hotMu.Lock()
		for j := 0; j < 200; j++ {
			hotCounter += uint64(j)
		}
		hotMu.Unlock()
	}
}

// tally takes the same lock as contend with a much shorter critical section.
//
//go:noinline
func tally(iters int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < iters; i++ {
		hotMu.Lock()
		hotCounter++
		hotMu.Unlock()
	}
}

func lockContention() {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go contend(5000, &wg)
		go tally(20000, &wg)
	}
	wg.Wait()
}

//go:noinline
func producer(ch chan<- int, n int) {
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
}

//go:noinline
func consumer(ch <-chan int, done chan<- int) {
	sum := 0
	for v := range ch {
		sum += v
		time.Sleep(10 * time.Microsecond)
	}
	done <- sum
}

func channelBlocking() {
	ch := make(chan int)
	done := make(chan int)
	go consumer(ch, done)
	producer(ch, 2000)
	<-done
}

// ---------------------------------------------------------------------------

func writeProfile(dir, name, file string) {
	f, err := os.Create(filepath.Join(dir, file))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func snapshot(dir string, n int) {
	runtime.GC()
	writeBoth(dir, "heap", n)
	writeBoth(dir, "goroutine", n)
}

func main() {
	runtime.MemProfileRate = 1
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: leaky OUTDIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}

	cpuFile, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpuFile); err != nil {
		panic(err)
	}

	// Three snapshots while the leak grows: 10 -> 40 -> 90 parked workers.
	serve(100)
	snapshot(dir, 1)
	time.Sleep(time.Second)
	serve(400)
	snapshot(dir, 2)
	time.Sleep(time.Second)
	serve(900)
	snapshot(dir, 3)

	crunch(2500 * time.Millisecond)
	lockContention()
	channelBlocking()

	pprof.StopCPUProfile()
	if err := cpuFile.Close(); err != nil {
		panic(err)
	}
	runtime.GC() // publish the latest allocation and free counts
	writeProfile(dir, "allocs", "allocs.pb.gz")
	writeProfile(dir, "mutex", "mutex.pb.gz")
	writeProfile(dir, "block", "block.pb.gz")
	fmt.Printf("cache=%d audit=%d workers=%d sink=%d counter=%d\n",
		len(cache.m), len(auditLog), len(workerChans), sink, hotCounter)
}

// writeBoth writes profile name as snapshot n twice: as gzip'd proto
// (<name>-<n>.pb.gz, debug=0) and as the legacy text that /debug/pprof
// serves with ?debug=1 (<name>-<n>.debug1.txt). It lives at the end of the
// file so that no line above moves (the committed profiles name them).
func writeBoth(dir, name string, n int) {
	writeProfile(dir, name, fmt.Sprintf("%s-%d.pb.gz", name, n))
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.debug1.txt", name, n)))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 1); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
