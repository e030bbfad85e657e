// Reading the runtime's map header through mirrored structs: Go >= 1.24
// Swiss tables (internal/runtime/maps).  Built into every
// scenario by gen-matrix (see truth.go).

//go:build go1.24 && (go1.26 || goexperiment.swissmap)

package main

import (
	"reflect"
	"unsafe"
)

const mapImpl = "swiss"

// swissMap mirrors internal/runtime/maps.Map (go1.24-go1.27; 1.25 turned a
// padding byte into tombstonePossible, offsets unchanged).
type swissMap struct {
	used        uint64
	seed        uintptr
	dirPtr      unsafe.Pointer
	dirLen      int
	globalDepth uint8
	globalShift uint8
	writing     uint8
	_           uint8
	clearSeq    uint64
}

// swissTable mirrors internal/runtime/maps.table.
type swissTable struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groupsData unsafe.Pointer
	lengthMask uint64
}

func swissOf(m interface{}) *swissMap {
	return (*swissMap)((*[2]unsafe.Pointer)(unsafe.Pointer(&m))[1])
}

// Old-map notions that do not exist for Swiss tables.
func mapGrowing(m interface{}) bool  { return false }
func mapNOverflow(m interface{}) int { return 0 }

// groupSize: ctrl word + 8 slots of struct{key; elem}, where a key or elem
// over 128 bytes is stored as a pointer (MapMaxKeyBytes/MapMaxElemBytes).
// This is the default interleaved layout (1.27 without mapsplitgroup too).
func groupSize(t reflect.Type) uintptr {
	ptr := reflect.TypeOf(unsafe.Pointer(nil))
	k, e := t.Key(), t.Elem()
	if k.Size() > 128 {
		k = ptr
	}
	if e.Size() > 128 {
		e = ptr
	}
	slot := reflect.StructOf([]reflect.StructField{{Name: "K", Type: k}, {Name: "E", Type: e}})
	return 8 + 8*slot.Size()
}

func mapInternals(m interface{}) *MapInternals {
	h := swissOf(m)
	if h == nil {
		return &MapInternals{Impl: mapImpl, Error: "nil map"}
	}
	used, dirLen, depth := h.used, int64(h.dirLen), h.globalDepth
	in := &MapInternals{Impl: mapImpl, Used: &used, DirPtr: hexAddr(uintptr(h.dirPtr)), DirLen: &dirLen, GlobalDepth: &depth}
	gsize := groupSize(reflect.TypeOf(m))
	full, tomb, empty, groups, tables := 0, 0, 0, 0, 0
	scanGroup := func(g unsafe.Pointer) {
		ctrl := *(*uint64)(g)
		for i := 0; i < 8; i++ {
			c := byte(ctrl >> (8 * i))
			switch {
			case c == 0x80:
				empty++
			case c == 0xFE:
				tomb++
			case c&0x80 == 0:
				full++
			}
		}
		groups++
	}
	switch {
	case h.dirPtr == nil:
	case h.dirLen == 0: // small map: dirPtr is the one group
		scanGroup(h.dirPtr)
	default:
		dir := unsafe.Slice((*unsafe.Pointer)(h.dirPtr), h.dirLen)
		seen := map[unsafe.Pointer]bool{}
		for _, tp := range dir {
			if seen[tp] {
				continue // several directory entries can share a table
			}
			seen[tp] = true
			tables++
			t := (*swissTable)(tp)
			for g := uint64(0); g <= t.lengthMask; g++ {
				scanGroup(unsafe.Pointer(uintptr(t.groupsData) + uintptr(g)*gsize))
			}
		}
	}
	in.Tables, in.Groups, in.SlotsFull, in.Tombstones, in.SlotsEmpty = &tables, &groups, &full, &tomb, &empty
	in.Verified = int(h.used) == reflect.ValueOf(m).Len() && full == int(h.used)
	return in
}
