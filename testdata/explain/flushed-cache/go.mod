module flushed-cache

go 1.19
