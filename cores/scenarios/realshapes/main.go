// realshapes holds the shapes that real programs (cmd/compile, cmd/vet,
// nats-server) showed and the other scenarios lacked (issue 16):
//
//   - main.oddHeld.Odd: a struct with more than 128 pointer words (so Go
//     1.24+ builds its pointer mask on demand, walking its fields) whose
//     pointer-free fields sit at offsets that are not multiples of 8 (a
//     bool at 1285, like nats' server.Varz with a bool at 113), embedded
//     in the heap object main.oddHeld so that its own mask is never built;
//   - main.holder: a goroutine whose parameter b is the only thing that
//     keeps a *Blob alive across a blocking receive (the root must be named
//     "var b", not an unnamed slot);
//   - main.sharedKeys: a map whose string keys point into a read-only
//     shared file mapping (mmap MAP_SHARED, like the compiler's export
//     data), which neither the kernel nor gcore dumps: the bytes the core
//     does not hold must be counted as missing, and the map's warnings
//     must say they are keys;
//   - main.sharer: a goroutine that used slices (buf) before it blocks on
//     its jobs channel, so their stack slots may be reused: a pointer in
//     the frame must never be named after a slice's len or cap word, and
//     the channel must not be named after a slice;
//   - and those of moreshapes.go.
//
// It writes its ground truth (-truth PATH), prints "R\n" and blocks.
// Standard library only, Go 1.19 API.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Leaf is what the odd struct points at.
type Leaf struct {
	ID  int
	Tag [24]byte
}

// OddBig: 160 pointers, then pointer-free fields at unaligned offsets,
// then one more pointer.
type OddBig struct {
	Ptrs  [160]*Leaf
	Name  [5]byte
	Flag  bool   // offset 1285
	Count uint16 // offset 1286
	Tail  *Leaf  // offset 1288
}

// OddHolder embeds OddBig: the runtime builds OddHolder's mask when it
// scans one, walking into OddBig without caching OddBig's own mask, so a
// reader that wants OddBig's mask must build it from its fields.
type OddHolder struct {
	Head *Leaf
	Odd  OddBig
}

// Blob is the object only holder's parameter keeps alive.
type Blob struct {
	Data []byte
	Note string
}

// Job is what sharer receives.
type Job struct{ N int }

var (
	sharedKeys map[string]int // keys point into sharedMapping
	oddHeld    *OddHolder
	oddInner   *OddBig // points into *oddHeld
	sink       int
)

//go:noinline
func fill(b []byte, c byte) int {
	for i := range b {
		b[i] = c
	}
	return len(b)
}

//go:noinline
func holder(b *Blob, ready chan<- int64, stop <-chan struct{}) {
	ready <- curGoid()
	<-stop
	runtime.KeepAlive(b)
}

//go:noinline
func sharer(jobs chan *Job, ready chan<- int64) {
	total := 0
	for i := 0; i < 4; i++ {
		buf := make([]byte, 100+i)
		total += fill(buf, byte(i))
		sink += cap(buf)
	}
	pre := make([]byte, 64)
	total += fill(pre, 'p')
	sink += total
	ready <- curGoid()
	for j := range jobs {
		sink += j.N
	}
}

