//! albaudit: audits AWS Application Load Balancers from CloudFormation templates or the AWS API,
//! and confirms findings with per-IP handshakes.
//!
//! Facts, checks and evidence are separate: collectors ([`collect`]) fill a source-agnostic
//! [`model::Inventory`], [`checks`] run over it, and [`report`] renders the findings.

pub mod app;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod finding;
pub mod log;
pub mod model;
pub mod policy;
pub mod probe;
pub mod report;
