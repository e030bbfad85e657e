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
	bigkv = make(map[[200]byte][300]byte)
	for i := 0; i < 300; i++ {
		var k [200]byte
		var v [300]byte
		pattern(k[:], fmt.Sprintf("bigkey-%d", i))
		pattern(v[:], fmt.Sprintf("bigval-%d", i))
		bigkv[k] = v
	}

	// (b) 3 goroutines blocked sending a map that holds a 1 MiB payload
	for i := 0; i < 3; i++ {
		go func(i int) {
			payload := make([]byte, payloadSize)
			pattern(payload, fmt.Sprintf("chan-payload-%d", i))
			m := map[string]interface{}{"payload": payload, "seq": i, "from": fmt.Sprintf("sender-%d", i)}
			mt := describeMap("", m)
			payloadMu.Lock()
			payloadTruths[mt.Addr] = mt
			payloadMu.Unlock()
			reports <- goReport{role: fmt.Sprintf("chan_sender_%d", i), id: curGoid(),
				addr: reflect.ValueOf(m).Pointer(), data: reflect.ValueOf(payload).Pointer()}
			payloadCh <- m
		}(i)
	}

	// (c) a map reachable only from a local variable of a goroutine's frame
	go func() {
		local := make(map[string]interface{})
		for i := 0; i < 300; i++ {
			switch i % 3 {
			case 0:
				local[fmt.Sprintf("local:%d", i)] = newBlob(256, "local")
			case 1:
				local[fmt.Sprintf("local:%d", i)] = fmt.Sprintf("local-string-%d", i)
			default:
				local[fmt.Sprintf("lref:%d", i)] = 5000 + i
			}
		}
		localTruth := describeMap("goroutine-local", local)
		id := curGoid()
		localTruth.ReachableFrom = fmt.Sprintf("local variable of goroutine %d (main.main.func2), blocked in chan receive", id)
		localMapTruth <- localTruth
		reports <- goReport{role: "local_map_holder", id: id, addr: reflect.ValueOf(local).Pointer()}
		<-quitLocal
		runtime.KeepAlive(local)
		fmt.Println(len(local))
	}()

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
	const nGoroutines = 3 + 1 + 6
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
		}
		t.Roles[role] = append(t.Roles[role], r.id)
	}
	t.Roles["mutex_holder"] = []int64{curGoid()} // main.main
	maps = append(maps, <-localMapTruth)

	// Payload maps: describe them from the senders' reports.  The maps are
	// only reachable from the senders' stacks (sudog.elem points there).
	sort.Slice(senders, func(i, j int) bool { return senders[i].MapName < senders[j].MapName })
	sort.Slice(t.Roles["chan_sender"], func(i, j int) bool { return t.Roles["chan_sender"][i] < t.Roles["chan_sender"][j] })

	t.Goroutines = waitStates(want, 20*time.Second)
	assignRoles(t.Goroutines, t.Roles)

	add := func(name string, m interface{}, from, notes string) {
		mt := describeMap(name, m)
		mt.ReachableFrom, mt.Notes = from, notes
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
	for i := range maps {
		if maps[i].Name == "main.tombstoned" {
			maps[i].Internals.Deleted = &deleted
		}
	}
	payloadMu.Lock()
	defer payloadMu.Unlock()
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
		"mutex_holder": {"select (no cases)"}, // main, after the truth is written
	}
	t.Extra["goroutines_note"] = "runtime.Stack(buf, true) as printed before the final GC: user goroutines only, " +
		"runtime.* frames hidden; main (mutex_holder) was running then and sits in select{} at core time"
	t.Extra["pipe_fds"] = pipeFDs

	writeTruthAndReady(*truthPath, t)
	if *dev {
		devCheck()
	}
	select {} // main holds mu; blocks forever without allocating
}

// The payload maps are described by their senders before they block, since
// after that only the sender's frame can reach them.
var (
	localMapTruth = make(chan MapTruth, 1)
	payloadTruths = map[string]MapTruth{}
	payloadMu     sync.Mutex
)
