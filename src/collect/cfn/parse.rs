//! Template parsing: YAML (with CloudFormation short tags) and JSON into [`Node`], keeping the
//! 1-based line/column of every node and key.
//!
//! Both parsers build the tree without recursion on the input's nesting (YAML) or with a fixed
//! depth bound (JSON), refuse nesting deeper than [`MAX_DEPTH`], and never panic on any input.

mod json;
mod yaml;

use std::fmt;

use super::node::{Key, Node};
use crate::model::Pos;

/// Larger input is rejected before parsing.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// The deepest nesting of sequences and mappings accepted in either format.
const MAX_DEPTH: usize = 256;

/// Why a template could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

impl ParseError {
    fn new(pos: Pos, message: impl Into<String>) -> Self {
        ParseError {
            pos,
            message: message.into(),
        }
    }

    fn too_deep(pos: Pos) -> Self {
        ParseError::new(pos, format!("nesting deeper than {MAX_DEPTH} levels"))
    }

    fn duplicate_key(pos: Pos, key: &str, first: Pos) -> Self {
        ParseError::new(pos, format!("duplicate key `{key}` (first at {first})"))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a CloudFormation template. Text whose first non-whitespace character (after an
/// optional byte-order mark) is `{` is read as JSON, anything else as YAML.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    if text.len() > MAX_BYTES {
        return Err(ParseError::new(
            Pos { line: 1, column: 1 },
            format!(
                "file is {} bytes; templates over 8 MiB are not supported \
                 (CloudFormation's own limit is 1 MB)",
                text.len()
            ),
        ));
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        json::parse(text)
    } else {
        yaml::parse(text)
    }
}

/// Finds keys seen twice in one mapping: a linear scan for small mappings, a hash index once a
/// mapping grows (a `Resources` section can hold thousands of keys).
#[derive(Default)]
struct KeyIndex {
    index: Option<std::collections::HashMap<String, Pos>>,
}

impl KeyIndex {
    const LINEAR: usize = 16;

    /// The position of an earlier key `name` among `entries` (the mapping so far), if any.
    fn find(&mut self, entries: &[(Key, Node)], name: &str, pos: Pos) -> Option<Pos> {
        if entries.len() < Self::LINEAR {
            return entries.iter().find(|(k, _)| k.name == name).map(|(k, _)| k.pos);
        }
        let index = self
            .index
            .get_or_insert_with(|| entries.iter().map(|(k, _)| (k.name.clone(), k.pos)).collect());
        match index.get(name) {
            Some(first) => Some(*first),
            None => {
                index.insert(name.to_owned(), pos);
                None
            }
        }
    }
}
