package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/password"
	"github.com/crier-notices/crier/notices"
)

// TestUsersPageAccess: only an admin reaches the Users page; a viewer or a
// coordinator is refused, reading or writing, and nobody signed out sees it.
func TestUsersPageAccess(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	viewer, _ := testSignIn(t, ts, st, notices.RoleViewer)
	coord, _ := testSignIn(t, ts, st, notices.RoleCoordinator)
	admin, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	add := url.Values{"name": {"eve"}, "role": {"admin"}, "password": {testPassword}, "password2": {testPassword}}
	tests := []struct {
		name   string
		client *http.Client
		method string
		status int
	}{
		{"signed out", newClient(), "GET", http.StatusSeeOther},
		{"signed out, adding", newClient(), "POST", http.StatusUnauthorized},
		{"a viewer", viewer, "GET", http.StatusForbidden},
		{"a viewer adding", viewer, "POST", http.StatusForbidden},
		{"a coordinator", coord, "GET", http.StatusForbidden},
		{"a coordinator adding", coord, "POST", http.StatusForbidden},
		{"an admin", admin, "GET", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.method == "GET" {
				var err error
				if resp, err = tt.client.Get(ts.URL + "/console/users"); err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else {
				resp = postForm(t, tt.client, ts, "/console/users", add, "")
			}
			if resp.StatusCode != tt.status {
				t.Errorf("%s /console/users: %d, want %d", tt.method, resp.StatusCode, tt.status)
			}
		})
	}
	if _, err := st.UserByName(context.Background(), "eve"); err == nil {
		t.Error("a refused request added a user")
	}
}

// TestUsersPageChanges: an admin adds a user, changes a role, resets a
// password and disables a user from the Users page; each change is in
// the audit log under the admin's name; a bad value is shown beside its
// field; the last admin cannot be demoted or disabled.
func TestUsersPageChanges(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	ctx := context.Background()
	admin, me := testSignIn(t, ts, st, notices.RoleAdmin)
	post := func(path string, form url.Values) (int, string) {
		resp := postForm(t, admin, ts, path, form, "")
		return resp.StatusCode, bodyOf(t, resp)
	}

	code, body := post("/console/users", url.Values{"name": {"bo"}, "role": {"coordinator"}, "password": {"short"}, "password2": {"short"}, "email": {"bo@"}, "phone": {"315-555-0102"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad user: %d, want 422", code)
	}
	for _, want := range []string{`id="password-error">the password needs at least 12`, `id="email-error">`, `value="bo"`, `value="315-555-0102"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused add form lacks %s", want)
		}
	}
	code, body = post("/console/users", url.Values{"name": {"bo"}, "role": {"coordinator"}, "password": {testPassword}, "password2": {testPassword}, "email": {"bo@water.example.org"}})
	if code != http.StatusOK || !strings.Contains(body, "Added bo (coordinator).") {
		t.Fatalf("add: %d\n%s", code, body)
	}
	bo, err := st.UserByName(ctx, "bo")
	if err != nil || bo.Role != notices.RoleCoordinator || password.Verify(testPassword, bo.PasswordHash) != nil {
		t.Fatalf("bo: %+v %v", bo, err)
	}

	steps := []struct {
		name, path string
		form       url.Values
		status     int
		want       string
	}{
		{"role", fmt.Sprintf("/console/users/%d/role", bo.ID), url.Values{"role": {"viewer"}}, http.StatusOK, "bo is now viewer"},
		{"a bad role", fmt.Sprintf("/console/users/%d/role", bo.ID), url.Values{"role": {"boss"}}, http.StatusUnprocessableEntity, fmt.Sprintf(`id="role-%d-error">role &#34;boss&#34;`, bo.ID)},
		{"a short password", fmt.Sprintf("/console/users/%d/password", bo.ID), url.Values{"password": {"short"}}, http.StatusUnprocessableEntity, fmt.Sprintf(`id="password-%d-error">the password needs`, bo.ID)},
		{"password", fmt.Sprintf("/console/users/%d/password", bo.ID), url.Values{"password": {"the river runs north"}}, http.StatusOK, "Set a new password for bo"},
		{"disable", fmt.Sprintf("/console/users/%d/disable", bo.ID), nil, http.StatusOK, "Disabled bo"},
		{"demote the last admin", fmt.Sprintf("/console/users/%d/role", me.ID), url.Values{"role": {"coordinator"}}, http.StatusUnprocessableEntity, fmt.Sprintf(`id="role-%d-error">user test-admin: cannot demote the last active admin`, me.ID)},
		{"disable the last admin", fmt.Sprintf("/console/users/%d/disable", me.ID), nil, http.StatusUnprocessableEntity, fmt.Sprintf(`id="disable-%d-error">user test-admin: cannot disable the last active admin`, me.ID)},
		{"no such user", "/console/users/999/disable", nil, http.StatusNotFound, ""},
	}
	for _, st := range steps {
		code, body := post(st.path, st.form)
		if code != st.status || !strings.Contains(body, st.want) {
			t.Errorf("%s: %d, want %d and %s\n%s", st.name, code, st.status, st.want, body)
		}
	}
	bo, _ = st.UserByName(ctx, "bo")
	if bo.Role != notices.RoleViewer || !bo.Disabled || password.Verify("the river runs north", bo.PasswordHash) != nil {
		t.Errorf("bo after the changes: %+v", bo)
	}
	log, _ := st.AuditLog(ctx, 10, 0)
	var got []string
	for i := len(log) - 1; i >= 0; i-- {
		got = append(got, log[i].Actor+" "+log[i].Action+" "+log[i].Subject)
	}
	want := []string{"test-admin user-add user bo", "test-admin user-role user bo", "test-admin user-password user bo", "test-admin user-disable user bo"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestUsersPageEscapes: a user's name with HTML in it is shown as text.
func TestUsersPageEscapes(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	if _, err := st.AddUser(context.Background(), notices.User{Name: `<img/src=x/onerror=alert(1)>`, Role: notices.RoleViewer, PasswordHash: "x", Email: `"><b>e</b>@x.org`}); err != nil {
		t.Fatal(err)
	}
	admin, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	resp, err := admin.Get(ts.URL + "/console/users")
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(t, resp)
	resp.Body.Close()
	if strings.Contains(body, "<img") || strings.Contains(body, "<b>e</b>") {
		t.Errorf("the Users page shows HTML from a user's name or email unescaped")
	}
	if !strings.Contains(body, "&lt;img/src=x/onerror=alert(1)&gt;") {
		t.Errorf("the Users page does not show the name as text")
	}
}

// TestUsersPageLabels: every input and select of the Users page has a
// label.
func TestUsersPageLabels(t *testing.T) {
	_, st, ts := newConsoleServer(t, nil)
	admin, _ := testSignIn(t, ts, st, notices.RoleAdmin)
	testSignIn(t, ts, st, notices.RoleViewer)
	resp, err := admin.Get(ts.URL + "/console/users")
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(t, resp)
	resp.Body.Close()
	n := 0
	for _, tag := range []string{"<input ", "<select "} {
		for rest := body; ; {
			i := strings.Index(rest, tag)
			if i < 0 {
				break
			}
			rest = rest[i+len(tag):]
			id := rest[strings.Index(rest, `id="`)+4:]
			id = id[:strings.IndexByte(id, '"')]
			if !strings.Contains(body, `<label for="`+id+`">`) {
				t.Errorf("%sid=%q…> has no label", tag, id)
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("found %d inputs, want the add form's and each user's", n)
	}
}
