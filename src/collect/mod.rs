//! Collectors: turn an input (templates, the AWS API) into the [`crate::model::Inventory`].

pub mod cfn;