func main() {
	truthPath := flag.String("truth", "", "write ground truth JSON here (required)")
	dev := flag.Bool("devcheck", false, "development: after readiness, check that nothing was allocated")
	flag.Parse()
	if *truthPath == "" {
		fatal("-truth PATH is required")
	}
	t := newTruth("realshapes")

	oddHeld = &OddHolder{Head: &Leaf{ID: -2}}
	odd := &oddHeld.Odd
	odd.Count, odd.Flag = 7, true
	copy(odd.Name[:], "odd!!")
	for i := range odd.Ptrs {
		odd.Ptrs[i] = &Leaf{ID: i}
	}
	odd.Tail = &Leaf{ID: -1}
	oddInner = odd
	ot := reflect.TypeOf(*odd)
	ptrWords := 0
	for i := 0; i < ot.NumField(); i++ {
		f := ot.Field(i)
		switch f.Type.Kind() {
		case reflect.Ptr:
			ptrWords++
		case reflect.Array:
			if f.Type.Elem().Kind() == reflect.Ptr {
				ptrWords += f.Type.Len()
			}
		}
	}
	t.Extra["odd"] = map[string]interface{}{
		"global": "main.oddHeld", "field": "Odd", "holder": hexAddr(uintptr(unsafe.Pointer(oddHeld))),
		"holder_type": reflect.TypeOf(*oddHeld).String(), "holder_size": reflect.TypeOf(*oddHeld).Size(),
		"addr": hexAddr(uintptr(unsafe.Pointer(odd))), "type": ot.String(),
		"size": ot.Size(), "pointer_words": ptrWords,
		"flag_offset": unsafe.Offsetof(odd.Flag), "count_offset": unsafe.Offsetof(odd.Count),
		"tail": hexAddr(uintptr(unsafe.Pointer(odd.Tail))), "tail_field": "Tail",
	}

	// A shared read-only file mapping, and map keys that point into it.
	const mappingSize = 1 << 20
	const nSharedKeys = 64
	dir, err := os.MkdirTemp("", "realshapes")
	if err != nil {
		fatal("%v", err)
	}
	path := filepath.Join(dir, "export-data")
	content := make([]byte, mappingSize)
	for i := 0; i < nSharedKeys; i++ {
		copy(content[i*64:], fmt.Sprintf("sym:%04d", i))
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		fatal("%v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		fatal("%v", err)
	}
	mapping, err := syscall.Mmap(int(f.Fd()), 0, mappingSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		fatal("mmap: %v", err)
	}
	f.Close()
	sharedKeys = make(map[string]int, nSharedKeys)
	for i := 0; i < nSharedKeys; i++ {
		b := mapping[i*64 : i*64+8]
		sharedKeys[*(*string)(unsafe.Pointer(&b))] = i // a string header over the mapping's bytes
	}
	t.Extra["shared_mapping"] = map[string]interface{}{
		"start": hexAddr(uintptr(unsafe.Pointer(&mapping[0]))), "size": mappingSize, "path": path,
		"map": "main.sharedKeys", "map_addr": hexAddr(reflect.ValueOf(sharedKeys).Pointer()), "keys": nSharedKeys,
	}

	// A sleeper, so that the runtime never finds every goroutine blocked.
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
	ready := make(chan int64)
	stop := make(chan struct{})
	// A 4 MiB payload: the leak a parameter pins, and a heap large enough
	// that the runtime's own untyped small objects (about 1.5 KB on Go
	// 1.25+) are not 0.1% of it.
	blob := &Blob{Data: make([]byte, 4<<20), Note: "held by holder's b"}
	fill(blob.Data, 'b')
	blobAddr := hexAddr(uintptr(unsafe.Pointer(blob)))
	go holder(blob, ready, stop)
	holderID := <-ready
	moreShapes(t, blob, stop)
	blob = nil

	jobs := make(chan *Job)
	go sharer(jobs, ready)
	sharerID := <-ready

	t.Roles["holder"] = []int64{holderID}
	t.Roles["sharer"] = []int64{sharerID}
	t.Roles["main"] = []int64{curGoid()}
	t.Goroutines = waitStates(map[int64][]string{holderID: {"chan receive"}, sharerID: {"chan receive"},
		t.Roles["ranger"][0]: {"chan receive"}, t.Roles["stack_map_worker"][0]: {"chan receive"}}, 20*time.Second)
	assignRoles(t.Goroutines, t.Roles)
	t.Extra["held_by_param"] = map[string]interface{}{
		"addr": blobAddr, "type": "main.Blob", "goroutine": holderID, "func": "main.holder", "var": "b",
	}
	t.Extra["shared_slots"] = map[string]interface{}{
		"goroutine": sharerID, "func": "main.sharer",
		"chan": hexAddr(reflect.ValueOf(jobs).Pointer()), "chan_vars": []string{"jobs"},
		"slice_vars": []string{"buf", "pre"},
	}
	t.Maps = []MapTruth{} // none here: the other scenarios have the maps
	t.Channels = []ChannelTruth{{Name: "main.sharer jobs", Addr: hexAddr(reflect.ValueOf(jobs).Pointer()),
		ElemType: "*main.Job", Cap: cap(jobs), Len: len(jobs), Notes: "sharer blocked receiving"}}
	t.Extra["expected_states"] = map[string][]string{"holder": {"chan receive"}, "sharer": {"chan receive"},
		"ranger": {"chan receive"}, "stack_map_worker": {"chan receive"}, "main": {"select (no cases)"}}
	t.Extra["goroutines_note"] = "runtime.Stack(buf, true) as printed before the final GC"

	writeTruthAndReady(*truthPath, t)
	if *dev {
		devCheck(nil)
	}
	runtime.KeepAlive(stop)
	select {}
}
