module bounded-cache

go 1.19
