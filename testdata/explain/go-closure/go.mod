module go-closure

go 1.19
