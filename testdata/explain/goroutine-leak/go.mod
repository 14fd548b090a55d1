module goroutine-leak

go 1.19
