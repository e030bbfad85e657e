// Ground truth that a scenario program writes about itself: the test oracle
// for coroner.  cores/gen-matrix builds it into every scenario, next to the
// scenario's own files.  Standard library only, Go 1.19 API only.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MapTruth describes one named map.
type MapTruth struct {
	Name          string         `json:"name"`
	Addr          string         `json:"addr"` // map header: reflect.ValueOf(m).Pointer()
	Len           int            `json:"len"`
	KeyType       string         `json:"key_type"`
	ValueType     string         `json:"value_type"`
	KeySize       uintptr        `json:"key_size"`
	ValueSize     uintptr        `json:"value_size"`
	IndirectKey   bool           `json:"indirect_key"`   // key > 128 bytes: slot holds a pointer
	IndirectValue bool           `json:"indirect_value"` // value > 128 bytes
	ValueTypes    map[string]int `json:"value_types"`    // %T of each value (interface values: dynamic type)
	KeyPrefixes   map[string]int `json:"key_prefixes"`   // string keys: prefix up to the first ':'
	ReachableFrom string         `json:"reachable_from"`
	PayloadBytes  int            `json:"payload_bytes"` // sum of len([]byte) found directly or in *Blob/*Session values
	Internals     *MapInternals  `json:"internals,omitempty"`
	Notes         string         `json:"notes,omitempty"`
	// RetainedBytes: the bytes the map alone keeps alive (header, buckets
	// or groups/tables/directory, overflow buckets, key strings, values and
	// everything reachable only from them), measured by the runtime itself
	// (see measureRetained).  Omitted when not exact: a map holding
	// tiny-allocator objects (noscan, < 16 bytes: boxed ints/floats, short
	// strings) shares 16-byte blocks with objects outside it.
	RetainedBytes   *int64          `json:"retained_bytes,omitempty"`
	EntriesRetained []EntryRetained `json:"entries_retained,omitempty"`
	Nested          []NestedTruth   `json:"nested,omitempty"`
}

// EntryRetained is what inserting one entry into a pre-sized map (which
// therefore never grew) left alive: its key string and the value objects
// only that entry holds.  Measured like MapTruth.RetainedBytes.
type EntryRetained struct {
	Key           string `json:"key"`
	RetainedBytes int64  `json:"retained_bytes"`
}

// NestedTruth describes the value stored under Key of a
// map[string]interface{} whose values nest map[string]interface{} and
// []interface{} containers (see nestedShape).
//
//	depth: 0 for a non-container value; for a container (a
//	       map[string]interface{} or a []interface{}) 1 + the largest depth
//	       of its values (0 when empty): a flat map or slice of scalars is 1,
//	       each level of nesting adds 1.
//	leaves: the number of non-container values in the tree (a scalar value
//	       itself is 1 leaf; map keys are not counted; []byte and pointers
//	       are leaves).
//	retained_bytes: the bytes the value tree alone keeps alive, measured by
//	       the GC delta around building it and storing it under Key in the
//	       pre-sized map (so the map never grew).  The keys of that map are
//	       string constants (not heap objects), so this is the value tree
//	       only: what the object the interface points to retains.
type NestedTruth struct {
	Key           string `json:"key"`
	Type          string `json:"type"` // %T of the value
	Depth         int    `json:"depth"`
	Leaves        int    `json:"leaves"`
	RetainedBytes int64  `json:"retained_bytes"`
}

// RuntimeRootTruth is an object kept alive only by a runtime structure
// rather than by a global, a stack slot or a channel: a finalizer (the
// object's own finalizer closure captures it), a cleanup (its arg), a heap
// _defer record's closure, a panic's value, a timer's closure.
type RuntimeRootTruth struct {
	Kind      string  `json:"kind"`                // finalizer | cleanup | defer | panic | timer | weak handle
	Addr      string  `json:"addr"`                // the payload object
	Type      string  `json:"type"`                // reflect type of *addr ("main.PanicValue")
	Size      uintptr `json:"size"`                // its reflect size
	Goroutine int64   `json:"goroutine,omitempty"` // defer, panic: the goroutine holding it
	Func      string  `json:"func,omitempty"`      // the function the runtime holds (finalizer, defer, timer)
	Notes     string  `json:"notes,omitempty"`
}

