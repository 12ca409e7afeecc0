package sms_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/sms"
)

func Example() {
	// A server shaped like Twilio's, refusing the number as opted out.
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}`)
	}))
	defer twilio.Close()

	s, err := sms.New(sms.Config{
		AccountSID: "AC0123456789abcdef0123456789abcdef",
		AuthToken:  "token0123456789", // from CRIER_TWILIO_AUTH_TOKEN
		From:       "+13155550100",
		BaseURL:    twilio.URL, // empty: Twilio itself
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.Send(context.Background(), channels.Message{
		To:  "+13155550101",
		SMS: &channels.SMS{Body: "Boil water advisory for Elm St. until Friday."},
	})
	fmt.Println("permanent:", channels.IsPermanent(err))
	fmt.Println("add to the suppressions:", sms.OptedOut(err))
	// Output:
	// permanent: true
	// add to the suppressions: true
}
