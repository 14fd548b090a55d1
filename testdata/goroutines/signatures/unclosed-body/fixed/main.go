// Command fixed is the fixed twin of ../leak: it drains and closes every
// response body, so the Transport reuses one connection.
package main

import (
	"fmt"
	"io"
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
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	return nil
}
