//! Collectors: turn an input (templates, the AWS API) into the [`crate::model::Inventory`].

#[cfg(feature = "live")]
pub mod aws;
pub mod cfn;
