module http-body

go 1.19
