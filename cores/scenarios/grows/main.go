// grows is a service whose leak grows by a known amount on a signal: the
// two-core scenario of `coroner diff` (issue 11).  It holds
//   - main.cache, a map[string]interface{} keyed "user:N" (*main.User),
//     "sess:N" (*main.Session) and "cfg:N" (*main.Config): the leak;
//   - main.events, a []*main.Event log that is appended to and never cut;
//   - main.scratch, a map[string]interface{} of "tmp:N" -> *main.Scratch
//     that is pruned on growth (what shrank);
//   - goroutines started by main.spawnWaiters, each parked receiving from
//     a channel nobody sends on while it holds a *main.Request (the
//     goroutine leak).
// It writes its truth (-truth PATH), prints "R\n" and waits for SIGUSR1.
// On SIGUSR1 it grows every leak by the -grow* amounts, prunes scratch,
// writes a second truth (-truth2 PATH) recording exactly what it added and
// removed, prints "R\n" again and blocks for ever without allocating.
package main

import (
	"flag"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// User, Session and Config are the values of main.cache.
type User struct {
	ID   int
	Name string
	Tags []string
}

type Session struct {
	ID    int
	Owner *User
	Data  [48]byte
}

type Config struct {
	Key   string
	Value int
}

// Event is one entry of main.events.
type Event struct {
	Seq  int
	What string
	At   int64
}

// Scratch is a value of main.scratch (pruned on growth).
type Scratch struct {
	N   int
	Pad [24]byte
}

// Request is what each leaked goroutine holds while it waits.
type Request struct {
	ID   int
	Body []byte
}

const requestBody = 1024

var (
	cache   = map[string]interface{}{}
	events  []*Event
	scratch = map[string]interface{}{}
	never   = make(chan int) // nobody sends: the waiters park for ever
	started = make(chan int64, 1024)
	spawnAt string // file:line of the go statement in spawnWaiters
	nUsers  int
	nSess   int
	nEvents int
)

func addUsers(n int) {
	for i := 0; i < n; i++ {
		id := nUsers
		nUsers++
		u := &User{ID: id, Name: "name-" + strconv.Itoa(id), Tags: []string{"t" + strconv.Itoa(id%7)}}
		cache["user:"+strconv.Itoa(id)] = u
	}
}

func addSessions(n int) {
	for i := 0; i < n; i++ {
		id := nSess
		nSess++
		owner := cache["user:"+strconv.Itoa(id%nUsers)].(*User)
		cache["sess:"+strconv.Itoa(id)] = &Session{ID: id, Owner: owner}
	}
}

func addEvents(n int) {
	for i := 0; i < n; i++ {
		events = append(events, &Event{Seq: nEvents, What: "event-" + strconv.Itoa(nEvents), At: int64(1700000000 + nEvents)})
		nEvents++
	}
}

// serve is a leaked goroutine: it parks on never with req live.
//
//go:noinline
func serve(req *Request) {
	started <- curGoid()
	<-never
	req.Body[0]++ // req stays live across the receive
}

// spawnWaiters starts n goroutines at one go statement; their ids come
// back on started.
func spawnWaiters(n int, base int) []int64 {
	for i := 0; i < n; i++ {
		req := &Request{ID: base + i, Body: make([]byte, requestBody)}
		_, file, line, _ := runtime.Caller(0); go serve(req) // the go statement is on this line
		spawnAt = file + ":" + strconv.Itoa(line)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = <-started
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// countTypes counts the values of m by %T (with the key prefix they carry).
func countTypes(m map[string]interface{}) map[string]int {
	out := map[string]int{}
	for _, v := range m {
		out[reflect.TypeOf(v).Elem().String()]++
	}
	return out
}

func phaseTruth(phase int, waiters []int64, added map[string]int, removed map[string]int, removedKeys map[string]int) *Truth {
	t := newTruth("grows")
	want := map[int64][]string{}
	for _, id := range waiters {
		want[id] = []string{"chan receive"}
	}
	t.Roles["waiter"] = waiters
	t.Roles["main"] = []int64{curGoid()}
	t.Goroutines = waitStates(want, 20*time.Second)
	assignRoles(t.Goroutines, t.Roles)
	leak := describeMap("main.cache", cache)
	leak.ReachableFrom = "global main.cache"
	leak.Notes = "the leak: grows by user/sess entries on SIGUSR1"
	pruned := describeMap("main.scratch", scratch)
	pruned.ReachableFrom = "global main.scratch"
	pruned.Notes = "pruned on SIGUSR1"
	t.Maps = sortedMaps([]MapTruth{leak, pruned})
	t.Extra["phase"] = phase
	t.Extra["events"] = len(events)
	t.Extra["waiters"] = len(waiters)
	t.Extra["waiter_site"] = spawnAt
	t.Extra["waiter_func"] = "main.serve"
	t.Extra["waiter_created_by"] = "main.spawnWaiters"
	t.Extra["waiter_state"] = "chan receive"
	t.Extra["request_body"] = requestBody
	t.Extra["cache_types"] = countTypes(cache)
	// What this phase added (objects live now that did not exist in the
	// previous phase), by type as Go names the pointee, and what it freed.
	t.Extra["new_objects"] = added
	t.Extra["freed_objects"] = removed
	t.Extra["removed_keys"] = removedKeys
	return t
}

func main() {
	truthPath := flag.String("truth", "", "write the first ground truth JSON here (required)")
	truth2Path := flag.String("truth2", "", "on SIGUSR1, grow and write the second truth here (default: PATH with .grown.json)")
	users := flag.Int("users", 1000, "initial user:N entries")
	sessions := flag.Int("sessions", 500, "initial sess:N entries")
	configs := flag.Int("configs", 20, "cfg:N entries (never grow)")
	nevents := flag.Int("events", 200, "initial events")
	nscratch := flag.Int("scratch", 400, "initial tmp:N entries")
	nwaiters := flag.Int("waiters", 10, "initial leaked goroutines")
	growUsers := flag.Int("grow-users", 800, "user:N entries added on SIGUSR1")
	growSessions := flag.Int("grow-sessions", 300, "sess:N entries added on SIGUSR1")
	growEvents := flag.Int("grow-events", 300, "events added on SIGUSR1")
	growWaiters := flag.Int("grow-waiters", 50, "leaked goroutines added on SIGUSR1")
	pruneScratch := flag.Int("prune-scratch", 300, "tmp:N entries deleted on SIGUSR1")
	flag.Parse()
	if *truthPath == "" {
		fatal("-truth PATH is required")
	}
	if *truth2Path == "" {
		*truth2Path = strings.TrimSuffix(*truthPath, ".json") + ".grown.json"
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)

	addUsers(*users)
	addSessions(*sessions)
	for i := 0; i < *configs; i++ {
		cache["cfg:"+strconv.Itoa(i)] = &Config{Key: "k" + strconv.Itoa(i), Value: i}
	}
	addEvents(*nevents)
	for i := 0; i < *nscratch; i++ {
		scratch["tmp:"+strconv.Itoa(i)] = &Scratch{N: i}
	}
	waiters := spawnWaiters(*nwaiters, 0)
	t := phaseTruth(1, waiters, map[string]int{}, map[string]int{}, map[string]int{})
	writeTruthAndReady(*truthPath, t)
	<-sigs // parked in chan receive (os/signal's loop delivers it)

	addUsers(*growUsers)
	addSessions(*growSessions)
	addEvents(*growEvents)
	pruned := 0
	for i := 0; i < *nscratch && pruned < *pruneScratch; i++ {
		delete(scratch, "tmp:"+strconv.Itoa(i))
		pruned++
	}
	more := spawnWaiters(*growWaiters, *nwaiters)
	added := map[string]int{"main.User": *growUsers, "main.Session": *growSessions, "main.Event": *growEvents,
		"main.Request": *growWaiters}
	freed := map[string]int{"main.Scratch": pruned}
	t2 := phaseTruth(2, append(waiters, more...), added, freed, map[string]int{"tmp": pruned})
	t2.Extra["grown"] = map[string]int{"user": *growUsers, "sess": *growSessions, "cfg": 0}
	writeTruthAndReady(*truth2Path, t2)
	select {}
}
