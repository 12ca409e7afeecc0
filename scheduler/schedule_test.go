package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crier-notices/crier/scheduler"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestScheduleFirings: firing times in the campaign's zone, across the
// seasons and both daylight saving changes of 2027 in New York (clocks
// spring from 02:00 to 03:00 on March 14 and fall from 02:00 to 01:00 on
// November 7): every firing once, none skipped, none twice.
func TestScheduleFirings(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		spec  string
		after string // UTC
		want  []string
	}{
		{"9:00 on the 1st, winter then summer", "0 9 1 * *", "2027-01-15 00:00",
			[]string{"2027-02-01 14:00", "2027-03-01 14:00", "2027-04-01 13:00", "2027-05-01 13:00"}},
		{"9:00 on the 1st, summer then winter", "0 9 1 * *", "2027-09-15 00:00",
			[]string{"2027-10-01 13:00", "2027-11-01 13:00", "2027-12-01 14:00"}},
		{"02:00 across the spring change: fires at 03:00 once", "0 2 * * *", "2027-03-12 12:00",
			[]string{"2027-03-13 07:00", "2027-03-14 07:00", "2027-03-15 06:00"}},
		{"02:30 across the spring change: fires at 03:30", "30 2 * * *", "2027-03-13 12:00",
			[]string{"2027-03-14 07:30", "2027-03-15 06:30"}},
		{"02:00 across the fall change: once", "0 2 * * *", "2027-11-06 12:00",
			[]string{"2027-11-07 07:00", "2027-11-08 07:00"}},
		{"01:30 across the fall change: the first of its two times only", "30 1 * * *", "2027-11-06 12:00",
			[]string{"2027-11-07 05:30", "2027-11-08 06:30"}},
		{"asked between the two 01:30s: the next day's", "30 1 * * *", "2027-11-07 06:00",
			[]string{"2027-11-08 06:30"}},
		{"@daily is local midnight", "@daily", "2027-03-13 12:00",
			[]string{"2027-03-14 05:00", "2027-03-15 04:00"}},
		{"@every counts real time across the change", "@every 90m", "2027-03-14 06:00",
			[]string{"2027-03-14 07:30", "2027-03-14 09:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scheduler.ParseSchedule(tt.spec, ny)
			if err != nil {
				t.Fatal(err)
			}
			got := s.NextN(utc(tt.after), len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("got %v; want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if !got[i].Equal(utc(w)) {
					t.Errorf("firing %d: %s (%s local); want %s UTC", i+1, got[i].UTC().Format("2006-01-02 15:04"), got[i].In(ny).Format("15:04 MST"), w)
				}
			}
		})
	}
}

func TestScheduleRefusals(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"0 9 31 2 *", "spec '0 9 31 2 *' never fires"},
		{"0 9 * *", "five fields"},
		{"61 9 * * *", "spec '61 9 * * *'"},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "time zone apart"},
		{"@fortnightly", "spec '@fortnightly'"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := scheduler.ParseSchedule(tt.spec, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSchedule(%q) = %v; want an error with %q", tt.spec, err, tt.want)
			}
		})
	}
}
