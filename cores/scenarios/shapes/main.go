// shapes builds, in one process, every heap and goroutine shape coroner must
// understand, writes the ground truth about itself (-truth PATH), prints
// "R\n" and blocks forever without allocating.  cores/gen-matrix then takes
// a kernel core (SIGABRT) or a gcore core of it.
//
// Shapes (names as they appear in truth.json):
//
//	main.cache        global map[string]interface{}, -n entries, mixed values
//	chan-payload-N    3 goroutines blocked sending a map with a 1 MiB []byte
//	goroutine-local   a map reachable only from one goroutine's frame
//	main.growing      Go <= 1.23: caught mid-growth (hmap.oldbuckets != nil)
//	main.overflowing  Go <= 1.23: has overflow buckets (hmap.noverflow > 0)
//	main.tombstoned   many deletes (Go >= 1.24: Swiss tombstones)
//	main.bigkv        map[[200]byte][300]byte: key and value stored indirectly
//	goroutines in chan receive, select, sleep, mutex wait, busy loop, syscall
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Blob is the pointer-to-struct value kind stored in the maps.
type Blob struct {
	Data []byte
}

type payloadMsg = map[string]interface{}

// Headered is larger than minSizeForMallocHeader (512 B) and holds a
// pointer, so from Go 1.22 every one carries a malloc header naming its
// type: a heap walk must find exactly headeredN of them.
type Headered struct {
	Next *Headered
	Pad  [600]byte
}

const headeredN = 777

// BigPtrs has more pointer words than a pointer mask may hold: its GC
// mask is a GC program (Go <= 1.23) or built on demand (Go >= 1.24).
type BigPtrs [20000]*int

var bigPtrs *BigPtrs

var headered []*Headered

// Item and Entry hold only pointers to objects of their own (never tiny
// ones), so the maps that hold them have exact retained sizes.
type Item struct {
	Name string
	Data []byte
	Next *Item
}

type Entry struct {
	Name string
	Buf  []byte
}

// Payloads kept alive only by a runtime structure (truth "runtime_roots").
type (
	FinalizedObj struct {
		Tag  string
		Data []byte
	}
	CleanupPayload struct {
		Tag  string
		Data []byte
	}
	DeferPayload struct {
		Tag  string
		Data []byte
	}
	PanicValue struct {
		Tag  string
		Data []byte
	}
	TimerPayload struct {
		Tag  string
		Data []byte
	}
)

var (
	registry map[string]interface{} // exact retained size
	entries  map[string]*Entry      // exact retained size per entry
	nested   map[string]interface{} // nested containers, per-key shape and size

	// Hand-offs: built and measured by main, then taken by the goroutine
	// that alone holds them (it clears its slot).
	localHandoff   map[string]interface{}
	payloadHandoff [3]payloadMsg

	cleanupObj  *CleanupOwner // keeps the cleanup's object reachable: the cleanup never runs
	deferBlock  = make(chan struct{})
	panicBlock  = make(chan struct{})
	runtimeSink interface{}
)

// CleanupOwner is the object a cleanup is attached to (Go >= 1.24).
type CleanupOwner struct{ Name string }

var (
	cache       map[string]interface{}
	growing     map[string]interface{}
	overflowing map[string]interface{}
	tombstoned  map[int64]int64
	bigkv       map[[200]byte][300]byte

	payloadCh = make(chan payloadMsg) // unbuffered; nobody ever receives
	recvCh    = make(chan int)        // nobody ever sends
	selA      = make(chan int)
	selB      = make(chan string)
	selC      = make(chan struct{})
	quitLocal = make(chan struct{}) // never closed: keeps the local map's frame alive
	mu        sync.Mutex
	pipeFDs   [2]int
	pipeBuf   = make([]byte, 64)
	busySink  uint64
)

const payloadSize = 1 << 20

// pattern fills b with a compressible, recognizable pattern.
func pattern(b []byte, tag string) {
	p := []byte("coroner:" + tag + ":")
	for i := range b {
		b[i] = p[i%len(p)]
	}
}

// patternWith fills b with p repeated (no allocation).
func patternWith(b []byte, p []byte) {
	for i := range b {
		b[i] = p[i%len(p)]
	}
}

func newBlob(n int, tag string) *Blob {
	b := &Blob{Data: make([]byte, n)}
	pattern(b.Data, tag)
	return b
}

