module coroner/scenarios/leaks

go 1.19

require github.com/hashicorp/golang-lru v0.5.4

// Built offline: cores/gen-matrix copies Debian's
// golang-github-hashicorp-golang-lru-dev (/usr/share/gocode/src) here.
replace github.com/hashicorp/golang-lru => ./gocode/github.com/hashicorp/golang-lru
