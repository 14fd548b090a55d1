module returned-map

go 1.19
