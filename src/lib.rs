//! stridefit: a running-shoe fitting engine. `api` (HTTP) calls the domain services
//! (`fitting`, `catalogue`, `recommendation` → `ranking`, `referral`), which use `db`;
//! `features` is the one place a (fitting, shoe) pair becomes model input.

pub mod api;
pub mod auth;
pub mod catalogue;
pub mod cli;
pub mod commands;
pub mod db;
pub mod features;
pub mod metrics;
pub mod fitting;
pub mod ranking;
pub mod recommendation;
pub mod report;
pub mod referral;
pub mod settings;
pub mod startup;
pub mod tabular;
pub mod text;
pub mod time;
pub mod outcomes;
pub mod model;
pub mod training;
pub mod simulate;
pub mod sizing;
pub mod units;
pub mod validation;
pub mod ids;
pub mod web;

pub use settings::Settings;
pub use startup::Application;
