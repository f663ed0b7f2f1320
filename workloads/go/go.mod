module blindfold/workloads/go

go 1.19
