// Command service is a small HTTP service that leaks goroutines the ways
// real services do, and writes its own goroutine and goroutineleak profiles
// (fetched from its /debug/pprof endpoints over loopback) into argv[1].
//
// Every request runs under pprof labels (route, tenant), which goroutines it
// starts inherit. The leaks:
//
//   - /login starts main.awaitToken, which receives on a channel nobody else
//     holds: the runtime's leak GC proves it (goroutineleak, "(leaked)").
//   - /search starts main.queryBackend, which sends its result on a channel
//     the handler stopped waiting for; the channel stays reachable from the
//     global pending table, so the runtime cannot prove it. Only growth
//     across snapshots shows it.
//   - main.fetchUpstream GETs /data and never closes the response body: each
//     call leaves a connection's net/http.(*persistConn).readLoop and
//     writeLoop goroutines behind.
//
// Timeline: three rounds of requests with a goroutine snapshot after each
// (goroutine-1..3.pb.gz); then it waits 65 s so that the parked goroutines
// have waited over a minute, and writes goroutine (debug=0,1,2) and
// goroutineleak (debug=0,1,2). Last it writes "ready" and waits for SIGQUIT
// (regen.sh sends it with GOTRACEBACK=all to capture that dump too).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

// pending holds the result channels of searches still "in flight": nothing
// ever reads them, but they stay reachable.
var pending struct {
	sync.Mutex
	byID map[int]chan string
}

// withLabels runs every request under its route and tenant labels.
func withLabels(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := r.URL.Query().Get("tenant")
		if tenant == "" {
			tenant = "none"
		}
		pprof.Do(r.Context(), pprof.Labels("route", route, "tenant", tenant), func(ctx context.Context) {
			h(w, r.WithContext(ctx))
		})
	}
}

// awaitToken waits for a token on a channel that only it holds.
func awaitToken(tokens chan string) {
	tok := <-tokens
	fmt.Fprintln(io.Discard, tok)
}

func handleLogin(w http.ResponseWriter, r *http.Request) {
	tokens := make(chan string)
	go awaitToken(tokens)
	fmt.Fprintln(w, "ok")
}

// queryBackend computes a result and hands it to a handler that has gone.
func queryBackend(id int, out chan string) {
	time.Sleep(20 * time.Millisecond) // slower than the handler's deadline
	out <- "result-" + strconv.Itoa(id)
}

func handleSearch(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.URL.Query().Get("id"))
	out := make(chan string)
	pending.Lock()
	pending.byID[id] = out
	pending.Unlock()
	go queryBackend(id, out)
	select {
	case res := <-out:
		fmt.Fprintln(w, res)
	case <-time.After(time.Millisecond):
		// The backend is "too slow": give up, but leave it blocked.
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	}
}

func handleData(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "payload")
}

// fetchUpstream reads the status of /data and forgets the body.
func fetchUpstream(client *http.Client, base string) error {
	resp, err := client.Get(base + "/data")
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil // resp.Body is never closed
}

func get(client *http.Client, url string) {
	resp, err := client.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// save fetches one of the service's own profiles into dir/name.
func save(base, path, dir, name string) {
	resp, err := http.Get(base + path)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		log.Fatalf("%s: status %d", path, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		log.Fatal(err)
	}
}

// round sends n logins, n searches and n upstream fetches, spread over
// two tenants.
func round(client *http.Client, base string, start, n int) {
	upstream := &http.Client{Transport: &http.Transport{}}
	for i := start; i < start+n; i++ {
		tenant := "acme"
		if i%3 == 0 {
			tenant = "globex"
		}
		get(client, fmt.Sprintf("%s/login?tenant=%s", base, tenant))
		// Searches answer 504 by design.
		resp, err := client.Get(fmt.Sprintf("%s/search?id=%d&tenant=%s", base, i, tenant))
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := fetchUpstream(upstream, base); err != nil {
			log.Fatal(err)
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: service OUTDIR")
	}
	dir := os.Args[1]
	pending.byID = map[int]chan string{}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/login", withLabels("/login", handleLogin))
	http.HandleFunc("/search", withLabels("/search", handleSearch))
	http.HandleFunc("/data", withLabels("/data", handleData))
	srv := &http.Server{}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	client := &http.Client{}

	// Goroutine snapshots as the leaks grow: 5, 15, 30 of each kind.
	next := 0
	for i, n := range []int{5, 10, 15} {
		round(client, base, next, n)
		next += n
		time.Sleep(200 * time.Millisecond)
		save(base, "/debug/pprof/goroutine", dir, fmt.Sprintf("goroutine-%d.pb.gz", i+1))
	}

	// The runtime notes when a goroutine started waiting only when a GC
	// sees it parked: collect now, then let the parked goroutines wait
	// over a minute.
	runtime.GC()
	time.Sleep(65 * time.Second)
	save(base, "/debug/pprof/goroutine", dir, "goroutine.pb.gz")
	save(base, "/debug/pprof/goroutine?debug=1", dir, "goroutine.debug1.txt")
	save(base, "/debug/pprof/goroutine?debug=2", dir, "goroutine.debug2.txt")
	save(base, "/debug/pprof/goroutineleak", dir, "goroutineleak.pb.gz")
	save(base, "/debug/pprof/goroutineleak?debug=1", dir, "goroutineleak.debug1.txt")
	save(base, "/debug/pprof/goroutineleak?debug=2", dir, "goroutineleak.debug2.txt")
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644); err != nil {
		log.Fatal(err)
	}
	select {} // until SIGQUIT
}
