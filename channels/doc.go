// Package channels delivers one message to one recipient. It declares the
// message types a channel accepts, the errors a channel reports (transient,
// permanent, or the channel itself broken), and, in sub-packages named after
// their technology, the adapters: outbox (files, the default), email (SMTP
// with go-mail) and, with later work, sms (Twilio) and print.
//
// The package imports nothing else of Crier's: the dispatcher renders a
// message for its recipient and hands it to a channel.
package channels