// MapInternals is what the program could read of the runtime's own map
// header (through a mirrored struct; see maps_hmap.go / maps_swiss.go).
type MapInternals struct {
	Impl string `json:"impl"` // "hmap" (Go <= 1.23) or "swiss" (Go >= 1.24)
	// hmap
	B             *uint8  `json:"B,omitempty"`
	Flags         *uint8  `json:"flags,omitempty"`
	NOverflow     *uint16 `json:"noverflow,omitempty"`
	Buckets       string  `json:"buckets,omitempty"`
	OldBuckets    string  `json:"oldbuckets,omitempty"`
	NEvacuate     *uint64 `json:"nevacuate,omitempty"`
	Growing       bool    `json:"growing"`
	OverflowChain *int    `json:"overflow_buckets_walked,omitempty"` // overflow buckets found by walking 2^B buckets
	// swiss
	Used        *uint64 `json:"used,omitempty"`
	DirPtr      string  `json:"dir_ptr,omitempty"`
	DirLen      *int64  `json:"dir_len,omitempty"`
	GlobalDepth *uint8  `json:"global_depth,omitempty"`
	Tables      *int    `json:"tables,omitempty"`
	Groups      *int    `json:"groups,omitempty"`
	SlotsFull   *int    `json:"slots_full,omitempty"`
	Tombstones  *int    `json:"tombstones,omitempty"` // ctrl byte 0xFE
	SlotsEmpty  *int    `json:"slots_empty,omitempty"`
	// both
	Deleted  *int   `json:"deleted,omitempty"` // delete() calls the program made
	Verified bool   `json:"verified"`          // header count == len(m) (and walks agree)
	Error    string `json:"error,omitempty"`
}

// GoroutineTruth is one goroutine as printed by runtime.Stack(buf, true).
type GoroutineTruth struct {
	ID          int64    `json:"id"`
	GP          string   `json:"gp,omitempty"` // "gp=0x..." in the header (Go >= 1.23 with GOTRACEBACK>=system)
	State       string   `json:"state"`        // first field in [...]: "chan send", "select", "sleep", ...
	Header      string   `json:"header"`       // the whole [...] text
	HasWait     bool     `json:"has_wait"`     // header had ", N minutes"
	WaitMinutes int      `json:"wait_minutes"`
	Locked      bool     `json:"locked_to_thread"`
	Top         string   `json:"top"`
	Funcs       []string `json:"funcs"`
	CreatedBy   string   `json:"created_by,omitempty"`
	User        bool     `json:"user"` // some frame is in package main
	Role        string   `json:"role,omitempty"`
}

// Truth is the whole file, minus "memstats" which is appended last.
type Truth struct {
	Scenario     string                 `json:"scenario"`
	GoVersion    string                 `json:"go_version"`
	GOARCH       string                 `json:"goarch"`
	GOOS         string                 `json:"goos"`
	PID          int                    `json:"pid"`
	Exe          string                 `json:"exe"`
	Args         []string               `json:"args"`
	GOTRACEBACK  string                 `json:"gotraceback"`
	MapImpl      string                 `json:"map_impl"`
	Maps         []MapTruth             `json:"maps"`
	Goroutines   []GoroutineTruth       `json:"goroutines"`
	Roles        map[string][]int64     `json:"roles"`
	Channels     []ChannelTruth         `json:"channels"`
	RuntimeRoots []RuntimeRootTruth     `json:"runtime_roots,omitempty"`
	Extra        map[string]interface{} `json:"extra,omitempty"`
}

// ChannelTruth is a channel and the goroutines blocked on it.
type ChannelTruth struct {
	Name     string         `json:"name"`
	Addr     string         `json:"addr"` // hchan
	ElemType string         `json:"elem_type"`
	Cap      int            `json:"cap"`
	Len      int            `json:"len"`
	Senders  []PayloadTruth `json:"senders,omitempty"`
	Notes    string         `json:"notes,omitempty"`
}

// PayloadTruth is one value a blocked sender is trying to send.
type PayloadTruth struct {
	Goroutine   int64  `json:"goroutine"`
	MapName     string `json:"map_name"`
	MapAddr     string `json:"map_addr"`
	PayloadAddr string `json:"payload_addr"` // &payload[0]
	PayloadLen  int    `json:"payload_len"`
}

func hexAddr(p uintptr) string { return "0x" + strconv.FormatUint(uint64(p), 16) }

// curGoid parses "goroutine N [" from this goroutine's own stack header.
func curGoid() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	if len(f) < 2 {
		return -1
	}
	id, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return id
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

var headerRE = regexp.MustCompile(`^goroutine (\d+)((?: [^\[ ]+)*) \[([^\]]*)\]:$`)
var minutesRE = regexp.MustCompile(`^(\d+) minutes$`)

