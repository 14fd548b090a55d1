module verdicts

go 1.19
