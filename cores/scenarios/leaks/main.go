// leaks plants the leaks Go services have, each with its truth, so that
// coroner's report can be checked to lead with them (issue 15):
//   - a goroutine leak: leakN goroutines started by main.(*Service).handle,
//     parked forever receiving from a channel nobody sends on, each holding
//     a buffer and a map in its frame (main.(*Service).wait: buf, seen);
//   - an LRU cache (hashicorp/golang-lru, Debian's copy) in main.cache,
//     holding JSON-decoded map[string]interface{} values under string keys
//     "order:…" (its map is map[interface{}]*list.Element: interface keys);
//   - main.pending, a []*Job re-sliced to length 1 that pins its whole
//     backing array (cap pendingCap) and every Job in it;
//   - main.index, whose 22-byte keys are substrings of 64 KiB strings;
//   - a map held only by a time.AfterFunc closure, next to a goroutine
//     (created by the same function) that does not reference it.
//
// Retained sizes are HeapAlloc deltas around each build (measureRetained).
// The program writes its truth (-truth PATH), prints "R\n" and blocks.
package main

import (
	"container/list"
	"encoding/json"
	"flag"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	lru "github.com/hashicorp/golang-lru"
)

const (
	leakBufBytes  = 16384
	leakMapLen    = 8
	pendingCap    = 3553
	jobPayload    = 256
	substrBig     = 64 << 10
	substrKeyLen  = 22
	substrKeyAt   = 1000
	substrCount   = 32
	reporterKeys  = 8
	lruCapacity   = 10000
	lruEntries    = 3000
	lruKeyPrefix  = "order:"
	leakGroupSite = "main.(*Service).handle"
)

// Service starts one goroutine per "request" that waits for a reply that
// never comes (the leak).
type Service struct {
	done chan struct{} // never closed, never sent on
}

// workerState is what one leaked goroutine holds in its frame.
type workerState struct {
	buf  []byte
	seen map[string]int
}

// Job is what main.pending holds.
type Job struct {
	ID      int64
	Payload []byte
}

var (
	svc             = &Service{done: make(chan struct{})}
	handoff         []workerState            // filled (measured) by main, emptied by each goroutine
	started         = make(chan int64, 1024) // the leaked goroutines' ids
	reporterStarted = make(chan int64, 1)
	cache           *lru.Cache
	pending         []*Job
	index           map[string]int
	reporter        = make(chan int) // the reporter goroutine's channel, never sent on
	timerMap        map[string]int   // only while measuring; then held by the timer alone
	sinkN           int
)

// sink uses the contents of b and m (not only their lengths), so a caller's
// frame keeps both pointers live up to the call.
//
//go:noinline
func sink(b []byte, m map[string]int) {
	for _, c := range b {
		sinkN += int(c)
	}
	for _, v := range m {
		sinkN += v
	}
	runtime.KeepAlive(b)
	runtime.KeepAlive(m)
}

func fill(b []byte, tag string) {
	for i := range b {
		b[i] = tag[i%len(tag)]
	}
}

// handle is the creation site of the leaked goroutines.
func (s *Service) handle(i int) {
	go s.wait(i)
}

// wait takes its state and parks forever: buf and seen stay live in its
// frame because they are used after the receive.
func (s *Service) wait(i int) {
	st := handoff[i]
	handoff[i] = workerState{}
	buf, seen := st.buf, st.seen
	started <- curGoid()
	<-s.done
	sink(buf, seen)
}

// jsonDoc is the i-th cached document: strings of 16 bytes or more, bools
// and nested objects only (no numbers: a float64 in an interface is an
// 8-byte tiny-allocator object, which would make the measurement inexact),
// objects of at most 8 keys (one bucket / group: a fixed size).
func jsonDoc(i int) []byte {
	s := func(p string) string { return strconv.Quote(heapString(p, i)) }
	return []byte(`{"order_reference_code":` + s("order-ref-") +
		`,"customer_display_name":` + s("customer-") +
		`,"shipping_is_express":` + strconv.FormatBool(i%3 == 0) +
		`,"line_items_detailed":[{"product_sku_code":` + s("sku-code-") +
		`,"product_title_text":` + s("product-title-") + `},{"product_sku_code":` + s("sku-alt-") +
		`,"gift_wrapping_selected":false}]}`)
}

