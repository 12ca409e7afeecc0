package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// twilioRequest is a POST of form to path with the signature sig.
func twilioRequest(path string, form url.Values, sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		r.Header.Set("X-Twilio-Signature", sig)
	}
	return r
}

// TestTwilioDocsExample checks the signature check against the example of
// Twilio's "Validating requests" documentation: auth token 12345, a POST
// to https://mycompany.com/myapp.php?foo=1&bar=2 signed
// RSOYDt4T1cUTdK1PDd93/VVr8B8=.
func TestTwilioDocsExample(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) {
		c.PublicURL = "https://mycompany.com"
		c.TwilioAuthToken = "12345"
	})
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
	const docsSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	if got := twilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != docsSignature {
		t.Fatalf("the tests' own signer gives %s for Twilio's example; want %s", got, docsSignature)
	}
	tests := []struct {
		name string
		path string
		form url.Values
		sig  string
		want bool
	}{
		{"Twilio's example", "/myapp.php?foo=1&bar=2", form, docsSignature, true},
		{"no signature", "/myapp.php?foo=1&bar=2", form, "", false},
		{"one character changed", "/myapp.php?foo=1&bar=2", form, "RSOYDt4T1cUTdK1PDd93/VVr8B9=", false},
		{"another address (replayed)", "/myapp.php?foo=1&bar=3", form, docsSignature, false},
		{"another path (replayed)", "/webhooks/twilio/sms?foo=1&bar=2", form, docsSignature, false},
		{"a parameter changed", "/myapp.php?foo=1&bar=2", with(form, "Digits", "1235"), docsSignature, false},
		{"a parameter added", "/myapp.php?foo=1&bar=2", with(form, "Body", "STOP"), docsSignature, false},
		{"a parameter twice", "/myapp.php?foo=1&bar=2", twice(form, "Digits", "1234"), docsSignature, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reached := false
			h := s.twilioSigned(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				if r.PostForm.Get("CallSid") != "CA1234567890ABCDE" {
					t.Errorf("the handler got form %v", r.PostForm)
				}
			})
			w := httptest.NewRecorder()
			h(w, twilioRequest(tc.path, tc.form, tc.sig))
			if reached != tc.want {
				t.Fatalf("handler reached: %v; want %v (status %d)", reached, tc.want, w.Code)
			}
			if !tc.want && w.Code != http.StatusForbidden {
				t.Errorf("status %d; want 403", w.Code)
			}
		})
	}
}

// TestTwilioWithoutToken: with no auth token configured nothing is taken
// for Twilio's, however it is signed.
func TestTwilioWithoutToken(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.TwilioAuthToken = "" })
	form := url.Values{"MessageSid": {"SM1"}}
	reached := false
	h := s.twilioSigned(func(http.ResponseWriter, *http.Request) { reached = true })
	w := httptest.NewRecorder()
	h(w, twilioRequest("/webhooks/twilio/status", form, twilioSignature("", testPublicURL+"/webhooks/twilio/status", form)))
	if reached || w.Code != http.StatusForbidden {
		t.Errorf("reached %v, status %d; want refused with 403", reached, w.Code)
	}
}

// TestForgedSignaturesSlowedDown: an address that keeps sending bad
// signatures is answered 429 after its burst, while Twilio's own
// requests from it still go through.
func TestForgedSignaturesSlowedDown(t *testing.T) {
	s, _ := newTestServer(t, nil)
	form := url.Values{"MessageSid": {"SM1"}}
	h := s.twilioSigned(func(http.ResponseWriter, *http.Request) {})
	codes := map[int]int{}
	for range forgedBurst + 5 {
		w := httptest.NewRecorder()
		h(w, twilioRequest("/webhooks/twilio/status", form, "forged"))
		codes[w.Code]++
	}
	if codes[http.StatusForbidden] < forgedBurst || codes[http.StatusTooManyRequests] == 0 {
		t.Errorf("answers %v; want %d or more 403 then 429", codes, forgedBurst)
	}
	w := httptest.NewRecorder()
	h(w, twilioRequest("/webhooks/twilio/status", form, twilioSignature(testToken, testPublicURL+"/webhooks/twilio/status", form)))
	if w.Code != http.StatusOK {
		t.Errorf("a signed request after the forged ones: %d; want 200", w.Code)
	}
}

func with(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vs := range v {
		out[key] = append([]string(nil), vs...)
	}
	out.Set(k, val)
	return out
}

func twice(v url.Values, k, val string) url.Values {
	out := with(v, k, v.Get(k))
	out.Add(k, val)
	return out
}

// FuzzTwilioSignature: whatever the path, form and signature, the check
// never panics, and it lets a request through only when the signature is
// the one Twilio would compute.
func FuzzTwilioSignature(f *testing.F) {
	f.Add("/webhooks/twilio/sms", "From=%2B15550100&Body=STOP", "")
	f.Add("/webhooks/twilio/status?x=1", "MessageSid=SM1&MessageStatus=delivered", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
	f.Add("/", "a=1&a=2", "====")
	s, _ := newTestServer(f, nil)
	f.Fuzz(func(t *testing.T, path, body, sig string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		r, err := http.NewRequest(http.MethodPost, "http://localhost"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r.RequestURI = r.URL.RequestURI()
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", sig)
		if r.ParseForm() != nil {
			return
		}
		valid := s.validTwilio(r)
		want := sig != "" && sig == twilioSignature(testToken, testPublicURL+r.URL.RequestURI(), r.PostForm) && singleValued(r.PostForm)
		if valid != want {
			t.Fatalf("validTwilio = %v; want %v", valid, want)
		}
	})
}

func singleValued(v url.Values) bool {
	for _, vs := range v {
		if len(vs) != 1 {
			return false
		}
	}
	return true
}
