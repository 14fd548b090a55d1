module conversion-slice

go 1.19
