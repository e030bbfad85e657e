// Package weak exists from Go 1.24.

//go:build go1.24

package main

import "weak"

// WeakTarget is the object of a weak pointer: the runtime keeps a
// specialWeakHandle on its span, whose handle cell is a GC root.
type WeakTarget struct {
	Name string
	Data [64]byte
}

var (
	weakTarget *WeakTarget // keeps the object live, so the handle stays
	weakPtr    weak.Pointer[WeakTarget]
)

func addWeakRoot() *RuntimeRootTruth {
	weakTarget = &WeakTarget{Name: "weak-target"}
	weakPtr = weak.Make(weakTarget)
	r := rootTruth("weak handle", weakTarget, "", "weak.Make(obj): obj held by main.weakTarget; the root is its handle cell")
	return &r
}
