// Package notices is Crier's domain and its store: contacts and their
// subscriptions, suppressions and email choices, lists and audiences,
// notices and their deliveries (publishing: an audience becomes one
// delivery per address and channel, in one transaction), proofs,
// approvals, campaigns and their runs, delivery outcomes and customers'
// replies, console users and the audit log, reports and exports, and
// contact import.
//
// The Store keeps them in SQL written once for every engine, with ?
// placeholders; a Dialect (notices/sqlite, notices/postgres, registered
// by importing the package) opens the database and says what its engine
// says differently. Open picks the engine by the dsn: a file path is
// SQLite, a postgres:// URL PostgreSQL.
//
// The store does no template work: Publish, PublishRun, CreateProof and
// Fallbacks take a Template (templates.Family is one) that checks the
// values and resolves a campaign's dates, and the package reads language
// codes and categories from templates/lang and templates/category, so
// that it builds without the renderers. Its callers ask it through small
// interfaces of their own (scheduler.Queue, scheduler.CampaignStore,
// web.Store); package app holds the whole Store.
package notices