// hexID makes a uuid-like hex string from rng.
func hexID(rng *rand.Rand) string {
	return fmt.Sprintf("%08x%08x%08x%08x", rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32())
}

// fillCache: key prefixes cycle over 5 kinds and value kinds over 6 (coprime,
// so every prefix meets every value kind).
func fillCache(n int, rng *rand.Rand) {
	cache = make(map[string]interface{})
	prefixes := []string{"user", "sess", "cart", "tmp", "cfg"}
	for i := 0; i < n; i++ {
		var key string
		switch p := prefixes[i%len(prefixes)]; p {
		case "sess":
			key = "sess:" + hexID(rng)
		default:
			key = fmt.Sprintf("%s:%d", p, i)
		}
		var v interface{}
		switch i % 6 {
		case 0:
			v = newBlob(64+(i%16)*32, "blob")
		case 1:
			v = fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%40))
		case 2:
			v = 1000 + i*7 // > 255: boxed on the heap, not in runtime.staticuint64s
		case 3:
			v = float64(i) * 1.5
		case 4:
			v = map[string]interface{}{"id": i, "name": fmt.Sprintf("nested-%d", i), "score": float64(i) / 3}
		case 5:
			v = []interface{}{i, fmt.Sprintf("item-%d", i), float64(i)}
		}
		cache[key] = v
	}
}

// growMap inserts into m from index start until stop(m) holds, at least min entries.
func fillUntil(m map[string]interface{}, prefix string, min int, stop func() bool) int {
	i := 0
	for ; i < min || !stop(); i++ {
		if i > 1<<22 {
			fatal("%s: condition never reached after %d inserts", prefix, i)
		}
		if i%2 == 0 {
			m[fmt.Sprintf("%s:%d", prefix, i)] = i * 11
		} else {
			m[fmt.Sprintf("%s:%d", prefix, i)] = fmt.Sprintf("%s-value-%d", prefix, i)
		}
	}
	return i
}

const (
	registryN = 200
	entriesN  = 24
)

var (
	itemPattern  = []byte("coroner:registry:")
	entryPattern = []byte("coroner:entries:")
	nestedKeys   = []string{"flat-map", "flat-slice", "two-levels", "three-levels", "four-levels", "empty-map", "scalar"}
)

// buildRegistry fills main.registry with values of 4 kinds, none of them
// (nor their keys) a tiny-allocator object: its retained size is exact.
func buildRegistry() {
	registry = make(map[string]interface{}, 512) // B=7 (8 spare overflow buckets) / one table: size fixed
	for i := 0; i < registryN; i++ {
		k := heapString("registry:object-", i)
		switch i % 4 {
		case 0:
			it := &Item{Name: heapString("item-name-", i), Data: make([]byte, 32+16*(i%8))}
			patternWith(it.Data, itemPattern)
			registry[k] = it
		case 1:
			registry[k] = heapString("registry-value-", i)
		case 2:
			b := make([]byte, 16+8*(i%5))
			patternWith(b, itemPattern)
			registry[k] = b
		case 3:
			registry[k] = map[string]interface{}{"owner": heapString("owner-", i), "blob": make([]byte, 48), "n": i % 200}
		}
	}
}

// nestedValue builds the value stored under nestedKeys[i]: containers
// nested up to 4 levels; leaves are small ints and bools (no allocation:
// runtime.staticuint64s), string constants, heap strings >= 16 bytes and
// []byte (never tiny objects).
func nestedValue(i int) interface{} {
	switch nestedKeys[i] {
	case "flat-map": // depth 1, 3 leaves
		return map[string]interface{}{"a": 1, "b": true, "c": heapString("flat-map-string-", i)}
	case "flat-slice": // depth 1, 3 leaves
		return []interface{}{7, false, heapString("flat-slice-string-", i)}
	case "two-levels": // depth 2, 5 leaves
		return map[string]interface{}{
			"inner": map[string]interface{}{"x": 1, "y": heapString("two-levels-y-", i)},
			"list":  []interface{}{3, 4},
			"z":     5,
		}
	case "three-levels": // depth 3, 3 leaves
		return []interface{}{map[string]interface{}{"m": []interface{}{heapString("three-levels-leaf-", i), 7}}, 8}
	case "four-levels": // depth 4, 2 leaves
		return map[string]interface{}{"l1": map[string]interface{}{
			"l2": []interface{}{map[string]interface{}{"l4": make([]byte, 48), "n": 9}}}}
	case "empty-map": // depth 1, 0 leaves
		return map[string]interface{}{}
	default: // "scalar": depth 0, 1 leaf
		return heapString("nested-scalar-value-", i)
	}
}

