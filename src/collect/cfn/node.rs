//! Our own small document tree. The parsers (YAML, JSON) lower into it at once, so nothing
//! past `parse.rs` knows which parser or format was used. Short-form intrinsics (`!Ref x`)
//! become the same one-key mapping as the long form (`{Ref: x}`).

use crate::model::Pos;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// Numbers keep their source text: CloudFormation treats them as strings almost everywhere.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in source order; duplicate keys are rejected by the parser.
    Map(Vec<(Key, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

impl Node {
    pub fn new(pos: Pos, kind: Kind) -> Self {
        Node { pos, kind }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a scalar (string, number or boolean), as CloudFormation would read it.
    pub fn as_scalar(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A one-key mapping whose key is an intrinsic function (`Ref`, `Fn::*`, `Condition`).
    pub fn as_intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.kind {
            Kind::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                let name = k.name.as_str();
                (name == "Ref" || name == "Condition" || name.starts_with("Fn::")).then_some((name, v))
            }
            _ => None,
        }
    }
}