// measuredBuild is measureRetained(undo, build, twice) that always leaves
// build's objects in place: when the heap never settled, its last attempt
// may end with undo, so build runs once more (unmeasured: the truth then
// omits the size).
func measuredBuild(undo func(), build func()) *int64 {
	r, ok := measureRetained(undo, build, true)
	if !ok {
		undo()
		build()
	}
	return exact(r, ok)
}

// measureRetainedTinyGarbage is measureRetained (once, up to 5 attempts)
// for a build that makes tiny-allocator garbage: encoding/json's scanner
// appends to an []int (8 bytes, noscan).  Its last tiny block is still each
// P's current block at the first collection after the build, which marks it
// (gcMarkTinyAllocs), so it survives one collection more: the size is read
// after the second collection, and accepted when a third agrees and the
// first saw at most that one 16-byte block more.
func measureRetainedTinyGarbage(undo func(), build func()) (int64, bool) {
	for attempt := 0; attempt < 5; attempt++ {
		warmSudogs()
		heapAllocAfterGC()
		x := heapAllocAfterGC()
		a := heapAllocAfterGC()
		build()
		b := heapAllocAfterGC()
		c := heapAllocAfterGC()
		d := heapAllocAfterGC()
		if x == a && c == d && (b == c || b == c+16) && c >= a {
			return int64(c - a), true
		}
		if attempt == 4 {
			break // keep what the last build made: not exact, but there
		}
		undo()
	}
	return 0, false
}

// lruItems is the cache's own map (unexported: read through reflect and
// unsafe, never modified).
func lruItems(c *lru.Cache) (items map[interface{}]*list.Element, inner, itemsAddr uintptr) {
	lv := reflect.ValueOf(c).Elem().FieldByName("lru") // simplelru.LRUCache (interface)
	p := lv.Elem()                                     // *simplelru.LRU
	inner = p.Pointer()
	f := p.Elem().FieldByName("items")
	items = *(*map[interface{}]*list.Element)(unsafe.Pointer(f.UnsafeAddr()))
	return items, inner, reflect.ValueOf(items).Pointer()
}

// creationLine finds "created by FUNC" in the all-goroutines traceback and
// returns the file:line printed under it.
func creationLine(fn string) string {
	lines := strings.Split(allStacks(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "created by "+fn) && i+1 < len(lines) {
			loc := strings.TrimSpace(lines[i+1])
			if j := strings.LastIndex(loc, " +0x"); j >= 0 {
				loc = loc[:j]
			}
			return loc
		}
	}
	return ""
}

