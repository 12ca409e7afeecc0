package web

import (
	"sync"
	"time"
)

// flyerCache keeps the newest flyers made, by notice code: a flyer takes
// a tenth of a second of CPU or more to make (two languages, a QR code),
// and a QR code on a wall brings many readers to the same one. A notice
// changed since (cancelled, its status or values edited) is made again.
type flyerCache struct {
	mu    sync.Mutex
	max   int
	byKey map[string]cachedFlyer
}

type cachedFlyer struct {
	updated time.Time // the notice's UpdatedAt when it was made
	pdf     []byte
}

func newFlyerCache(max int) *flyerCache {
	return &flyerCache{max: max, byKey: map[string]cachedFlyer{}}
}

// get returns the flyer of the notice of code as it was at updated.
func (c *flyerCache) get(code string, updated time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.byKey[code]
	if !ok || !f.updated.Equal(updated) {
		return nil, false
	}
	return f.pdf, true
}

// put keeps pdf as the flyer of the notice of code at updated; when full,
// it forgets one flyer first (any: the notices read most come back soon).
func (c *flyerCache) put(code string, updated time.Time, pdf []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[code]; !ok && len(c.byKey) >= c.max {
		for k := range c.byKey {
			delete(c.byKey, k)
			break
		}
	}
	c.byKey[code] = cachedFlyer{updated, pdf}
}
