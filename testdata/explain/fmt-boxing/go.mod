module fmt-boxing

go 1.19
