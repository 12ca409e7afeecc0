package notices

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestDeliveryStatementsUseTheirIndexes: the statements that read or
// change a part of a notice's deliveries (its failures; its queued ones
// on cancel, reschedule and resume) read that part by its partial index
// on both engines, not every delivery of the notice by the unique key. On
// PostgreSQL the plan checked is the generic one, the plan a statement
// prepared once and run again keeps, which knows no argument's value.
func TestDeliveryStatementsUseTheirIndexes(t *testing.T) {
	const at = "2026-11-28T12:00:00.000000000Z"
	tests := []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"a notice's failures (notice page, dashboard, API report, crier report)", failuresOfNotice, []any{1}, "deliveries_failed"},
		{"cancel", cancelQueued, []any{at, 1}, "deliveries_open"},
		{"reschedule", rescheduleQueued, []any{at, at, 1}, "deliveries_open"},
		{"resume", resumeQueued, []any{at, 1, "sms"}, "deliveries_open"},
	}
	s := testStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, s, tt.query, tt.args...)
			if !strings.Contains(plan, tt.index) {
				t.Errorf("plan does not use %s:\n%s\nstatement: %s", tt.index, plan, tt.query)
			}
		})
	}
}

// queryPlan is the engine's plan of query: SQLite's EXPLAIN QUERY PLAN;
// PostgreSQL's generic plan (plan_cache_mode = force_generic_plan) of the
// statement prepared, with sequential scans off so that an empty table's
// plan shows which index the planner can take.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	if s.Engine() == "sqlite" {
		plan, err := planLines(s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...))
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`SET plan_cache_mode = force_generic_plan`, `SET enable_seqscan = off`, `PREPARE plan_check AS ` + query} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer func() { // the connection goes back to the store's pool as it was
		for _, q := range []string{`DEALLOCATE plan_check`, `RESET plan_cache_mode`, `RESET enable_seqscan`} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	}()
	marks := strings.Repeat("NULL, ", len(args))
	plan, err := planLines(conn.QueryContext(ctx, `EXPLAIN EXECUTE plan_check(`+strings.TrimSuffix(marks, ", ")+`)`))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// planLines is the text of a plan's rows: the last column of each
// (SQLite's detail, PostgreSQL's one line).
func planLines(rows *sql.Rows, err error) (string, error) {
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		var line string
		for i := range vals {
			vals[i] = new(any)
		}
		vals[len(vals)-1] = &line
		if err := rows.Scan(vals...); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
