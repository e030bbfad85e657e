package main

// runtime.MemProfileRate for this scenario (see common/heapprofile.go):
// 0 keeps the runtime's default, one sample per 512 KiB allocated.
const memProfileRate = 0
