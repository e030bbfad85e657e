// bigmap: the benchmark heap for coroner — a global map[string]interface{}
// with -n entries (default 5,000,000) of small structs and strings, about
// 19 M objects and 1.6 GB of live heap.  It prints "R" when the heap is
// built and then sleeps until killed.  With -grow N, SIGUSR1 adds N more
// entries and prints "R" again (two cores of one process for `coroner
// diff`: bench/bench-diff).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
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
	grow := flag.Int("grow", 0, "entries added on SIGUSR1 (0: no signal handling)")
	flag.Parse()
	fill(0, *n)
	if *grow > 0 {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGUSR1)
		go func() {
			<-sigs
			fill(*n, *n+*grow)
			os.Stdout.WriteString("R\n")
		}()
	}
	os.Stdout.WriteString("R\n")
	for {
		time.Sleep(time.Hour)
	}
}

// fill adds entries from through to-1, then collects and says so on stderr.
func fill(from, to int) {
	for i := from; i < to; i++ {
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
}
