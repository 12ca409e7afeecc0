// Package web is crier serve's public side: every address Crier puts into
// what it sends is answered here — the unsubscribe links of emails, the
// Twilio status and reply webhooks, the notice pages behind QR codes and
// text-message links — along with the Atom and CAP feeds of notices.
//
// The server is meant to sit behind a reverse proxy that terminates TLS
// (crier.toml's public_url is the address the world uses). Every route
// answers with security headers, under a body limit and timeouts, with a
// per-address rate limit, and never shows a stack trace, an internal id
// or a customer's address in an error.
package web
