// Before Go 1.24 there is no runtime.AddCleanup.

//go:build !go1.24

package main

func addCleanupRoot() *RuntimeRootTruth { return nil }
