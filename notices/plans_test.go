package notices

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDeliveryStatementsUseTheirIndexes: the statements that read or
// change a part of a notice's deliveries (its failures; its queued ones
// on cancel, reschedule and resume; what is left of it, queued and being
// sent, when the dispatcher asks whether it is done or anything is
// pending) read that part by its partial index on both engines, not
// every delivery of the notice by the unique key (and a claim reads the
// due deliveries by the queue's index). On PostgreSQL the plan checked is
// the generic one, the plan a statement prepared once and run again
// keeps, which knows no argument's value.
func TestDeliveryStatementsUseTheirIndexes(t *testing.T) {
	const at = "2026-11-28T12:00:00.000000000Z"
	s := testStore(t)
	_, due, _, _ := claimSQL(s.dialect)
	noticeQ, noticeArgs := noticePending(1, []Channel{Email, SMS})
	everyQ, everyArgs := noticePending(1, nil)
	pendingQ, pendingArgs := anyPending(map[Channel]ClaimScope{SMS: {EmergencyOnly: true}}, []Channel{Email, SMS})
	anyQ, anyArgs := anyPending(nil, nil)
	tests := []struct {
		name    string
		query   string
		args    []any
		indexes []string // each the index of a part of the statement ("a|b": either)
	}{
		{"a notice's failures (notice page, dashboard, API report, crier report)", failuresOfNotice, []any{1}, []string{"deliveries_failed"}},
		{"cancel", cancelQueued, []any{at, 1}, []string{"deliveries_open"}},
		{"reschedule", rescheduleQueued, []any{at, at, 1}, []string{"deliveries_open"}},
		{"resume", resumeQueued, []any{at, 1, "sms"}, []string{"deliveries_open"}},
		{"notices done", finishDone, []any{at}, []string{"deliveries_open", "deliveries_sending"}},
		{"a notice pending on some channels", noticeQ, noticeArgs, []string{"deliveries_open", "deliveries_sending"}},
		{"a notice pending on any channel", everyQ, everyArgs, []string{"deliveries_open", "deliveries_sending"}},
		{"anything pending, quiet hours", pendingQ, pendingArgs, []string{"deliveries_open|deliveries_queued", "deliveries_sending"}},
		{"anything pending", anyQ, anyArgs, []string{"deliveries_open|deliveries_queued", "deliveries_sending"}},
		{"outstanding", outstanding, nil, []string{"deliveries_open|deliveries_queued", "deliveries_sending"}},
		{"claim: the due deliveries", due, []any{"email", at, 0, 64, 1}, []string{"deliveries_queued"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, s, tt.query, tt.args...)
			for _, index := range tt.indexes {
				if !slices.ContainsFunc(strings.Split(index, "|"), func(i string) bool { return strings.Contains(plan, i) }) {
					t.Errorf("plan does not use %s:\n%s\nstatement: %s", strings.ReplaceAll(index, "|", " or "), plan, tt.query)
				}
			}
			// The unique key (notice, channel, address): SQLite's
			// autoindex, PostgreSQL's constraint.
			if strings.Contains(plan, "autoindex_deliveries") || strings.Contains(plan, "deliveries_notice_id_channel_address_key") {
				t.Errorf("plan reads every delivery of the notice by the unique key:\n%s\nstatement: %s", plan, tt.query)
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
	execute := `EXPLAIN EXECUTE plan_check`
	if len(args) > 0 {
		execute += `(` + strings.TrimSuffix(strings.Repeat("NULL, ", len(args)), ", ") + `)`
	}
	plan, err := planLines(conn.QueryContext(ctx, execute))
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

// TestHotStatementsBindNoPartialIndexColumn: the statements run for every
// claim and outcome compare no placeholder bare with a column named in a
// partial index's condition. SQLite weighs such a placeholder's value
// against the condition and prepares the statement again whenever a value
// is bound to it: at every claim or outcome, the parse and plan again
// (0.4 ms of each claim before the claim's channel was compared through a
// subquery).
func TestHotStatementsBindNoPartialIndexColumn(t *testing.T) {
	sqliteOnly(t)
	s := testStore(t)
	conds, err := QueryStrings(context.Background(), s.db, `SELECT substr(sql, instr(upper(sql), ' WHERE ')) FROM sqlite_master WHERE type = 'index' AND upper(sql) LIKE '% WHERE %'`)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]bool{}
	for _, c := range conds {
		for _, w := range regexp.MustCompile(`[a-z_]+`).FindAllString(c, -1) {
			cols[w] = true
		}
	}
	bare := regexp.MustCompile(`(?i)\b(?:[a-z_]+\.)?([a-z_]+)\s*(?:=|<>|!=|<=|>=|<|>|\bIN\b)\s*\(?\s*\?`)
	expired, due, take, suppress := claimSQL(s.dialect)
	for name, stmt := range map[string]string{
		"claim: expired leases": expired, "claim: due": due, "claim: take": take, "claim: suppress": suppress,
		"outcomes": recordOutcomes(8), "recheck: renew": recheckRenew, "recheck: state": recheckState,
	} {
		for _, m := range bare.FindAllStringSubmatch(stmt, -1) {
			if cols[strings.ToLower(m[1])] {
				t.Errorf("%s compares a placeholder with %s, which a partial index's condition names (%q): compare it through (SELECT CAST(? AS type))", name, m[1], m[0])
			}
		}
	}
}
