// bigmap: the benchmark heap for coroner — a global map[string]interface{}
// with -n entries (default 5,000,000) of small structs and strings, about
// 19 M objects and 1.6 GB of live heap.  It prints "R" when the heap is
// built and then sleeps until killed.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

type Session struct {
	ID    int64
	User  string
	Token []byte
}

var cache = map[string]interface{}{}

func main() {
	n := flag.Int("n", 5000000, "entries")
	flag.Parse()
	for i := 0; i < *n; i++ {
		key := fmt.Sprintf("sess:%032x", i)
		if i%2 == 0 {
			cache[key] = &Session{ID: int64(i), User: "user-" + strconv.Itoa(i%100000), Token: make([]byte, 256)}
		} else {
			cache[key] = fmt.Sprintf("value-%d-%s", i, "padding-padding-padding-")
		}
	}
	runtime.GC()
	// Reaching runtime.MemProfile keeps heap profiling on (the linker
	// turns it off in programs that never call it), so the core holds a
	// heap profile for `coroner allocs` and `coroner pprof` to read.
	runtime.MemProfile(nil, true)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "bigmap: %d entries, HeapAlloc %d, HeapObjects %d\n", len(cache), ms.HeapAlloc, ms.HeapObjects)
	os.Stdout.WriteString("R\n")
	for {
		time.Sleep(time.Hour)
	}
}
