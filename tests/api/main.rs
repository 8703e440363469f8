//! Integration tests: the real HTTP server over a real SQLite database, one per test.

mod browser;
mod catalogue;
mod errors;
mod fittings;
mod hardening;
mod helpers;
mod models;
mod openapi;
mod operations;
mod outcomes;
mod recommendations;
mod referral_vignettes;
mod replicas;
mod report;
mod returning_runner;
mod security;
mod sizes;
mod staff_page;
mod try_ons;
