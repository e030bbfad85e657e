//go:build !noprof

// The runtime's own heap profile, the oracle for coroner's allocs and pprof
// commands: pprof.WriteHeapProfile writes it beside the truth
// (truth.json -> truth.heap.pprof) right before the final memstats are
// read.  Each scenario sets memProfileRate (0 keeps the runtime's default,
// 512 KiB).  A build with -tags noprof leaves this file out: then nothing
// reaches runtime.MemProfile, the linker sets runtime.disableMemoryProfiling
// and the runtime turns profiling off (MemProfileRate = 0).

package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
)

func init() {
	if memProfileRate != 0 {
		runtime.MemProfileRate = memProfileRate
	}
	writeHeapProfile = func(truthPath string) {
		f, err := os.Create(strings.TrimSuffix(truthPath, ".json") + ".heap.pprof")
		if err != nil {
			fatal("heap profile: %v", err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			fatal("heap profile: %v", err)
		}
		if err := f.Close(); err != nil {
			fatal("heap profile: %v", err)
		}
	}
}
