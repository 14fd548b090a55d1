// Command many parks N goroutines (default 100000) in a handful of ways,
// under pprof labels, and writes the debug=2 dump of all of them to argv[1]:
// the input of the README's figures for reading a 100,000-goroutine dump.
// The dump is large (tens of MB) and is not committed; regenerate it with
//
//	go run ./many /tmp/many.debug2.txt [N]
package main

import (
	"context"
	"log"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

func waitJob(jobs <-chan int)          { <-jobs }
func sendResult(out chan<- int, v int) { out <- v }
func lockStep(mu *sync.Mutex)          { mu.Lock() }
func selectBoth(a, b <-chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func nested(depth int, jobs <-chan int) {
	if depth == 0 {
		waitJob(jobs)
		return
	}
	nested(depth-1, jobs)
}

func main() {
	n := 100000
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil {
			log.Fatal(err)
		}
		n = v
	}
	jobs := make(chan int)
	out := make(chan int)
	idle := make(chan int) // never sent on: the selects stay parked
	var mu sync.Mutex
	mu.Lock()
	routes := []string{"/login", "/search", "/cart", "/checkout"}
	for i := 0; i < n; i++ {
		labels := pprof.Labels("route", routes[i%len(routes)], "shard", strconv.Itoa(i%16))
		pprof.Do(context.Background(), labels, func(context.Context) {
			switch i % 5 {
			case 0:
				go waitJob(jobs)
			case 1:
				go sendResult(out, i)
			case 2:
				go lockStep(&mu)
			case 3:
				go selectBoth(jobs, idle)
			default:
				go nested(i%20, jobs)
			}
		})
	}
	time.Sleep(time.Second)
	f, err := os.Create(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, 2); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
