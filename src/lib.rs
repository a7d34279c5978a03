//! albaudit: audits AWS Application Load Balancers from CloudFormation templates or the AWS API,
//! and confirms findings with per-IP handshakes.

pub mod checks;
pub mod collect;
pub mod finding;
pub mod model;
pub mod probe;
pub mod report;
