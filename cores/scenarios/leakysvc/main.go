// leakysvc is a small "leaking service", the sample for coroner's README.
//
// A fake request loop (no HTTP) feeds a few worker goroutines.  Each request
// creates a session, and the workers store every session in a global
// map[string]interface{} that nothing ever prunes: main.sessions only grows.
// Next to it, main.recent is a legitimate cache bounded to 128 entries.
// After -requests requests the workers idle on their channel, a janitor
// goroutine sleeps, and the program writes its ground truth (-truth PATH),
// prints "R\n" and blocks forever without allocating.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"sync"
	"time"
)

// Session is what each request leaves behind in main.sessions.
type Session struct {
	ID      string
	User    string
	Created int64
	Buf     []byte                 // response buffer that should have been released
	Attrs   map[string]interface{} // nested map: ip, agent, cart, ...
}

// Request is one simulated incoming request.
type Request struct {
	Seq  int
	User string
	Path string
	Body []byte
}

var (
	sessions   = map[string]interface{}{} // THE LEAK: grows by one entry per request
	sessionsMu sync.Mutex

	recent      = map[string]interface{}{} // bounded LRU-ish cache, <= recentMax entries
	recentOrder []string
	recentMu    sync.Mutex

	requests = make(chan *Request, 64)
	stats    struct {
		sync.Mutex
		handled int
		bytes   int
	}
)

const recentMax = 128

func pattern(b []byte, tag string) {
	p := []byte("leakysvc:" + tag + ":")
	for i := range b {
		b[i] = p[i%len(p)]
	}
}

// newSession builds what a request leaves in main.sessions: every leaking
// value is allocated here (the allocation site the join must name).
//
//go:noinline
func newSession(r *Request, rng *rand.Rand) *Session {
	id := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	buf := make([]byte, 512+(r.Seq%8)*128) // 512..1408 bytes
	pattern(buf, r.Path)
	return &Session{
		ID:      id,
		User:    r.User,
		Created: int64(1700000000 + r.Seq),
		Buf:     buf,
		Attrs: map[string]interface{}{
			"ip":    fmt.Sprintf("10.0.%d.%d", r.Seq/256%256, r.Seq%256),
			"agent": "leakysvc-client/1.0",
			"path":  r.Path,
			"cart":  []interface{}{r.Seq, "sku-" + fmt.Sprint(r.Seq%50), float64(r.Seq) * 0.99},
		},
	}
}

// renderPage builds a value of the bounded main.recent cache: the values
// that do not leak are allocated here, never in newSession.
//
//go:noinline
func renderPage(r *Request) string {
	return fmt.Sprintf("rendered %s for %s (%d bytes)", r.Path, r.User, len(r.Body))
}

func handle(r *Request, rng *rand.Rand) {
	s := newSession(r, rng)
	sessionsMu.Lock()
	sessions["sess:"+s.ID] = s
	sessionsMu.Unlock()

	recentMu.Lock()
	key := fmt.Sprintf("page:%s", r.Path)
	if _, ok := recent[key]; !ok {
		recentOrder = append(recentOrder, key)
	}
	recent[key] = renderPage(r)
	for len(recentOrder) > recentMax {
		delete(recent, recentOrder[0])
		recentOrder = recentOrder[1:]
	}
	recentMu.Unlock()

	stats.Lock()
	stats.handled++
	stats.bytes += len(s.Buf)
	stats.Unlock()
}

type report struct {
	role string
	id   int64
}

func main() {
	nreq := flag.Int("requests", 3000, "simulated requests")
	nworkers := flag.Int("workers", 4, "worker goroutines")
	truthPath := flag.String("truth", "", "write ground truth JSON here (required)")
	dev := flag.Bool("devcheck", false, "development: after readiness, check that nothing was allocated")
	flag.Parse()
	if *truthPath == "" {
		fatal("-truth PATH is required")
	}
	t := newTruth("leakysvc")
	reports := make(chan report, 16)

	var wg sync.WaitGroup
	for w := 0; w < *nworkers; w++ {
		go func(w int) {
			rng := rand.New(rand.NewSource(int64(w) + 1))
			reports <- report{"worker", curGoid()}
			for r := range requests { // idles here in "chan receive" at the end
				handle(r, rng)
				wg.Done()
			}
		}(w)
	}
	go func() { // janitor: wakes up hourly, never prunes sessions (the bug)
		reports <- report{"janitor", curGoid()}
		for {
			time.Sleep(time.Hour)
		}
	}()

	paths := []string{"/", "/login", "/cart", "/checkout", "/search", "/item"}
	for i := 0; i < *nreq; i++ {
		wg.Add(1)
		body := make([]byte, 64)
		pattern(body, "req")
		requests <- &Request{Seq: i, User: fmt.Sprintf("user%d", i%97), Path: paths[i%len(paths)] + fmt.Sprint(i%300), Body: body}
	}
	wg.Wait()

	want := map[int64][]string{}
	for i := 0; i < *nworkers+1; i++ {
		r := <-reports
		t.Roles[r.role] = append(t.Roles[r.role], r.id)
		if r.role == "worker" {
			want[r.id] = []string{"chan receive"}
		} else {
			want[r.id] = []string{"sleep"}
		}
	}
	sort.Slice(t.Roles["worker"], func(i, j int) bool { return t.Roles["worker"][i] < t.Roles["worker"][j] })
	t.Roles["main"] = []int64{curGoid()}
	t.Goroutines = waitStates(want, 20*time.Second)
	assignRoles(t.Goroutines, t.Roles)

	leak := describeMap("main.sessions", sessions)
	leak.ReachableFrom = "global main.sessions"
	leak.Notes = "the leak: one *main.Session per request, never deleted"
	bounded := describeMap("main.recent", recent)
	bounded.ReachableFrom = "global main.recent"
	bounded.Notes = fmt.Sprintf("bounded cache, at most %d entries", recentMax)
	t.Maps = sortedMaps([]MapTruth{leak, bounded})
	t.Channels = []ChannelTruth{{Name: "main.requests", Addr: hexAddr(reflect.ValueOf(requests).Pointer()),
		ElemType: "*main.Request", Cap: cap(requests), Len: len(requests), Notes: "workers blocked receiving"}}
	t.Extra["requests"] = *nreq
	t.Extra["workers"] = *nworkers
	t.Extra["session_buf_bytes"] = stats.bytes
	t.Extra["leak"] = map[string]interface{}{
		"map": "main.sessions", "entries": len(sessions), "value_type": "*main.Session",
		"buf_bytes": stats.bytes, "expected_top_retainer": true,
		"alloc_func": "main.newSession",
	}
	t.Extra["bounded"] = map[string]interface{}{"map": "main.recent", "alloc_func": "main.renderPage"}
	t.Extra["expected_states"] = map[string][]string{"worker": {"chan receive"}, "janitor": {"sleep"}, "main": {"select (no cases)"}}
	t.Extra["goroutines_note"] = "runtime.Stack(buf, true) as printed before the final GC: user goroutines only, " +
		"runtime.* frames hidden; main was running then and sits in select{} at core time"

	writeTruthAndReady(*truthPath, t)
	if *dev {
		devCheck(nil)
	}
	select {}
}
