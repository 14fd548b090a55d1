module callee-alloc

go 1.19