// parseStacks turns runtime.Stack(all) text into goroutine records.
func parseStacks(text string) []GoroutineTruth {
	var out []GoroutineTruth
	var cur *GoroutineTruth
	for _, line := range strings.Split(text, "\n") {
		if m := headerRE.FindStringSubmatch(line); m != nil {
			out = append(out, GoroutineTruth{Funcs: []string{}})
			cur = &out[len(out)-1]
			cur.ID, _ = strconv.ParseInt(m[1], 10, 64)
			for _, f := range strings.Fields(m[2]) {
				if strings.HasPrefix(f, "gp=") {
					cur.GP = f[3:]
				}
			}
			cur.Header = m[3]
			parts := strings.Split(m[3], ", ")
			cur.State = parts[0]
			for _, p := range parts[1:] {
				if mm := minutesRE.FindStringSubmatch(p); mm != nil {
					cur.HasWait = true
					cur.WaitMinutes, _ = strconv.Atoi(mm[1])
				} else if p == "locked to thread" {
					cur.Locked = true
				}
			}
			continue
		}
		if cur == nil || line == "" || strings.HasPrefix(line, "\t") {
			continue
		}
		if strings.HasPrefix(line, "created by ") {
			c := strings.TrimPrefix(line, "created by ")
			if i := strings.Index(c, " in goroutine "); i >= 0 {
				c = c[:i]
			}
			cur.CreatedBy = c
			continue
		}
		if strings.HasPrefix(line, "...") { // "...additional frames elided..."
			continue
		}
		name := line
		if i := strings.LastIndex(line, "("); i > 0 && strings.HasSuffix(line, ")") {
			name = line[:i]
		}
		if len(cur.Funcs) == 0 {
			cur.Top = name
		}
		cur.Funcs = append(cur.Funcs, name)
		if strings.HasPrefix(name, "main.") {
			cur.User = true
		}
	}
	return out
}