func funcName(f interface{}) string {
	if fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer()); fn != nil {
		return fn.Name()
	}
	return ""
}

func rootTruth(kind string, p interface{}, fn, notes string) RuntimeRootTruth {
	v := reflect.ValueOf(p)
	return RuntimeRootTruth{Kind: kind, Addr: hexAddr(v.Pointer()), Type: v.Type().Elem().String(),
		Size: v.Type().Elem().Size(), Func: fn, Notes: notes}
}

// makeRuntimeRoots makes one payload per runtime root kind, each reachable
// only through that runtime structure.  The defer and panic goroutines
// report their payloads on out and themselves on reports.
//
//go:noinline
func makeRuntimeRoots(reports chan<- goReport, out chan<- RuntimeRootTruth) []RuntimeRootTruth {
	var roots []RuntimeRootTruth

	// A finalizer whose closure captures its own object: the runtime marks
	// the finalizer's fn from the span's specials, so the object is never
	// unreachable and the finalizer never runs (the classic finalizer leak).
	fin := &FinalizedObj{Tag: "finalized", Data: make([]byte, 4096)}
	finFn := func(*FinalizedObj) { runtimeSink = fin }
	runtime.SetFinalizer(fin, finFn)
	roots = append(roots, rootTruth("finalizer", fin, funcName(finFn),
		"runtime.SetFinalizer(obj, closure capturing obj): kept alive by its finalizer's fn"))

	if r := addCleanupRoot(); r != nil { // Go >= 1.24
		roots = append(roots, *r)
	}
	if r := addWeakRoot(); r != nil { // Go >= 1.24
		roots = append(roots, *r)
	}

	// A timer an hour away whose closure captures its payload.
	tp := &TimerPayload{Tag: "timer", Data: make([]byte, 2560)}
	timerFn := func() { runtimeSink = tp }
	time.AfterFunc(time.Hour, timerFn)
	roots = append(roots, rootTruth("timer", tp, funcName(timerFn), "time.AfterFunc(1h, closure capturing it)"))

	// A goroutine parked inside a function with a defer in a loop: that
	// _defer record is heap-allocated (deferproc), its closure captures the
	// payload.
	go func() {
		p := &DeferPayload{Tag: "defer", Data: make([]byte, 3072)}
		out <- rootTruth("defer", p, "", "heap _defer record (defer in a loop), closure capturing it")
		for i := 0; i < 1; i++ {
			defer func() { runtimeSink = p }()
		}
		reports <- goReport{role: "defer_holder", id: curGoid()}
		<-deferBlock
	}()

	// A goroutine panicking with the payload as panic value, parked in a
	// deferred call that never returns.
	go func() {
		p := &PanicValue{Tag: "panic", Data: make([]byte, 1536)}
		out <- rootTruth("panic", p, "", "panic(p) while a deferred call blocks forever")
		defer func() { <-panicBlock }()
		reports <- goReport{role: "panicking", id: curGoid()}
		panic(p)
	}()
	return roots
}

type goReport struct {
	role string
	id   int64
	addr uintptr // map header (goroutine-local) or payload map header
	data uintptr // payload first byte
}

