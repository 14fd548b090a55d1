module nonconst-make

go 1.19
