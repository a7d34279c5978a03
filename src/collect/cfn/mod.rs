//! The CloudFormation collector: templates in, inventory out.

pub mod node;
pub mod parse;
