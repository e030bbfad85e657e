// More shapes of real programs (issue 16), each with its truth in
// t.Extra:
//
//   - iterated: a map a parked goroutine is ranging over, and that a
//     parked reflect.MapIter (a heap object) holds: the iterator holds the
//     header and the buckets (the table on Swiss maps) too, so what the map
//     retains is less than all it holds; every command must give one
//     figure for it;
//   - iface_field: an *Item held in an interface field of a heap object;
//   - slice_field: a heap object's slice field (Blob.Data) and its live
//     backing array: `object` shows ptr, len, cap and the array;
//   - static_globals: package variables initialised with a composite
//     literal's address (var x = &T{...}), which the compiler lays out in
//     the data segment, one of them a generic instance;
//   - stack_map: a function-local map that does not escape, so its header
//     stays in the worker's frame while its buckets or groups (and the
//     values) are on the heap.
//
// Standard library only, Go 1.19 API (generics: 1.18).
package main

import (
	"reflect"
	"runtime"
	"unsafe"
)

// Item is what the iterated and the stack-resident maps hold.
type Item struct {
	ID   int
	Name string
	Pad  [40]byte
}

// Node and FileSet: a non-generic static composite literal with a pointer
// field into the heap (like go/token's FileSet's tree).
type Node struct {
	Key  int
	Next *Node
	Pad  [48]byte
}

type FileSet struct {
	Base int
	Root *Node
}

// Profile and Cache: a generic instance (like cmd/go's
// Cache[string, *Profile]).
type Profile struct {
	Name string
	Hits [16]int
}

type Cache[K comparable, V any] struct {
	Label string
	Items map[K]V
}

// Holder keeps an *Item in an interface field: a path through it reads
// `.Store`, as the program writes it.
type Holder struct {
	Kind  int
	Store interface{}
}

var (
	ifaceHolder *Holder
	iterated    map[string]*Item
	iterating   *reflect.MapIter // over iterated
	fileSet     = &FileSet{Base: 1}
	profiles    = &Cache[string, *Profile]{Label: "profiles"}
	staticTop   *Node // nil: fileSet.Root is the only way to its chain
)

// mapHeaderAddr is the address of m's header, without m escaping (a
// uintptr load through &m).
//
//go:noinline
func mapHeaderAddr(m map[int]*Item) uintptr {
	return *(*uintptr)(unsafe.Pointer(&m))
}

//go:noinline
func newItem(i int) *Item {
	return &Item{ID: i, Name: heapString("item:", i)}
}

// ranger ranges over iterated and parks in the loop body.
//
//go:noinline
func ranger(ready chan<- int64, stop <-chan struct{}) {
	for k, v := range iterated {
		ready <- curGoid()
		<-stop
		sink += len(k) + v.ID
		break
	}
}

type stackMapReport struct {
	goid       int64
	header     uintptr
	n          int
	item       uintptr
	itemsBytes uintptr
}

// stackMapWorker grows a map that never leaves its frame, then parks.
//
//go:noinline
func stackMapWorker(n int, ready chan<- stackMapReport, stop <-chan struct{}) {
	local := make(map[int]*Item)
	for i := 0; i < n; i++ {
		local[i] = newItem(i)
	}
	r := stackMapReport{goid: curGoid(), header: mapHeaderAddr(local), n: len(local),
		item: uintptr(unsafe.Pointer(local[n/2])), itemsBytes: unsafe.Sizeof(Item{})}
	ready <- r
	<-stop
	for _, v := range local {
		sink += v.ID
	}
}

// moreShapes builds the shapes above and records their truth; stop keeps
// the goroutines parked.
func moreShapes(t *Truth, blob *Blob, stop <-chan struct{}) {
	// The iterated map: what it alone retains before anyone iterates.
	const nIterated = 200
	var build func()
	build = func() {
		m := make(map[string]*Item)
		for i := 0; i < nIterated; i++ {
			m[heapString("it:", i)] = newItem(i)
		}
		iterated = m
	}
	alone, ok := measureRetained(func() { iterated = nil }, build, false)
	// A reflect iterator, parked after its first entry in a heap object
	// (as reflection-driven encoders leave them): it holds the header and
	// the buckets (the current table on Swiss maps), so the map does not
	// dominate them.
	iterating = reflect.ValueOf(iterated).MapRange()
	iterating.Next()
	ready := make(chan int64)
	go ranger(ready, stop)
	rangerID := <-ready
	t.Roles["ranger"] = []int64{rangerID}
	t.Extra["iterated"] = map[string]interface{}{
		"map": "main.iterated", "addr": hexAddr(reflect.ValueOf(iterated).Pointer()), "len": len(iterated),
		"goroutine": rangerID, "func": "main.ranger", "iterator": "main.iterating",
		"retained_alone": exact(alone, ok), // before the iterator shared its internals
	}

	// The slice field of Blob.
	t.Extra["slice_field"] = map[string]interface{}{
		"object": hexAddr(uintptr(unsafe.Pointer(blob))), "field": ".Data",
		"ptr": hexAddr(uintptr(unsafe.Pointer(&blob.Data[0]))), "len": len(blob.Data), "cap": cap(blob.Data),
		"elem_type": "uint8",
	}

	// An interface field.
	ifaceHolder = &Holder{Kind: 1, Store: newItem(-7)}
	t.Extra["iface_field"] = map[string]interface{}{
		"global": "main.ifaceHolder", "field": ".Store",
		"target": hexAddr(reflect.ValueOf(ifaceHolder.Store).Pointer()), "target_type": "main.Item",
	}

	// Static composite literals, their heap-held parts.
	fileSet.Root = &Node{Key: 1, Next: &Node{Key: 2}}
	profiles.Items = map[string]*Profile{}
	for i := 0; i < 50; i++ {
		profiles.Items[heapString("prof:", i)] = &Profile{Name: heapString("p", i)}
	}
	t.Extra["static_globals"] = []map[string]interface{}{
		{"global": "main.fileSet", "addr": hexAddr(uintptr(unsafe.Pointer(fileSet))),
			"type": reflect.TypeOf(*fileSet).String(), "size": reflect.TypeOf(*fileSet).Size(),
			"field": ".Root", "target": hexAddr(uintptr(unsafe.Pointer(fileSet.Root))), "target_type": "main.Node",
			"deep": hexAddr(uintptr(unsafe.Pointer(fileSet.Root.Next))), "deep_path": ".Root → .Next"},
		{"global": "main.profiles", "addr": hexAddr(uintptr(unsafe.Pointer(profiles))),
			"type": reflect.TypeOf(*profiles).String(), "size": reflect.TypeOf(*profiles).Size(),
			"field": ".Items", "target": hexAddr(reflect.ValueOf(profiles.Items).Pointer()),
			"target_type": reflect.TypeOf(profiles.Items).String(), "map_len": len(profiles.Items)},
	}

	// The stack-resident map.
	const nStack = 300
	reports := make(chan stackMapReport)
	go stackMapWorker(nStack, reports, stop)
	r := <-reports
	t.Roles["stack_map_worker"] = []int64{r.goid}
	t.Extra["stack_map"] = map[string]interface{}{
		"goroutine": r.goid, "func": "main.stackMapWorker", "var": "local", "addr": hexAddr(r.header),
		"len": r.n, "type": "map[int]*main.Item", "item": hexAddr(r.item), "item_key": nStack / 2,
		"item_size": r.itemsBytes,
	}
	runtime.KeepAlive(staticTop)
}
