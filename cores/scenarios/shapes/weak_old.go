// Before Go 1.24 there is no package weak.

//go:build !go1.24

package main

func addWeakRoot() *RuntimeRootTruth { return nil }
