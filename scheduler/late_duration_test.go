package scheduler

import (
	"testing"
	"time"
)

// roughDuration says how late a notice is found and the grace it had, as
// a coordinator reads it: whole minutes and hours, seconds under a minute.
func TestRoughDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "30s"},
		{59 * time.Second, "59s"},
		{90 * time.Second, "2m"},
		{time.Hour, "1h"},
		{3*time.Hour - 20*time.Second, "3h"},
		{26*time.Hour + 5*time.Minute, "1d2h5m"},
	}
	for _, tt := range tests {
		if got := roughDuration(tt.d); got != tt.want {
			t.Errorf("roughDuration(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}
