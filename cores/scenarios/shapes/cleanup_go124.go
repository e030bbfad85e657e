// runtime.AddCleanup exists from Go 1.24.

//go:build go1.24

package main

import "runtime"

// addCleanupRoot attaches a cleanup to cleanupObj (reachable from a global,
// so the cleanup never runs) whose arg is a payload nothing else holds.
func addCleanupRoot() *RuntimeRootTruth {
	cleanupObj = &CleanupOwner{Name: "cleanup-owner-object"}
	p := &CleanupPayload{Tag: "cleanup", Data: make([]byte, 2048)}
	fn := func(p *CleanupPayload) { runtimeSink = p }
	runtime.AddCleanup(cleanupObj, fn, p)
	r := rootTruth("cleanup", p, funcName(fn), "runtime.AddCleanup(obj, fn, payload): obj held by main.cleanupObj")
	return &r
}
