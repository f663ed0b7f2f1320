module blindfold/workloads/gotour

go 1.19
