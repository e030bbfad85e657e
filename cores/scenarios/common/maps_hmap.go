// Reading the runtime's map header through a mirrored struct: Go <= 1.23
// (and 1.24/1.25 built with GOEXPERIMENT=noswissmap) use runtime.hmap.
// Built into every scenario by gen-matrix (see truth.go).

//go:build !go1.24 || (!go1.26 && !goexperiment.swissmap)

package main

import (
	"reflect"
	"unsafe"
)

const mapImpl = "hmap"

// hmap mirrors runtime.hmap (runtime/map.go, go1.19-go1.23).  Only the
// fields up to nevacuate are read, so the extra clearSeq field that
// go1.24/1.25 noswissmap inserts before `extra` does not matter.
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
}

// hmapOf returns the *hmap inside a map held in an interface: a map value
// is pointer-shaped, so the interface data word is the header itself.
func hmapOf(m interface{}) *hmap {
	return (*hmap)((*[2]unsafe.Pointer)(unsafe.Pointer(&m))[1])
}

func mapGrowing(m interface{}) bool { return hmapOf(m).oldbuckets != nil }

func mapNOverflow(m interface{}) int { return int(hmapOf(m).noverflow) }

// slotSize is the size of a key or value cell in a bucket: values over 128
// bytes are stored indirectly (runtime/map.go maxKeySize/maxElemSize).
func slotSize(t reflect.Type) uintptr {
	if t.Size() > 128 {
		return 8
	}
	return t.Size()
}

func mapInternals(m interface{}) *MapInternals {
	h := hmapOf(m)
	if h == nil {
		return &MapInternals{Impl: mapImpl, Error: "nil map"}
	}
	B, flags, nov := h.B, h.flags, h.noverflow
	nev := uint64(h.nevacuate)
	in := &MapInternals{
		Impl: mapImpl, B: &B, Flags: &flags, NOverflow: &nov, NEvacuate: &nev,
		Buckets: hexAddr(uintptr(h.buckets)),
		Growing: h.oldbuckets != nil,
	}
	if h.oldbuckets != nil {
		in.OldBuckets = hexAddr(uintptr(h.oldbuckets))
	}
	// Count overflow buckets chained from the 2^B current buckets.  The
	// bucket is tophash[8], keys[8], elems[8], overflow pointer (last word);
	// every key/elem type used by the scenarios is 8-byte aligned, so there
	// is no padding.
	t := reflect.TypeOf(m)
	bsize := 8 + 8*slotSize(t.Key()) + 8*slotSize(t.Elem()) + 8
	n := 0
	if h.buckets != nil {
		for i := uintptr(0); i < uintptr(1)<<h.B; i++ {
			b := unsafe.Pointer(uintptr(h.buckets) + i*bsize)
			for ovf := *(*unsafe.Pointer)(unsafe.Pointer(uintptr(b) + bsize - 8)); ovf != nil; ovf = *(*unsafe.Pointer)(unsafe.Pointer(uintptr(ovf) + bsize - 8)) {
				n++
			}
		}
	}
	in.OverflowChain = &n
	in.Verified = h.count == reflect.ValueOf(m).Len() && (h.B >= 16 || in.Growing || n == int(h.noverflow))
	return in
}