// waitStates polls runtime.Stack until every goroutine in want (id -> set of
// acceptable states) shows one of its states, so that the truth describes
// goroutines that are really parked, not on their way there.
func waitStates(want map[int64][]string, timeout time.Duration) []GoroutineTruth {
	deadline := time.Now().Add(timeout)
	for {
		gs := parseStacks(allStacks())
		ok := true
		var bad []string
		byID := map[int64]GoroutineTruth{}
		for _, g := range gs {
			byID[g.ID] = g
		}
		for id, states := range want {
			g, found := byID[id]
			match := false
			for _, s := range states {
				if found && g.State == s {
					match = true
				}
			}
			if !match {
				ok = false
				bad = append(bad, fmt.Sprintf("goroutine %d: %q not in %v", id, g.State, states))
			}
		}
		if ok {
			return gs
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "truth: goroutines never reached their states: %s\n", strings.Join(bad, "; "))
			os.Exit(3)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func assignRoles(gs []GoroutineTruth, roles map[string][]int64) {
	for i := range gs {
		for role, ids := range roles {
			for _, id := range ids {
				if gs[i].ID == id {
					gs[i].Role = role
				}
			}
		}
	}
}

// describeMap iterates m with reflect (which never grows or evacuates a map)
// and fills everything but Name/ReachableFrom/Notes.
func describeMap(name string, m interface{}) MapTruth {
	v := reflect.ValueOf(m)
	t := v.Type()
	mt := MapTruth{
		Name:          name,
		Addr:          hexAddr(v.Pointer()),
		Len:           v.Len(),
		KeyType:       t.Key().String(),
		ValueType:     t.Elem().String(),
		KeySize:       t.Key().Size(),
		ValueSize:     t.Elem().Size(),
		IndirectKey:   t.Key().Size() > 128,
		IndirectValue: t.Elem().Size() > 128,
		ValueTypes:    map[string]int{},
		KeyPrefixes:   map[string]int{},
	}
	it := v.MapRange()
	for it.Next() {
		k, e := it.Key(), it.Value()
		if k.Kind() == reflect.String {
			s := k.String()
			if i := strings.IndexByte(s, ':'); i >= 0 {
				s = s[:i]
			}
			mt.KeyPrefixes[s]++
		}
		var dyn interface{} = e.Interface()
		mt.ValueTypes[fmt.Sprintf("%T", dyn)]++
		mt.PayloadBytes += payloadBytes(dyn)
	}
	if len(mt.KeyPrefixes) == 0 {
		mt.KeyPrefixes = nil
	}
	mt.Internals = mapInternals(m)
	return mt
}

// payloadBytes counts []byte bytes directly in v or one level down in a
// struct pointer's []byte fields (e.g. *Blob.Data, *Session.Buf).
func payloadBytes(v interface{}) int {
	if b, ok := v.([]byte); ok {
		return len(b)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Ptr && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		s := rv.Elem()
		n := 0
		for i := 0; i < s.NumField(); i++ {
			f := s.Field(i)
			if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8 {
				n += f.Len()
			}
		}
		return n
	}
	return 0
}

// writeHeapProfile writes the runtime's heap profile beside the truth
// file; nil in a build without profiling (common/heapprofile.go).
var writeHeapProfile func(truthPath string)

// Everything the final memstats step touches is allocated up front.
var (
	finalMS    runtime.MemStats
	checkMS    runtime.MemStats
	readyBytes = []byte("R\n")
)

// writeTruthAndReady writes t plus a "memstats" object to path, then "R\n" to
// stdout.  The memstats are read right after a final runtime.GC() and the
// runtime's heap profile (writeHeapProfile, whose allocations stay behind as
// garbage), and nothing is allocated after them: the JSON is marshalled first into a buffer with
// spare capacity, the file is opened with syscall.Open before the GC, the
// numbers are appended with strconv.AppendUint, and the file is written and
// closed with raw syscalls.  Callers must have done every time.Sleep their
// goroutines will ever do at least once before (the first sleep of a
// goroutine allocates its timer).
func writeTruthAndReady(path string, t *Truth) {
	t.Extra["mem_profile_rate"] = runtime.MemProfileRate
	t.Extra["heap_profile"] = writeHeapProfile != nil
	js, err := json.MarshalIndent(t, "", " ")
	if err != nil {
		fatal("marshal truth: %v", err)
	}
	js = js[:len(js)-2] // drop "\n}"
	buf := make([]byte, 0, len(js)+16384)
	buf = append(buf, js...)
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		fatal("open %s: %v", path, err)
	}
	// Warm-up.  The caller's first sleep allocates its timer.  After a GC,
	// sysmon wakes the background scavenger, which may start a new M (malg:
	// 2 allocations) and grow a P's timer heap (1 allocation): observed on
	// go1.19-1.27.  So: GC, read the stats, and accept them only if Mallocs
	// stays put for a quiet period afterwards; otherwise do it again.  The
	// stats written are those read right after the final runtime.GC().
	rounds := uint64(0)
	for {
		rounds++
		runtime.GC()
		if writeHeapProfile != nil {
			writeHeapProfile(path)
		}
		runtime.ReadMemStats(&finalMS)
		time.Sleep(500 * time.Millisecond)
		runtime.ReadMemStats(&checkMS)
		if checkMS.Mallocs == finalMS.Mallocs && checkMS.Frees == finalMS.Frees {
			break
		}
		if rounds == 20 {
			fatal("memstats never settled: Mallocs %d -> %d", finalMS.Mallocs, checkMS.Mallocs)
		}
	}
	ms := &finalMS
	buf = append(buf, ",\n \"memstats\": {\"HeapAlloc\": "...)
	buf = strconv.AppendUint(buf, ms.HeapAlloc, 10)
	buf = append(buf, ", \"HeapObjects\": "...)
	buf = strconv.AppendUint(buf, ms.HeapObjects, 10)
	buf = append(buf, ", \"HeapInuse\": "...)
	buf = strconv.AppendUint(buf, ms.HeapInuse, 10)
	buf = append(buf, ", \"HeapIdle\": "...)
	buf = strconv.AppendUint(buf, ms.HeapIdle, 10)
	buf = append(buf, ", \"HeapReleased\": "...)
	buf = strconv.AppendUint(buf, ms.HeapReleased, 10)
	buf = append(buf, ", \"HeapSys\": "...)
	buf = strconv.AppendUint(buf, ms.HeapSys, 10)
	buf = append(buf, ", \"NextGC\": "...)
	buf = strconv.AppendUint(buf, ms.NextGC, 10)
	buf = append(buf, ", \"NumGC\": "...)
	buf = strconv.AppendUint(buf, uint64(ms.NumGC), 10)
	buf = append(buf, ", \"Mallocs\": "...)
	buf = strconv.AppendUint(buf, ms.Mallocs, 10)
	buf = append(buf, ", \"Frees\": "...)
	buf = strconv.AppendUint(buf, ms.Frees, 10)
	buf = append(buf, ", \"TotalAlloc\": "...)
	buf = strconv.AppendUint(buf, ms.TotalAlloc, 10)
	buf = append(buf, ", \"StackInuse\": "...)
	buf = strconv.AppendUint(buf, ms.StackInuse, 10)
	buf = append(buf, ", \"Sys\": "...)
	buf = strconv.AppendUint(buf, ms.Sys, 10)
	buf = append(buf, ", \"GOMAXPROCS\": "...)
	buf = strconv.AppendUint(buf, uint64(runtime.GOMAXPROCS(0)), 10)
	buf = append(buf, ", \"NumGoroutine\": "...)
	buf = strconv.AppendUint(buf, uint64(runtime.NumGoroutine()), 10)
	buf = append(buf, ", \"settle_rounds\": "...)
	buf = strconv.AppendUint(buf, rounds, 10)
	buf = append(buf, "}\n}\n"...)
	for len(buf) > 0 {
		n, err := syscall.Write(fd, buf)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			os.Exit(4) // no fmt here: it would allocate
		}
		buf = buf[n:]
	}
	if syscall.Fsync(fd) != nil || syscall.Close(fd) != nil {
		os.Exit(4)
	}
	syscall.Write(1, readyBytes)
}

