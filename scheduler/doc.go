// Package scheduler decides when messages go and drives their sending:
// the Dispatcher claims due deliveries under a lease, renders each
// recipient's message, sends it through its channel within the channel's
// rate, quiet hours and retries, pauses a broken channel and records each
// outcome; the Campaigner turns each campaign's due firing into a
// published notice, once; Service runs both for crier serve.
//
// They ask the store through interfaces declared here, Queue and
// CampaignStore, of the methods they use; *notices.Store is the one crier
// passes.
package scheduler
