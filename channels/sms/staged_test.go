package sms_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/sinks"
	"github.com/crier-notices/crier/internal/testenv"
)

// TestStagedSendWaitsForReady: SendStaged calls ready before the request
// goes out. Prism, checking the request against Twilio's API description,
// takes the whole of it once ready returns; when ready fails, the server
// creates no message, and the error is ready's as it is.
func TestStagedSendWaitsForReady(t *testing.T) {
	t.Run("ready: Prism takes the request whole", func(t *testing.T) {
		prism := testenv.Prism(t)
		s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: prism.URL()})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		r, err := s.SendStaged(t.Context(), message("Boil water advisory for Elm St. until Friday."), func() error { calls++; return nil })
		if err != nil || r.ProviderID == "" || calls != 1 {
			t.Fatalf("SendStaged: %+v, %v; ready called %d times, want once", r, err, calls)
		}
	})
	t.Run("not ready: no message", func(t *testing.T) {
		sink, err := sinks.StartTwilio("127.0.0.1:0", sinks.RequireToken(authToken))
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: sink.URL()})
		if err != nil {
			t.Fatal(err)
		}
		stop := errors.New("the previous outcome is not recorded")
		_, err = s.SendStaged(t.Context(), message("first"), func() error {
			if n := sink.Accepted(); n != 0 {
				t.Errorf("the server took %d messages before ready", n)
			}
			return stop
		})
		if err != stop {
			t.Fatalf("SendStaged: %v; want ready's error as it is", err)
		}
		if _, err := s.Send(t.Context(), message("second")); err != nil {
			t.Fatal(err)
		}
		if n := sink.Accepted(); n != 1 {
			t.Errorf("the server took %d messages; want 1 (the one ready stopped never went)", n)
		}
	})
}

// TestStagedReadyNeverOutlivesTheSend: a server that answers without
// waiting for the body (here 401 at once) ends the send; ready is never
// called after SendStaged returns, on no goroutine.
func TestStagedReadyNeverOutlivesTheSend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code": 20003, "message": "Authenticate", "status": 401}`))
	}))
	defer srv.Close()
	s, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: from, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var returned, lateReady atomic.Bool
	_, err = s.SendStaged(t.Context(), message(strings.Repeat("Boil water advisory. ", 40)), func() error {
		if returned.Load() {
			lateReady.Store(true)
		}
		return nil
	})
	returned.Store(true)
	if err == nil {
		t.Fatal("a 401 was taken for a sent message")
	}
	time.Sleep(200 * time.Millisecond) // a goroutine left behind would call ready by now
	if lateReady.Load() {
		t.Error("ready was called after SendStaged returned")
	}
}