// devCheck (only with -devcheck): after the readiness point, check that
// nothing was allocated, then exit.  Off in the matrix runs.
func devCheck(more func()) {
	before := finalMS
	// Spin instead of time.Sleep: adding main's timer to another P's timer
	// heap can grow that heap (an allocation caused by the check itself).
	for start := time.Now(); time.Since(start) < 500*time.Millisecond; {
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	fmt.Fprintf(os.Stderr, "devcheck: Mallocs %d -> %d, Frees %d -> %d, HeapAlloc %d -> %d, NumGC %d -> %d\n",
		before.Mallocs, after.Mallocs, before.Frees, after.Frees, before.HeapAlloc, after.HeapAlloc, before.NumGC, after.NumGC)
	if after.Mallocs != before.Mallocs || after.HeapAlloc != before.HeapAlloc {
		fmt.Fprintf(os.Stderr, "devcheck: FAIL: allocation after the readiness point\n")
		os.Exit(5)
	}
	fmt.Fprintf(os.Stderr, "devcheck: OK\n")
	if more != nil {
		more()
	}
	os.Exit(0)
}

func newTruth(scenario string) *Truth {
	exe, _ := os.Executable()
	return &Truth{
		Scenario:    scenario,
		GoVersion:   runtime.Version(),
		GOARCH:      runtime.GOARCH,
		GOOS:        runtime.GOOS,
		PID:         os.Getpid(),
		Exe:         exe,
		Args:        os.Args,
		GOTRACEBACK: os.Getenv("GOTRACEBACK"),
		MapImpl:     mapImpl,
		Roles:       map[string][]int64{},
		Extra:       map[string]interface{}{},
	}
}

func sortedMaps(ms []MapTruth) []MapTruth {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms
}

func fatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "scenario: "+format+"\n", args...)
	os.Exit(2)
}

// Exact retained sizes, measured by the runtime itself.  runtime.GC()
// returns after mark termination and a complete sweep, and ReadMemStats
// flushes every mcache, so HeapAlloc right after it counts exactly the live
// objects.  The bytes a build step leaves alive are then the HeapAlloc
// difference around it, provided
//   - nothing else allocates meanwhile (other user goroutines parked, the
//     runtime settled: settleHeap), checked by two collections in a row
//     before and after agreeing; and
//   - the step makes no tiny-allocator object (noscan and < 16 bytes): the
//     current tiny block of each P stays marked (gcMarkTinyAllocs), so even
//     a garbage tiny object could keep a fresh 16-byte block alive.  Keys
//     and strings are built with heapString, never fmt; small ints come
//     from runtime.staticuint64s (no allocation).
var measureMS runtime.MemStats

func heapAllocAfterGC() uint64 {
	runtime.GC()
	runtime.ReadMemStats(&measureMS)
	return measureMS.HeapAlloc
}

// settleHeap waits until a collection no longer makes the runtime allocate
// on its own (new Ms, timer heaps: see writeTruthAndReady).
func settleHeap() {
	for round := 0; round < 20; round++ {
		runtime.GC()
		runtime.ReadMemStats(&measureMS)
		m := measureMS.Mallocs
		time.Sleep(100 * time.Millisecond)
		runtime.ReadMemStats(&measureMS)
		if measureMS.Mallocs == m && round >= 2 {
			return
		}
	}
}