func main() {
	n := flag.Int("n", 20000, "entries in main.cache")
	truthPath := flag.String("truth", "", "write ground truth JSON here (required)")
	dev := flag.Bool("devcheck", false, "development: after readiness, check that nothing was allocated")
	flag.Parse()
	if *truthPath == "" {
		fatal("-truth PATH is required")
	}
	rng := rand.New(rand.NewSource(42))
	t := newTruth("shapes")
	reports := make(chan goReport, 32)

	// (a) the big global cache
	fillCache(*n, rng)

	bigPtrs = new(BigPtrs)
	for i := range bigPtrs {
		if i%1000 == 0 {
			bigPtrs[i] = new(int)
		}
	}

	// Exactly headeredN objects of one type with a malloc header (Go >= 1.22).
	headered = make([]*Headered, headeredN)
	for i := range headered {
		headered[i] = &Headered{}
		if i > 0 {
			headered[i].Next = headered[i-1]
		}
	}

	// (d) a map caught mid-growth, a map with overflow buckets, tombstones
	growing = make(map[string]interface{})
	growInserts := 0
	if mapImpl == "hmap" {
		// From 1,000 entries on, stop right after an insert that started a
		// grow: that insert evacuates at most 2 of the 2^(B-1) old buckets,
		// and no later write finishes the job.
		growInserts = fillUntil(growing, "grow", 1000, func() bool { return mapGrowing(growing) })
	} else {
		growInserts = fillUntil(growing, "grow", 1665, func() bool { return true })
	}
	overflowing = make(map[string]interface{})
	ovfInserts := 0
	if mapImpl == "hmap" {
		ovfInserts = fillUntil(overflowing, "ovf", 500, func() bool {
			return !mapGrowing(overflowing) && mapNOverflow(overflowing) > 0
		})
	} else {
		ovfInserts = fillUntil(overflowing, "ovf", 500, func() bool { return true })
	}
	// Everything from here to the goroutines is measured (measureRetained):
	// main is the only user goroutine, and the builds make no tiny objects.
	settleHeap()
	retained := map[string]*int64{}
	// main.tombstoned has no retained_bytes: its size depends on the hash
	// seed (overflow buckets, table splits), so it cannot be measured twice.
	tombstoned = make(map[int64]int64)
	for i := int64(0); i < 4096; i++ {
		tombstoned[i] = i * i
	}
	deleted := 0
	for i := int64(0); i < 4096; i += 3 {
		delete(tombstoned, i)
		deleted++
	}

	// (e) keys and values over 128 bytes: stored indirectly by the runtime
	retained["main.bigkv"] = exact(measureRetained(func() { bigkv = nil }, func() {
		bigkv = make(map[[200]byte][300]byte, 512) // B=7 (8 spare overflow buckets) / one table: size fixed
		for i := 0; i < 300; i++ {
			var k [200]byte
			var v [300]byte
			pattern(k[:], heapString("bigkey-", i))
			pattern(v[:], heapString("bigval-", i))
			bigkv[k] = v
		}
	}, true))

	// (g) main.registry: exact retained size
	retained["main.registry"] = exact(measureRetained(func() { registry = nil }, buildRegistry, true))

	// (h) main.entries: pre-sized, retained size of each entry
	entryKeys := make([]string, entriesN)
	var entryRet []EntryRetained
	entrySizes, entriesExact := measureSteps(func() {
		entries = nil
		for i := range entryKeys {
			entryKeys[i] = ""
		}
	}, 1+entriesN, func(i int) {
		if i == 0 {
			entries = make(map[string]*Entry, 64)
			return
		}
		i--
		k := heapString("entry:session-", i)
		e := &Entry{Name: heapString("entry-name-", i), Buf: make([]byte, 64+16*i)}
		patternWith(e.Buf, entryPattern)
		entries[k] = e
		entryKeys[i] = k
	})
	if entriesExact {
		total := int64(0)
		for i, n := range entrySizes {
			total += n
			if i > 0 {
				entryRet = append(entryRet, EntryRetained{Key: entryKeys[i-1], RetainedBytes: n})
			}
		}
		retained["main.entries"] = &total
	}

	// (i) main.nested: values nesting maps and slices, per-key shape and size
	var nestedRet []NestedTruth
	nestedSizes, nestedExact := measureSteps(func() { nested = nil }, 1+len(nestedKeys), func(i int) {
		if i == 0 {
			nested = make(map[string]interface{}, 16)
			return
		}
		nested[nestedKeys[i-1]] = nestedValue(i - 1)
	})
	if nestedExact {
		total := int64(0)
		for i, n := range nestedSizes {
			total += n
			if i > 0 {
				nestedRet = append(nestedRet, NestedTruth{Key: nestedKeys[i-1], RetainedBytes: n})
			}
		}
		retained["main.nested"] = &total
	}

	// (b) 3 maps, each holding a 1 MiB payload, for 3 goroutines that block
	// sending them: built and measured here, taken by each sender.
	payloadPatterns := [3][]byte{}
	for i := range payloadPatterns {
		payloadPatterns[i] = []byte(fmt.Sprintf("coroner:chan-payload-%d:", i))
	}
	payloadRetained := [3]*int64{}
	for i := 0; i < 3; i++ {
		payloadRetained[i] = exact(measureRetained(func() { payloadHandoff[i] = nil }, func() {
			payload := make([]byte, payloadSize)
			patternWith(payload, payloadPatterns[i])
			payloadHandoff[i] = payloadMsg{"payload": payload, "seq": i, "from": heapString("chan-payload-sender-", i)}
		}, true))
	}

	// (c) a map reachable only from a local variable of a goroutine's frame:
	// built and measured here, taken by the goroutine.
	localPattern := []byte("coroner:local:")
	localRetained := exact(measureRetained(func() { localHandoff = nil }, func() {
		local := make(map[string]interface{}, 512) // B=7 (8 spare overflow buckets) / one table: size fixed
		for i := 0; i < 300; i++ {
			switch i % 3 {
			case 0:
				b := &Blob{Data: make([]byte, 256)}
				patternWith(b.Data, localPattern)
				local[heapString("local:", i)] = b
			case 1:
				local[heapString("local:", i)] = heapString("local-string-", i)
			default:
				local[heapString("lref:", i)] = i % 256 // runtime.staticuint64s: no allocation
			}
		}
		localHandoff = local
	}, true))

	// Describe the handed-off maps now: after that only their goroutines
	// can reach them.
	for i := 0; i < 3; i++ {
		m := payloadHandoff[i]
		mt := describeMap("", m)
		mt.RetainedBytes = payloadRetained[i]
		payloadTruths[mt.Addr] = mt
		payloadAddrs[i] = [2]uintptr{reflect.ValueOf(m).Pointer(), reflect.ValueOf(m["payload"]).Pointer()}
	}
	localTruth := describeMap("goroutine-local", localHandoff)
	localTruth.RetainedBytes = localRetained

	for i := 0; i < 3; i++ {
		go func(i int) {
			m := payloadHandoff[i]
			payloadHandoff[i] = nil
			reports <- goReport{role: fmt.Sprintf("chan_sender_%d", i), id: curGoid(),
				addr: payloadAddrs[i][0], data: payloadAddrs[i][1]}
			payloadCh <- m
		}(i)
	}

	go func() {
		local := localHandoff
		localHandoff = nil
		id := curGoid()
		reports <- goReport{role: "local_map_holder", id: id, addr: reflect.ValueOf(local).Pointer()}
		<-quitLocal
		runtime.KeepAlive(local)
		fmt.Println(len(local))
	}()

	// (j) objects kept alive only by the runtime: finalizer, cleanup,
	// a heap defer record, a panic in flight, a timer.
	var rroots []RuntimeRootTruth
	rootReports := make(chan RuntimeRootTruth, 8)
	rroots = append(rroots, makeRuntimeRoots(reports, rootReports)...)

	// (f) goroutines in several states
	go func() { reports <- goReport{role: "chan_receive", id: curGoid()}; <-recvCh }()
	go func() {
		reports <- goReport{role: "select", id: curGoid()}
		select {
		case <-selA:
		case s := <-selB:
			_ = s
		case selC <- struct{}{}:
		}
	}()
	go func() {
		reports <- goReport{role: "sleep", id: curGoid()}
		time.Sleep(1000 * time.Hour)
	}()
	mu.Lock() // held by main forever
	go func() {
		reports <- goReport{role: "mutex_wait", id: curGoid()}
		mu.Lock()
	}()
	go func() {
		reports <- goReport{role: "busy", id: curGoid()}
		x := uint64(1)
		for { // never allocates, never blocks: running or runnable
			x = x*6364136223846793005 + 1442695040888963407
			if x == 0 {
				busySink = x
			}
		}
	}()
	if err := syscall.Pipe(pipeFDs[:]); err != nil {
		fatal("pipe: %v", err)
	}
	go func() {
		reports <- goReport{role: "syscall", id: curGoid()}
		syscall.Read(pipeFDs[0], pipeBuf) // blocking fd: stays in _Gsyscall
	}()

	// Collect who is who.
	const nGoroutines = 3 + 1 + 6 + 2
	want := map[int64][]string{}
	var senders []PayloadTruth
	var maps []MapTruth
	for i := 0; i < nGoroutines; i++ {
		r := <-reports
		role := r.role
		switch {
		case strings.HasPrefix(role, "chan_sender_"):
			want[r.id] = []string{"chan send"}
			senders = append(senders, PayloadTruth{Goroutine: r.id, MapName: "chan-payload-" + strings.TrimPrefix(role, "chan_sender_"),
				MapAddr: hexAddr(r.addr), PayloadAddr: hexAddr(r.data), PayloadLen: payloadSize})
			role = "chan_sender"
		case role == "local_map_holder", role == "chan_receive":
			want[r.id] = []string{"chan receive"}
		case role == "select":
			want[r.id] = []string{"select"}
		case role == "sleep":
			want[r.id] = []string{"sleep"}
		case role == "mutex_wait":
			want[r.id] = []string{"sync.Mutex.Lock", "semacquire"} // 1.21+ / 1.19
		case role == "busy":
			want[r.id] = []string{"running", "runnable"}
		case role == "syscall":
			want[r.id] = []string{"syscall"}
		case role == "defer_holder", role == "panicking":
			want[r.id] = []string{"chan receive"}
		}
		t.Roles[role] = append(t.Roles[role], r.id)
	}
	t.Roles["mutex_holder"] = []int64{curGoid()} // main.main
	localTruth.ReachableFrom = fmt.Sprintf("local variable of goroutine %d (main.main.func*), blocked in chan receive",
		t.Roles["local_map_holder"][0])
	maps = append(maps, localTruth)
	for len(rootReports) > 0 {
		rroots = append(rroots, <-rootReports)
	}
	for i := range rroots {
		switch rroots[i].Kind {
		case "defer":
			rroots[i].Goroutine = t.Roles["defer_holder"][0]
		case "panic":
			rroots[i].Goroutine = t.Roles["panicking"][0]
		}
	}
	sort.Slice(rroots, func(i, j int) bool { return rroots[i].Kind < rroots[j].Kind })
	t.RuntimeRoots = rroots

	// Payload maps: describe them from the senders' reports.  The maps are
	// only reachable from the senders' stacks (sudog.elem points there).
	sort.Slice(senders, func(i, j int) bool { return senders[i].MapName < senders[j].MapName })
	sort.Slice(t.Roles["chan_sender"], func(i, j int) bool { return t.Roles["chan_sender"][i] < t.Roles["chan_sender"][j] })

	t.Goroutines = waitStates(want, 20*time.Second)
	assignRoles(t.Goroutines, t.Roles)

	add := func(name string, m interface{}, from, notes string) {
		mt := describeMap(name, m)
		mt.ReachableFrom, mt.Notes = from, notes
		mt.RetainedBytes = retained[name]
		maps = append(maps, mt)
	}
	add("main.cache", cache, "global main.cache", "")
	add("main.growing", growing, "global main.growing",
		fmt.Sprintf("inserted %d entries; Go<=1.23: stopped right after the insert that started a grow (internals.growing)", growInserts))
	add("main.overflowing", overflowing, "global main.overflowing",
		fmt.Sprintf("inserted %d entries; Go<=1.23: stopped once noverflow>0 and not growing", ovfInserts))
	add("main.tombstoned", tombstoned, "global main.tombstoned",
		"inserted keys 0..4095, deleted every key divisible by 3")
	add("main.bigkv", bigkv, "global main.bigkv", "key [200]byte and value [300]byte are stored indirectly (> 128 bytes)")
	add("main.registry", registry, "global main.registry",
		"values: *main.Item, strings, []byte and nested maps, keys >= 16 bytes: no tiny objects, exact retained_bytes")
	add("main.entries", entries, "global main.entries",
		fmt.Sprintf("make(map, 64), %d entries: entries_retained measured around each insert", entriesN))
	add("main.nested", nested, "global main.nested",
		"values nest map[string]interface{} and []interface{}; keys are string constants (see nested)")
	for i := range maps {
		switch maps[i].Name {
		case "main.tombstoned":
			maps[i].Internals.Deleted = &deleted
		case "main.entries":
			if entriesExact {
				maps[i].EntriesRetained = entryRet
			}
		case "main.nested":
			for _, n := range nestedRet {
				v := nested[n.Key]
				n.Type = fmt.Sprintf("%T", v)
				n.Depth, n.Leaves = nestedShape(v)
				maps[i].Nested = append(maps[i].Nested, n)
			}
		}
	}
	for _, p := range senders {
		mt := payloadTruths[p.MapAddr]
		mt.Name = p.MapName
		mt.ReachableFrom = fmt.Sprintf("stack of goroutine %d, blocked sending it on main.payloadCh", p.Goroutine)
		maps = append(maps, mt)
	}
	t.Maps = sortedMaps(maps)
	t.Channels = []ChannelTruth{
		{Name: "main.payloadCh", Addr: hexAddr(reflect.ValueOf(payloadCh).Pointer()), ElemType: reflect.TypeOf(payloadCh).Elem().String(),
			Senders: senders, Notes: "unbuffered, 3 blocked senders, no receiver"},
		{Name: "main.recvCh", Addr: hexAddr(reflect.ValueOf(recvCh).Pointer()), ElemType: "int", Notes: "1 blocked receiver (role chan_receive)"},
		{Name: "main.quitLocal", Addr: hexAddr(reflect.ValueOf(quitLocal).Pointer()), ElemType: "struct {}", Notes: "receiver: local_map_holder"},
		{Name: "main.selA", Addr: hexAddr(reflect.ValueOf(selA).Pointer()), ElemType: "int", Notes: "select case (recv)"},
		{Name: "main.selB", Addr: hexAddr(reflect.ValueOf(selB).Pointer()), ElemType: "string", Notes: "select case (recv)"},
		{Name: "main.selC", Addr: hexAddr(reflect.ValueOf(selC).Pointer()), ElemType: "struct {}", Notes: "select case (send)"},
	}
	t.Extra["cache_n"] = *n
	// The name, in the source below, of the local variable that alone holds
	// the goroutine-local map (part c): what DWARF should call its slot.
	t.Extra["local_map_var"] = "local"
	t.Extra["headered"] = map[string]interface{}{"type": reflect.TypeOf(Headered{}).String(), "count": len(headered)}
	// Every word of BigPtrs is a pointer: reflect says how many there are.
	bt := reflect.TypeOf(BigPtrs{})
	t.Extra["bigptrs"] = map[string]interface{}{"type": bt.String(), "size": bt.Size(), "pointer_words": bt.Len()}
	t.Extra["expected_states"] = map[string][]string{
		"chan_sender": {"chan send"}, "local_map_holder": {"chan receive"}, "chan_receive": {"chan receive"},
		"select": {"select"}, "sleep": {"sleep"}, "mutex_wait": {"sync.Mutex.Lock", "semacquire"},
		"busy": {"running", "runnable"}, "syscall": {"syscall"},
		"defer_holder": {"chan receive"}, "panicking": {"chan receive"},
		"mutex_holder": {"select (no cases)"}, // main, after the truth is written
	}
	t.Extra["goroutines_note"] = "runtime.Stack(buf, true) as printed before the final GC: user goroutines only, " +
		"runtime.* frames hidden; main (mutex_holder) was running then and sits in select{} at core time"
	t.Extra["pipe_fds"] = pipeFDs

	writeTruthAndReady(*truthPath, t)
	if *dev {
		devCheck(func() { devVerifyRetained(t) })
	}
	select {} // main holds mu; blocks forever without allocating
}

