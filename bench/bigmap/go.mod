module bigmap

go 1.19
