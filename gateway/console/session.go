package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// Console sessions: a random id in the cookie, its state on the server.
// Logging out deletes it, so a copied cookie dies with the session; an idle
// or old session expires even if nobody logs out.
const (
	sessionIdle     = 8 * time.Hour  // without a request
	sessionAbsolute = 12 * time.Hour // since sign-in, whatever the use
	maxSessions     = 1000           // the oldest-used goes first beyond
	sessionIDBytes  = 32
)

type session struct {
	created, lastSeen time.Time
	checked           time.Time // when its vouching key was last found good on chain
	who               Identity
}

// sessionStore keeps sessions by the SHA-256 of their id, so the map never
// holds a usable cookie and lookups do not compare secrets byte by byte.
type sessionStore struct {
	mu   sync.Mutex
	now  func() time.Time
	byID map[[sha256.Size]byte]*session
}

func newSessionStore(now func() time.Time) *sessionStore {
	if now == nil {
		now = time.Now
	}
	return &sessionStore{now: now, byID: map[[sha256.Size]byte]*session{}}
}

func sessionKey(id string) [sha256.Size]byte { return sha256.Sum256([]byte(id)) }

func (s *session) expired(now time.Time) bool {
	return now.Sub(s.lastSeen) > sessionIdle || now.Sub(s.created) > sessionAbsolute
}

// create starts a session for who and returns its id for the cookie.
func (st *sessionStore) create(who Identity) (string, error) {
	b := make([]byte, sessionIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, s := range st.byID {
		if s.expired(now) {
			delete(st.byID, k)
		}
	}
	for len(st.byID) >= maxSessions {
		var oldest [sha256.Size]byte
		var at time.Time
		first := true
		for k, s := range st.byID {
			if first || s.lastSeen.Before(at) {
				oldest, at, first = k, s.lastSeen, false
			}
		}
		delete(st.byID, oldest)
	}
	st.byID[sessionKey(id)] = &session{created: now, lastSeen: now, checked: now, who: who}
	return id, nil
}

// valid says whether id names a live session, and marks it used.
func (st *sessionStore) valid(id string) bool {
	_, ok := st.lookup(id)
	return ok
}

// lookup is the identity of a live session, which it marks used.
func (st *sessionStore) lookup(id string) (Identity, bool) {
	who, _, ok := st.lookupChecked(id)
	return who, ok
}

// checkedAt records that a session's vouching key was found good at t.
func (st *sessionStore) checkedAt(id string, t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s := st.byID[sessionKey(id)]; s != nil {
		s.checked = t
	}
}

// lookupChecked is lookup with the time the session was last checked.
func (st *sessionStore) lookupChecked(id string) (Identity, time.Time, bool) {
	if len(id) != base64.RawURLEncoding.EncodedLen(sessionIDBytes) {
		return Identity{}, time.Time{}, false
	}
	k := sessionKey(id)
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byID[k]
	if !ok {
		return Identity{}, time.Time{}, false
	}
	if s.expired(now) {
		delete(st.byID, k)
		return Identity{}, time.Time{}, false
	}
	s.lastSeen = now
	return s.who, s.checked, true
}

// end deletes a session (logout).
func (st *sessionStore) end(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.byID, sessionKey(id))
}

func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}
