module isoproof.local/prober

go 1.22
