// Command leak GETs a loopback server 40 times and never closes the response
// bodies: each request keeps a connection, with its net/http.(*persistConn)
// readLoop and writeLoop goroutines.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"goroutines/internal/snap"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "payload")
	}))
	for i := 0; i < 40; i++ {
		if err := poll("http://" + ln.Addr().String()); err != nil {
			log.Fatal(err)
		}
	}
	snap.Write(os.Args[1])
}

func poll(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	_ = resp // the body is never closed
	return nil
}