// measureRetained runs build and returns the bytes it left alive; ok is
// false if the heap was not quiet.  With undo (which must turn what build
// made into garbage) it tries again, 5 times at most; without, once.
// twice (needs undo; for builds whose size does not depend on the hash
// seed): a size is accepted only once it was seen three times — built,
// freed by undo, built again.  A stray runtime allocation (a sudog when a
// P's cache ran dry) inside a build window inflates that build but not the
// removal, so it cannot pass.
func measureRetained(undo func(), build func(), twice bool) (retained int64, ok bool) {
	verified := int64(-1)
	for attempt := 0; attempt < 8; attempt++ {
		warmSudogs()
		heapAllocAfterGC() // what the warm-up left survives one collection
		x := heapAllocAfterGC()
		a := heapAllocAfterGC()
		build()
		b := heapAllocAfterGC()
		c := heapAllocAfterGC()
		quiet := x == a && b == c && b >= a
		if quiet && (!twice || int64(b-a) == verified) {
			return int64(b - a), true
		}
		if undo == nil || (!twice && attempt == 4) {
			break
		}
		verified = -1
		warmSudogs()
		heapAllocAfterGC()
		y := heapAllocAfterGC()
		undo()
		z := heapAllocAfterGC()
		w := heapAllocAfterGC()
		if quiet && z == w && y >= z && int64(y-z) == int64(b-a) {
			verified = int64(b - a)
		}
	}
	return 0, false
}

// measureSteps measures step(0..n-1), each in its own window, after reset,
// and repeats the whole run (10 times at most) until, for every step, the
// smallest size it has shown was seen in two runs (the builds must not
// depend on hash seeds: pre-sized maps).  A stray runtime allocation inside
// a window (a sudog when a P's cache ran dry, 96-112 bytes, kept) only ever
// adds to a step, and can hit the same step in two runs — it did, on a
// go1.26 core: 368 for a 256-byte entry — so the smallest size confirmed
// twice is the step's, never merely one seen twice.  The objects of the last
// run are kept, complete even when !ok.
func measureSteps(reset func(), n int, step func(i int)) (sizes []int64, ok bool) {
	seen := make([]map[int64]int, n)
	for i := range seen {
		seen[i] = map[int64]int{}
	}
	sizes = make([]int64, n)
	for run := 0; run < 10; run++ {
		reset()
		for i := 0; i < n; i++ {
			if r, quiet := measureRetained(nil, func() { step(i) }, false); quiet {
				seen[i][r]++
			}
		}
		ok = true
		for i := 0; i < n; i++ {
			least, found := int64(0), false
			for r := range seen[i] {
				if !found || r < least {
					least, found = r, true
				}
			}
			sizes[i] = least
			ok = ok && found && seen[i][least] >= 2
		}
		if ok {
			return sizes, true
		}
	}
	return nil, false
}

// warmSudogs parks goroutines on a channel and wakes them, so that every
// P's sudog cache is stocked, not full: runtime.GC and ReadMemStats sometimes
// wait on a semaphore, and a P with an empty cache then allocates a sudog
// (96-112 bytes, never freed) — inside a measurement, if unlucky.
func warmSudogs() {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 96; i++ { // caches hold 128: neither empty nor full (a full one spills half)
		wg.Add(1)
		go func() { <-ch; wg.Done() }()
	}
	time.Sleep(5 * time.Millisecond)
	close(ch)
	wg.Wait()
}

// exact returns &n if ok: the truth omits sizes that are not exact.
func exact(n int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &n
}

// heapString returns prefix followed by i zero-padded to at least 16 bytes
// in all, as a new heap string: never a tiny-allocator object.
func heapString(prefix string, i int) string {
	var buf [96]byte
	b := append(buf[:0], prefix...)
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(i), 10)
	for pad := 16 - len(b) - len(d); pad > 0; pad-- {
		b = append(b, '0')
	}
	b = append(b, d...)
	return string(b)
}

// nestedShape computes depth and leaves as defined on NestedTruth.
func nestedShape(v interface{}) (depth, leaves int) {
	var kids []interface{}
	switch c := v.(type) {
	case map[string]interface{}:
		for _, x := range c {
			kids = append(kids, x)
		}
	case []interface{}:
		kids = c
	default:
		return 0, 1
	}
	for _, x := range kids {
		d, l := nestedShape(x)
		if d > depth {
			depth = d
		}
		leaves += l
	}
	return depth + 1, leaves
}
