package sms

import (
	"encoding/json"
	"testing"
)

// created is a 201's body as Twilio's API reference shows it.
const created = `{"account_sid": "AC0123456789abcdef0123456789abcdef", "api_version": "2010-04-01", "body": "Boil water \"now\"", ` +
	`"date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": null, "error_code": null, "num_media": "0", ` +
	`"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", ` +
	`"subresource_uris": {"media": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef/Media.json", "sid": "not this"}, ` +
	`"tags": [1, {"sid": "nor this"}, "]"], "to": "+13155550101"}`

func TestReplySID(t *testing.T) {
	tests := []struct {
		name, body, want string
		scanned          bool // read without encoding/json
		bad              bool // an error
	}{
		{name: "Twilio's reply", body: created, want: "SM0123456789abcdef0123456789abcdef", scanned: true},
		{name: "no sid", body: `{"status": "queued"}`, scanned: true},
		{name: "empty object", body: ` {} `, scanned: true},
		{name: "the last of two", body: `{"sid": "SM1", "sid": "SM2"}`, want: "SM2", scanned: true},
		{name: "null leaves the one before", body: `{"sid": "SM1", "sid": null}`, want: "SM1", scanned: true},
		{name: "any case", body: `{"SID": "SM3"}`, want: "SM3", scanned: true},
		{name: "escaped key", body: `{"\u0073id": "SM4"}`, want: "SM4"},
		{name: "escaped sid", body: `{"sid": "SM\u0035"}`, want: "SM5"},
		{name: "a key folding to sid", body: "{\"\u017fid\": \"SM6\"}", want: "SM6"},
		{name: "not JSON", body: `OK`, bad: true},
		{name: "a number", body: `{"sid": 5}`, bad: true},
		{name: "cut off", body: `{"sid": "SM7`, bad: true},
		{name: "trailing text", body: `{"sid": "SM8"} x`, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid, err := replySID([]byte(tt.body))
			if sid != tt.want || (err != nil) != tt.bad {
				t.Errorf("replySID = %q, %v; want %q, error %v", sid, err, tt.want, tt.bad)
			}
			if _, ok := scanSID([]byte(tt.body)); ok != tt.scanned {
				t.Errorf("scanned %v, want %v", ok, tt.scanned)
			}
		})
	}
}

// FuzzReplySID: whatever encoding/json reads a SID from, replySID reads
// the same.
func FuzzReplySID(f *testing.F) {
	for _, s := range []string{created, `{"sid":"SM1","sid":null}`, `{"SId":"x"}`, `{"a":[{"sid":"y"}],"sid":"z"}`, `{"sid":"\u00e9"}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var msg struct {
			SID string `json:"sid"`
		}
		if json.Unmarshal(body, &msg) != nil {
			return
		}
		if sid, err := replySID(body); err != nil || sid != msg.SID {
			t.Errorf("replySID(%q) = %q, %v; encoding/json reads %q", body, sid, err, msg.SID)
		}
	})
}
