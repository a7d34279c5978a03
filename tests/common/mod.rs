//! Test harness shared by the integration tests.
#![allow(dead_code, unused_imports)]

pub mod peers;
