module too-large

go 1.19