func main() {
	nleak := flag.Int("leaked", 500, "leaked goroutines")
	truthPath := flag.String("truth", "", "write ground truth JSON here (required)")
	dev := flag.Bool("devcheck", false, "development: after readiness, check that nothing was allocated")
	flag.Parse()
	if *truthPath == "" {
		fatal("-truth PATH is required")
	}
	t := newTruth("leaks")
	n := *nleak
	handoff = make([]workerState, n)
	docs := make([][]byte, lruEntries)
	keys := make([]string, lruEntries)
	for i := range docs {
		docs[i] = jsonDoc(i)
	}
	var bigs [substrCount][]byte
	for i := range bigs {
		bigs[i] = make([]byte, substrBig)
		fill(bigs[i], "coroner:substring:")
		copy(bigs[i][substrKeyAt:], heapString("idx:key-", i)+"-pad--") // 22 bytes, unique
	}
	settleHeap()

	// (a) the goroutine leak: the buffers and maps its frames will hold.
	groupRetained := measuredBuild(func() {
		for i := range handoff {
			handoff[i] = workerState{}
		}
	}, func() {
		for i := range handoff {
			st := workerState{buf: make([]byte, leakBufBytes), seen: make(map[string]int, leakMapLen)}
			fill(st.buf, "coroner:leaked-goroutine:")
			for k := 0; k < leakMapLen; k++ {
				st.seen[heapString("seen:peer-", i*leakMapLen+k)] = k
			}
			handoff[i] = st
		}
	})
	bufAddrs := make([]uintptr, n)
	mapAddrs := make([]uintptr, n)
	for i, st := range handoff {
		bufAddrs[i] = uintptr(unsafe.Pointer(&st.buf[0]))
		mapAddrs[i] = reflect.ValueOf(st.seen).Pointer()
	}

	// (b) the LRU cache of decoded JSON documents (its map grows: the
	// size depends on the hash seed, so it is measured once, not twice).
	lruRetained := exact(measureRetainedTinyGarbage(func() {
		cache = nil
		for i := range keys {
			keys[i] = ""
		}
	}, func() {
		c, err := lru.New(lruCapacity)
		if err != nil {
			fatal("lru.New: %v", err)
		}
		for i := range docs {
			keys[i] = heapString(lruKeyPrefix, i) // made here: only the cache holds it
			var v interface{}                     // decoded without reflect: map[string]interface{}
			if err := json.Unmarshal(docs[i], &v); err != nil {
				fatal("json: %v", err)
			}
			c.Add(keys[i], v.(map[string]interface{}))
		}
		cache = c
	}))
	docs, keys = nil, nil

	// (c) a slice re-sliced to length 1: the whole backing array and every
	// Job in it stay alive.
	pendingRetained := measuredBuild(func() { pending = nil }, func() {
		p := make([]*Job, pendingCap)
		for i := range p {
			p[i] = &Job{ID: int64(i), Payload: make([]byte, jobPayload)}
		}
		pending = p[:1]
	})

	// (d) map keys that are substrings of 64 KiB strings.
	indexRetained := measuredBuild(func() { index = nil }, func() {
		m := make(map[string]int, substrCount)
		for i := range bigs {
			big := string(bigs[i])
			m[big[substrKeyAt:substrKeyAt+substrKeyLen]] = i
		}
		index = m
	})
	bigs = [substrCount][]byte{}

	// (e) a map only a timer's closure holds.
	timerRetained := measuredBuild(func() { timerMap = nil }, func() {
		m := make(map[string]int, reporterKeys)
		for i := 0; i < reporterKeys; i++ {
			m[heapString("metric:requests-", i)] = i // made here: only the map holds its keys
		}
		timerMap = m
	})
	timerAddr := reflect.ValueOf(timerMap).Pointer()
	startReporter()

	// The leaked goroutines, and the reporter.
	for i := 0; i < n; i++ {
		svc.handle(i)
	}
	want := map[int64][]string{}
	for i := 0; i < n; i++ {
		id := <-started
		t.Roles["leaked"] = append(t.Roles["leaked"], id)
		want[id] = []string{"chan receive"}
	}
	rid := <-reporterStarted
	t.Roles["reporter"] = []int64{rid}
	want[rid] = []string{"chan receive"}
	sort.Slice(t.Roles["leaked"], func(i, j int) bool { return t.Roles["leaked"][i] < t.Roles["leaked"][j] })
	t.Roles["main"] = []int64{curGoid()}
	t.Goroutines = waitStates(want, 30*time.Second)
	assignRoles(t.Goroutines, t.Roles)
	site := creationLine(leakGroupSite)

	items, innerAddr, itemsAddr := lruItems(cache)
	lruMap := describeMap("main.cache → .lru → .items", items)
	lruMap.ReachableFrom = "global main.cache"
	lruMap.Notes = "hashicorp/golang-lru simplelru.LRU.items: interface keys (strings " + lruKeyPrefix + "…)"
	idx := describeMap("main.index", index)
	idx.ReachableFrom = "global main.index"
	idx.RetainedBytes = indexRetained
	idx.Notes = "keys are 22-byte substrings of 64 KiB strings"
	tm := describeMap("timer-closure", timerMap)
	tm.ReachableFrom = "timer"
	tm.RetainedBytes = timerRetained
	tm.Notes = "held only by a time.AfterFunc closure; no goroutine references it"
	// t.Maps holds the maps a root holds directly (the other matrix tests
	// look each one up by its root); the LRU's map and the timer's are
	// described in extra.
	t.Maps = sortedMaps([]MapTruth{idx})
	t.Channels = []ChannelTruth{{Name: "main.svc.done", Addr: hexAddr(reflect.ValueOf(svc.done).Pointer()),
		ElemType: "struct {}", Cap: 0, Len: 0, Notes: "the leaked goroutines are blocked receiving"}}
	t.RuntimeRoots = []RuntimeRootTruth{{Kind: "timer", Addr: hexAddr(timerAddr), Type: "map[string]int",
		Size: reflect.TypeOf(timerMap).Size(), Func: "main.startReporter.func1",
		Notes: "the map is captured by the AfterFunc closure"}}
	timerMap = nil

	lruPrefixes := map[string]int{}
	for k := range items {
		s := k.(string)
		if i := strings.IndexByte(s, ':'); i >= 0 {
			s = s[:i+1]
		}
		lruPrefixes[s]++
	}
	elemSize := int64(unsafe.Sizeof((*Job)(nil)))
	var substrWaste int64
	for k := range index {
		substrWaste += int64(substrBig - len(k))
	}
	hex := func(ps []uintptr) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = hexAddr(p)
		}
		return out
	}
	t.Extra["planted_leaks"] = []map[string]interface{}{
		{"kind": "goroutines", "name": "leaked goroutines", "count": n, "state": "chan receive",
			"created_by": leakGroupSite, "creation_site": site,
			"frame": "main.(*Service).wait", "frame_vars": []string{"buf", "seen"},
			"retained_bytes": groupRetained, "buf_bytes": leakBufBytes, "map_len": leakMapLen,
			"buf_addrs": hex(bufAddrs), "map_addrs": hex(mapAddrs),
			"notes": "retained_bytes: the buffers and maps the frames hold (not the g structs, stacks or sudogs)"},
		{"kind": "lru", "name": "main.cache", "root": "main.cache", "addr": hexAddr(reflect.ValueOf(cache).Pointer()),
			"type": "*lru.Cache", "inner_addr": hexAddr(innerAddr), "inner_type": "*simplelru.LRU",
			"map_addr": hexAddr(itemsAddr), "map_path": ".lru → .items", "map_len": len(items),
			"key_prefixes": lruPrefixes, "value_type": "*list.Element",
			"entry_value_type": "map[string]interface {}", "retained_bytes": lruRetained, "map": lruMap},
		{"kind": "slice", "name": "main.pending", "root": "main.pending",
			"addr": hexAddr(uintptr(unsafe.Pointer(&pending[0]))), "type": "[]*main.Job",
			"len": len(pending), "cap": cap(pending), "elem_size": elemSize,
			"wasted_bytes": int64(cap(pending)-len(pending)) * elemSize, "retained_bytes": pendingRetained},
		{"kind": "substring_keys", "name": "main.index", "root": "main.index",
			"addr": hexAddr(reflect.ValueOf(index).Pointer()), "keys": len(index), "key_len": substrKeyLen,
			"string_len": substrBig, "wasted_bytes": substrWaste, "retained_bytes": indexRetained},
	}
	t.Extra["timer_map"] = map[string]interface{}{"addr": hexAddr(timerAddr), "reached_by_goroutines": []int64{},
		"retained_bytes": timerRetained, "reporter_goroutine": rid, "map": tm}
	t.Extra["expected_states"] = map[string][]string{"leaked": {"chan receive"}, "reporter": {"chan receive"}, "main": {"select (no cases)"}}
	t.Extra["goroutines_note"] = "runtime.Stack(buf, true) as printed before the final GC: user goroutines only, " +
		"runtime.* frames hidden; main was running then and sits in select{} at core time"
	items = nil

	writeTruthAndReady(*truthPath, t)
	if *dev {
		devCheck(nil)
	}
	select {}
}

// startReporter arms an hourly flush of the metrics map (the timer's
// closure is the only holder of timerMap's map) and starts a goroutine that
// waits for reports; that goroutine never references the map.
func startReporter() {
	m := timerMap
	time.AfterFunc(time.Hour, func() { sink(nil, m) })
	go func() {
		reporterStarted <- curGoid()
		for x := range reporter {
			sinkN += x
		}
	}()
}
