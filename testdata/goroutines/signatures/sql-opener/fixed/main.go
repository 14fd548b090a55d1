// Command fixed is the fixed twin of ../leak: each handle is closed, which
// stops its connectionOpener.
package main

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"log"
	"os"

	"goroutines/internal/snap"
)

// nullDriver is a driver that refuses to connect; sql.Open never dials.
type nullDriver struct{}

func (nullDriver) Open(string) (driver.Conn, error) { return nil, errors.New("no database") }

func query(dsn string) {
	db, err := sql.Open("null", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
}

func main() {
	sql.Register("null", nullDriver{})
	for i := 0; i < 12; i++ {
		query("db-" + string(rune('a'+i)))
	}
	snap.Write(os.Args[1])
}
