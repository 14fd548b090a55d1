module contention

go 1.22
