package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Campaign is a notice that recurs on a schedule: every firing creates a
// notice from the same template, values, audience and channels, and
// publishes it.
type Campaign struct {
	ID       int64
	Name     string
	Notice   Notice // Template, Values, Languages, Audience, Channels, Urgency; the rest unused
	Schedule string // a cron spec (see scheduler.ParseSchedule)
	Timezone string // an IANA name the spec is read in
	StartsAt time.Time
	EndsAt   time.Time
	Enabled  bool
	// CheckedUntil: every firing up to this instant has been handled,
	// published or recorded as missed.
	CheckedUntil time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// RunStatus is what became of a campaign's firing.
type RunStatus string

// The run statuses.
const (
	RunPublished RunStatus = "published"
	RunMissed    RunStatus = "missed" // the process was down past the grace window
)

// Run is one firing of a campaign.
type Run struct {
	CampaignID  int64
	ScheduledAt time.Time
	Status      RunStatus
	NoticeID    int64 // 0 when missed
	Note        string
	CreatedAt   time.Time
}

// CreateCampaign stores c, enabled, with its firings counted from now
// (the scheduler keeps to its start and end). The schedule is the caller's to check.
// Errors: Invalid for a bad notice or a missing name, schedule or zone;
// Conflict when the name is taken.
func (s *Store) CreateCampaign(ctx context.Context, c Campaign) (int64, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || c.Schedule == "" || c.Timezone == "" {
		return 0, errorf(Invalid, "a campaign needs a name, a schedule and a time zone")
	}
	if err := c.Notice.check(); err != nil {
		return 0, err
	}
	values, err := json.Marshal(c.Notice.Values)
	if err != nil {
		return 0, err
	}
	if c.Notice.Values == nil {
		values = []byte("{}")
	}
	audience, err := json.Marshal(c.Notice.Audience)
	if err != nil {
		return 0, err
	}
	now := s.Now().UTC()
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.audienceWhere(ctx, tx, c.Notice.Audience); err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM campaigns WHERE name = ?`, c.Name).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return errorf(Conflict, "a campaign named %q exists (crier campaigns list shows them)", c.Name)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO campaigns (name, template, field_values, languages, audience, channels, urgency,
			schedule, timezone, starts_at, ends_at, enabled, checked_until, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			c.Name, c.Notice.Template, string(values), strings.Join(c.Notice.Languages, ","), string(audience),
			joinChannels(c.Notice.Channels), string(c.Notice.Urgency), c.Schedule, c.Timezone,
			nullTime(c.StartsAt), nullTime(c.EndsAt), now.Format(timeLayout), now.Format(timeLayout), now.Format(timeLayout)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("create campaign %s: %w", c.Name, err)
	}
	return id, nil
}

const campaignColumns = `id, name, template, field_values, languages, audience, channels, urgency, schedule, timezone,
	starts_at, ends_at, enabled, checked_until, created_at, updated_at`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var values, langs, audience, chans, checked, created, updated string
	var starts, ends sql.NullString
	if err := sc.Scan(&c.ID, &c.Name, &c.Notice.Template, &values, &langs, &audience, &chans, &c.Notice.Urgency, &c.Schedule,
		&c.Timezone, &starts, &ends, &c.Enabled, &checked, &created, &updated); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(values), &c.Notice.Values); err != nil {
		return c, fmt.Errorf("campaign %s: values: %w", c.Name, err)
	}
	if err := json.Unmarshal([]byte(audience), &c.Notice.Audience); err != nil {
		return c, fmt.Errorf("campaign %s: audience: %w", c.Name, err)
	}
	c.Notice.Languages = splitList(langs)
	for _, ch := range splitList(chans) {
		c.Notice.Channels = append(c.Notice.Channels, Channel(ch))
	}
	c.StartsAt, c.EndsAt = parseTime(starts.String), parseTime(ends.String)
	c.CheckedUntil, c.CreatedAt, c.UpdatedAt = parseTime(checked), parseTime(created), parseTime(updated)
	return c, nil
}

// Campaign returns the campaign named name. Errors: NotFound.
func (s *Store) Campaign(ctx context.Context, name string) (Campaign, error) {
	c, err := scanCampaign(s.db.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errorf(NotFound, "no campaign named %q (crier campaigns list shows them)", name)
	}
	return c, err
}

// Campaigns returns every campaign by name.
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// PublishRun publishes the firing of campaign c at scheduledAt, exactly
// once: in one transaction it records the run, creates the notice with
// the firing's values (FiringValues: relative dates resolved, fired_at
// given) and publishes it. A firing already recorded, published or
// missed, is left alone: published is false. fam is the campaign's template.
func (s *Store) PublishRun(ctx context.Context, c Campaign, scheduledAt time.Time, fam Template, defaultLang string) (sum PublishSummary, published bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		runID, err := insertRun(ctx, tx, c.ID, scheduledAt, RunPublished, "", s.now())
		if err != nil || runID == 0 {
			return err
		}
		n := c.Notice
		values, err := FiringValues(c, fam, scheduledAt)
		if err != nil {
			return errorf(Invalid, "campaign %s: %v", c.Name, err)
		}
		n.Values = values
		n.SendAt = time.Time{}
		id, err := s.createNotice(ctx, tx, n)
		if err != nil {
			return err
		}
		if sum, err = s.publish(ctx, tx, id, fam, defaultLang); err != nil {
			return err
		}
		published = true
		_, err = tx.ExecContext(ctx, `UPDATE campaign_runs SET notice_id = ? WHERE id = ?`, id, runID)
		return err
	})
	if err != nil {
		return sum, false, fmt.Errorf("campaign %s, firing of %s: %w", c.Name, scheduledAt.UTC().Format(time.RFC3339), err)
	}
	return sum, published, nil
}

// FiringValues returns the values campaign c's firing at at gives its
// notice: the campaign's, with its dates relative to the firing (+14d,
// day:15) resolved in the campaign's zone (see Template.ResolveValues)
// and, when the template declares a field "fired_at" the campaign leaves
// empty, the firing time as YYYY-MM-DD HH:MM, for an "as of" line.
func FiringValues(c Campaign, fam Template, at time.Time) (map[string]string, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", c.Timezone, err)
	}
	values, err := fam.ResolveValues(c.Notice.Values, at.In(loc))
	if err != nil {
		return values, err
	}
	if fam.Declares("fired_at") && values["fired_at"] == "" {
		values["fired_at"] = at.In(loc).Format("2006-01-02 15:04")
	}
	return values, nil
}

// MissRun records that campaign c's firing at scheduledAt was missed (the
// process was down past the grace window), saying why; a firing already
// recorded is left alone.
func (s *Store) MissRun(ctx context.Context, c Campaign, scheduledAt time.Time, note string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := insertRun(ctx, tx, c.ID, scheduledAt, RunMissed, note, s.now())
		return err
	})
}

// insertRun records a run and returns its id, or 0 when the firing was
// recorded before.
func insertRun(ctx context.Context, tx *sql.Tx, campaign int64, at time.Time, st RunStatus, note, now string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO campaign_runs (campaign_id, scheduled_at, status, note, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (campaign_id, scheduled_at) DO NOTHING RETURNING id`, campaign, at.UTC().Format(timeLayout), string(st), note, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// CheckedUntil records that every firing of campaign id up to t has been
// handled. It never moves back: a clock set back does not replay firings.
func (s *Store) CheckedUntil(ctx context.Context, id int64, t time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE campaigns SET checked_until = ?1, updated_at = ?2 WHERE id = ?3 AND checked_until < ?1`,
			t.UTC().Format(timeLayout), s.now(), id)
		return err
	})
}

// Runs returns campaign id's runs, newest first.
func (s *Store) Runs(ctx context.Context, id int64) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT campaign_id, scheduled_at, status, COALESCE(notice_id, 0), note, created_at
		FROM campaign_runs WHERE campaign_id = ? ORDER BY scheduled_at DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []Run
	for rows.Next() {
		var r Run
		var at, created string
		if err := rows.Scan(&r.CampaignID, &at, &r.Status, &r.NoticeID, &r.Note, &created); err != nil {
			return nil, err
		}
		r.ScheduledAt, r.CreatedAt = parseTime(at), parseTime(created)
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// UpdateCampaign stores c's new template, values, audience, channels,
// languages, urgency, schedule, zone and dates under its id (the name may
// change too). A new schedule or zone counts firings from now: the old
// schedule's past is not replayed under the new one. Errors: NotFound,
// Invalid, Conflict as for CreateCampaign.
func (s *Store) UpdateCampaign(ctx context.Context, c Campaign) error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || c.Schedule == "" || c.Timezone == "" {
		return errorf(Invalid, "a campaign needs a name, a schedule and a time zone")
	}
	if err := c.Notice.check(); err != nil {
		return err
	}
	values, err := json.Marshal(c.Notice.Values)
	if err != nil {
		return err
	}
	if c.Notice.Values == nil {
		values = []byte("{}")
	}
	audience, err := json.Marshal(c.Notice.Audience)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.audienceWhere(ctx, tx, c.Notice.Audience); err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM campaigns WHERE name = ? AND id <> ?`, c.Name, c.ID).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return errorf(Conflict, "a campaign named %q exists (crier campaigns list shows them)", c.Name)
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = ?, template = ?, field_values = ?, languages = ?, audience = ?,
			channels = ?, urgency = ?, starts_at = ?, ends_at = ?, updated_at = ?,
			checked_until = CASE WHEN schedule <> ? OR timezone <> ? THEN `+laterOf("checked_until", "?")+` ELSE checked_until END,
			schedule = ?, timezone = ?
			WHERE id = ?`,
			c.Name, c.Notice.Template, string(values), strings.Join(c.Notice.Languages, ","), string(audience),
			joinChannels(c.Notice.Channels), string(c.Notice.Urgency), nullTime(c.StartsAt), nullTime(c.EndsAt), now,
			c.Schedule, c.Timezone, now, now, c.Schedule, c.Timezone, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errorf(NotFound, "no campaign %d", c.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update campaign %s: %w", c.Name, err)
	}
	return nil
}

// SetCampaignEnabled pauses (enabled false) or resumes the campaign named
// name. A paused campaign does not fire; on resume its firings count from
// now, so those it skipped while paused are not sent late. It reports
// whether anything changed. Errors: NotFound.
func (s *Store) SetCampaignEnabled(ctx context.Context, name string, enabled bool) (changed bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		flag := 0
		if enabled {
			flag = 1 // enabled is an INTEGER column: PostgreSQL refuses a Go bool for it
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET enabled = ?1, updated_at = ?2,
			checked_until = CASE WHEN ?1 = 1 THEN `+laterOf("checked_until", "?2")+` ELSE checked_until END
			WHERE name = ?3 AND enabled <> ?1`, flag, now, name)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n > 0 {
			changed = n > 0
			return err
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM campaigns WHERE name = ?`, name).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return errorf(NotFound, "no campaign named %q (crier campaigns list shows them)", name)
		}
		return nil
	})
	return changed, err
}

// DeleteCampaign deletes the campaign named name and its record of runs.
// The notices its firings published stay, with their reports. Errors:
// NotFound.
func (s *Store) DeleteCampaign(ctx context.Context, name string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM campaigns WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errorf(NotFound, "no campaign named %q (crier campaigns list shows them)", name)
		}
		return nil
	})
}

// NoticeRun says which campaign firing published notice id: the
// campaign's name and zone and the firing's time; ok is false for a
// notice a person sent (or whose campaign was deleted).
func (s *Store) NoticeRun(ctx context.Context, id int64) (campaign, timezone string, at time.Time, ok bool, err error) {
	var when string
	err = s.db.QueryRowContext(ctx, `SELECT c.name, c.timezone, r.scheduled_at FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.notice_id = ?`, id).Scan(&campaign, &timezone, &when)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", time.Time{}, false, nil
	}
	if err != nil {
		return "", "", time.Time{}, false, err
	}
	return campaign, timezone, parseTime(when), true, nil
}

// laterOf is the later of two fixed-width UTC times, a and b, in the SQL
// of both engines (SQLite's two-argument max is PostgreSQL's greatest).
// b appears twice, so a ? placeholder there takes its argument twice.
func laterOf(a, b string) string {
	return "CASE WHEN " + a + " > " + b + " THEN " + a + " ELSE " + b + " END"
}
