//go:build !memprofilerate1

package main

// runtime.MemProfileRate for this scenario (see common/heapprofile.go):
// one sample per 4 KiB allocated.  The leakysvc-rate1 variant builds with
// -tags memprofilerate1 (memprofilerate1.go): every allocation sampled.
const memProfileRate = 4096
