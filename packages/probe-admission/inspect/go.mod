module isoproof.local/inspect

go 1.21