// devVerifyRetained (only with -devcheck): the retained sizes of the global
// maps measured again the other way round, by dropping each map.  Each of
// these is a single window (a rare runtime allocation, e.g. a sudog, can
// land in it), so a mismatch is reported, not failed.
func devVerifyRetained(t *Truth) {
	drop := map[string]func(){
		"main.registry": func() { registry = nil }, "main.entries": func() { entries = nil },
		"main.nested": func() { nested = nil }, "main.tombstoned": func() { tombstoned = nil },
		"main.bigkv": func() { bigkv = nil },
	}
	want := map[string]int64{}
	for _, m := range t.Maps {
		if m.RetainedBytes != nil && drop[m.Name] != nil {
			want[m.Name] = *m.RetainedBytes
		}
	}
	names := []string{"main.registry", "main.entries", "main.nested", "main.tombstoned", "main.bigkv"}
	var got [5]int64
	settleHeap()
	for i, n := range names {
		a := heapAllocAfterGC()
		drop[n]()
		b := heapAllocAfterGC()
		got[i] = int64(a) - int64(b)
	}
	for i, n := range names {
		if w, has := want[n]; has {
			fmt.Fprintf(os.Stderr, "devcheck: %s retained_bytes %d, %d freed when dropped\n", n, w, got[i])
		} else {
			fmt.Fprintf(os.Stderr, "devcheck: %s has no retained_bytes, %d freed when dropped\n", n, got[i])
		}
	}
}

// The payload maps are described by main before their senders take them.
var (
	payloadTruths = map[string]MapTruth{}
	payloadAddrs  [3][2]uintptr // map header, &payload[0]
)
