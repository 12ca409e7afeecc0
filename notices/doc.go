// Package notices is Crier's domain: contacts and their subscriptions,
// suppressions, lists and audiences, notices and their deliveries
// (publishing: an audience becomes one delivery per address and channel,
// in one transaction), the Store that keeps them in SQL, and contact
// import. Campaigns and reports come with later work.
//
// The store runs on SQLite (modernc.org/sqlite, pure Go) by default. Its
// SQL is written so that PostgreSQL can share it except for a few
// differences, each marked with a "PostgreSQL:" comment: placeholders (?
// here, $n there), identity columns, JSON and string aggregation, and time
// types.
package notices
