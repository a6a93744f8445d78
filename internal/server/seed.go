package server

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/transfer"
)

// loadSeed loads the seed file of the configuration (config.Config.Seed), read afresh,
// into the app it names, and returns that app. With only set, a seed of another app is
// an error.
func (s *Server) loadSeed(ctx context.Context, only uint64) (uint64, error) {
	path := s.cfg.Seed
	d, err := transfer.ReadSeed(path)
	if err != nil {
		return 0, err
	}
	app := d.SDKAppID
	if app == 0 {
		app = s.cfg.Apps[0].SDKAppID
	}
	if only != 0 && app != only {
		return 0, fmt.Errorf("seed %s: the file is app %d's, not app %d's", path, app, only)
	}
	c, ok := s.AdminCaller(app)
	if !ok {
		return 0, fmt.Errorf("seed %s: sdkappid %d is not an app of this server", path, app)
	}
	c.RequestID = "seed"
	st, err := transfer.Seed(ctx, s.groups, s.accounts, c, d, s.clock.Now().Unix())
	if err != nil {
		return 0, fmt.Errorf("seed %s: %w", path, err)
	}
	s.log.Info("seed loaded", "file", path, "sdkappid", app, "accounts", st.Accounts, "groups", st.Groups, "existing", st.Existing)
	return app, nil
}
