//go:build memprofilerate1

package main

// runtime.MemProfileRate = 1: every allocation is sampled, so the profile
// is exact (the leakysvc-rate1 variant; see memprofilerate.go).
const memProfileRate = 1
