package storetest

import (
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// sharedScenario is one named check of two stores open on one database.
type sharedScenario struct {
	name string
	run  func(t *testing.T, a, b im.Store)
}

// sharedScenarios lists every check RunShared makes.
var sharedScenarios = []sharedScenario{
	{"ClaimEvents", testSharedClaimEvents},
}

// RunShared runs the checks of two stores open on one database, as two replicas or two
// processes have it. Each scenario is a subtest that gets two stores on a fresh, empty
// database from open; open registers their cleanup on the t it is given.
func RunShared(t *testing.T, open func(t *testing.T) (a, b im.Store)) {
	for _, sc := range sharedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			a, b := open(t)
			sc.run(t, a, b)
		})
	}
}

// testSharedClaimEvents claims events with two claimers on each store: the claims stay
// disjoint and each group's events come in order across the stores as within one.
func testSharedClaimEvents(t *testing.T, a, b im.Store) {
	claimConcurrently(t, a, b, a, b)
}
