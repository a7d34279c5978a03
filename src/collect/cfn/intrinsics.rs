//! Evaluation of CloudFormation intrinsic functions, as far as they can be decided before
//! deployment. What cannot be decided becomes [`Value::Unknown`] with the reason, never a guess;
//! an undecidable `Fn::If` becomes [`Value::Choice`] of both branches.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::exports::{Glob, GlobPart};
use super::node::{Kind, Node};
use super::{Stacks, Template};
use crate::model::{Incomplete, Unresolved};

/// A resource of one of the templates given: (template index, logical id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResRef {
    pub file: usize,
    pub logical: String,
}

/// The value of a node once intrinsics are applied.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// `AWS::NoValue`: the property is as if absent.
    NoValue,
    Bool(bool),
    Str(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    /// `Ref` to a resource: its physical id once deployed.
    Ref(ResRef),
    /// `Fn::GetAtt` of a resource.
    Att(ResRef, String),
    /// Either of these, depending on a condition that cannot be decided before deployment.
    Choice(Vec<Value>),
    /// `Fn::Join` of values that are not all text (resource ids): kept apart so that an
    /// `Fn::Split` on the same delimiter, often across an export, gives the items back.
    Joined(String, Vec<Value>),
    Unknown(Unresolved),
}

impl Value {
    /// A scalar's text (strings, booleans), as CloudFormation passes it to a resource.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// The possible values: the branches of a choice, flattened; the value itself otherwise.
    pub fn alternatives(&self) -> Vec<&Value> {
        match self {
            Value::Choice(options) => options.iter().flat_map(Value::alternatives).collect(),
            other => vec![other],
        }
    }

    /// The items of a list value; choices of lists contribute the items of every branch.
    /// A value that is not a list counts as a one-item list (CloudFormation is lenient too).
    pub fn items(&self) -> Vec<&Value> {
        let mut out = Vec::new();
        for alt in self.alternatives() {
            match alt {
                Value::List(items) => {
                    for item in items {
                        out.extend(item.alternatives().into_iter().filter(|v| **v != Value::NoValue));
                    }
                }
                Value::NoValue | Value::Null => {}
                other => out.push(other),
            }
        }
        out
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Nested intrinsics and import chains deeper than this are given up on.
const MAX_DEPTH: usize = 64;

/// Evaluates nodes of one template in the context of all templates given.
pub struct Evaluator<'a> {
    pub stacks: &'a Stacks,
    pub file: usize,
    depth: usize,
    /// Imports that could not be resolved, recorded once each.
    pub incomplete: &'a RefCell<Vec<Incomplete>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(stacks: &'a Stacks, file: usize, incomplete: &'a RefCell<Vec<Incomplete>>) -> Self {
        Evaluator {
            stacks,
            file,
            depth: 0,
            incomplete,
        }
    }

    fn template(&self) -> &'a Template {
        &self.stacks.templates[self.file]
    }

    fn nested(&self, file: usize) -> Evaluator<'a> {
        Evaluator {
            stacks: self.stacks,
            file,
            depth: self.depth + 1,
            incomplete: self.incomplete,
        }
    }

    pub fn eval(&self, node: &Node) -> Value {
        if self.depth > MAX_DEPTH {
            return unknown("intrinsics nested too deeply to evaluate");
        }
        let deeper = self.nested(self.file);
        if let Some((name, arg)) = node.as_intrinsic() {
            return deeper.intrinsic(name, arg);
        }
        match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(s) | Kind::Str(s) => Value::Str(s.clone()),
            Kind::Seq(items) => Value::List(items.iter().map(|n| deeper.eval(n)).collect()),
            Kind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), deeper.eval(v)))
                    .collect(),
            ),
        }
    }

    fn intrinsic(&self, name: &str, arg: &Node) -> Value {
        match name {
            "Ref" => match arg.as_scalar() {
                Some(target) => self.reference(&target),
                None => unknown("Ref to a computed name"),
            },
            "Fn::GetAtt" => self.get_att(arg),
            "Fn::Sub" => self.sub(arg),
            "Fn::Join" => self.join(arg),
            "Fn::Split" => self.split(arg),
            "Fn::Select" => self.select(arg),
            "Fn::If" => self.fn_if(arg),
            "Fn::FindInMap" => self.find_in_map(arg),
            "Fn::ImportValue" => self.import(arg),
            "Fn::GetAZs" => Value::List(
                (0..6)
                    .map(|i| Value::Str(format!("(availability zone #{} of the region)", i + 1)))
                    .collect(),
            ),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => {
                match self.condition_fn(name, arg) {
                    Some(b) => Value::Bool(b),
                    None => unknown("a condition decided at deploy time"),
                }
            }
            other => unknown(&format!("{other}, computed at deploy time")),
        }
    }

    fn reference(&self, target: &str) -> Value {
        let t = self.template();
        match target {
            "AWS::NoValue" => return Value::NoValue,
            "AWS::StackName" => {
                return match &t.stack_name {
                    Some(name) => Value::Str(name.clone()),
                    None => Value::Unknown(Unresolved::Parameter("AWS::StackName".into())),
                };
            }
            "AWS::Region" => {
                return match &self.stacks.region {
                    Some(r) => Value::Str(r.clone()),
                    None => Value::Unknown(Unresolved::Parameter("AWS::Region".into())),
                };
            }
            "AWS::Partition" => return Value::Str("aws".into()),
            "AWS::URLSuffix" => return Value::Str("amazonaws.com".into()),
            _ => {}
        }
        if target.starts_with("AWS::") {
            return Value::Unknown(Unresolved::Parameter(target.into()));
        }
        if let Some(param) = t.parameters.get(target) {
            return param.value(target);
        }
        if t.resources.contains_key(target) {
            return Value::Ref(ResRef {
                file: self.file,
                logical: target.into(),
            });
        }
        unknown(&format!("Ref to {target}, which the template does not define"))
    }

    fn get_att(&self, arg: &Node) -> Value {
        let (res, attr) = match &arg.kind {
            Kind::Str(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), Value::Str(a.to_string())),
                None => return unknown("malformed Fn::GetAtt"),
            },
            Kind::Seq(items) if items.len() == 2 => match items[0].as_scalar() {
                Some(r) => (r, self.eval(&items[1])),
                None => return unknown("malformed Fn::GetAtt"),
            },
            _ => return unknown("malformed Fn::GetAtt"),
        };
        if !self.template().resources.contains_key(&res) {
            return unknown(&format!(
                "Fn::GetAtt of {res}, which the template does not define"
            ));
        }
        match attr.as_text() {
            Some(a) => Value::Att(
                ResRef {
                    file: self.file,
                    logical: res,
                },
                a.to_string(),
            ),
            None => unknown("Fn::GetAtt of a computed attribute"),
        }
    }

    /// `Fn::Sub` into literal and unknown parts; the result is a string only when every part is
    /// known, otherwise an unknown whose glob (for export matching) is kept by [`Self::glob`].
    fn sub(&self, arg: &Node) -> Value {
        let glob = self.sub_glob(arg);
        match glob.literal() {
            Some(s) => Value::Str(s),
            None => unknown(&format!("Fn::Sub `{glob}` with values known only at deploy time")),
        }
    }

    fn sub_glob(&self, arg: &Node) -> Glob {
        let (text, vars) = match &arg.kind {
            Kind::Seq(items) if !items.is_empty() => (items[0].as_scalar(), items.get(1)),
            _ => (arg.as_scalar(), None),
        };
        let Some(text) = text else {
            return Glob(vec![GlobPart::Any]);
        };
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            parts.push(GlobPart::Lit(rest[..start].to_string()));
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Name}` is the literal text `${Name}`.
                match literal.find('}') {
                    Some(end) => {
                        parts.push(GlobPart::Lit(format!("${{{}}}", &literal[..end])));
                        rest = &literal[end + 1..];
                    }
                    None => {
                        parts.push(GlobPart::Lit(rest[start..].to_string()));
                        rest = "";
                    }
                }
                continue;
            }
            let Some(end) = after.find('}') else {
                parts.push(GlobPart::Lit(rest[start..].to_string()));
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            let value = match vars.and_then(|v| v.get(name)) {
                Some(node) => self.eval(node),
                None if name.contains('.') && !name.starts_with("AWS::") => {
                    let (r, a) = name.split_once('.').unwrap_or((name, ""));
                    if self.template().resources.contains_key(r) {
                        Value::Att(
                            ResRef {
                                file: self.file,
                                logical: r.into(),
                            },
                            a.into(),
                        )
                    } else {
                        unknown(name)
                    }
                }
                None => self.reference(name),
            };
            parts.extend(self.glob_of(&value).0);
        }
        parts.push(GlobPart::Lit(rest.to_string()));
        Glob(parts).normalized()
    }

    /// A value as a string pattern: known text stays literal, anything else matches anything.
    fn glob_of(&self, value: &Value) -> Glob {
        match value.as_text() {
            Some(s) => Glob(vec![GlobPart::Lit(s.to_string())]),
            None => Glob(vec![GlobPart::Any]),
        }
    }

    /// A node as a string pattern (used for export and import names).
    pub fn glob(&self, node: &Node) -> Glob {
        match node.as_intrinsic() {
            Some(("Fn::Sub", arg)) => self.sub_glob(arg),
            Some(("Fn::Join", arg)) => self.join_glob(arg),
            _ => self.glob_of(&self.eval(node)),
        }
    }

    fn join_glob(&self, arg: &Node) -> Glob {
        let Some([delim, list]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return Glob(vec![GlobPart::Any]);
        };
        let delim = delim.as_scalar().unwrap_or_default();
        let Some(items) = list.as_seq() else {
            return self.glob_of(&self.eval(list));
        };
        let mut parts = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                parts.push(GlobPart::Lit(delim.clone()));
            }
            parts.extend(self.glob(item).0);
        }
        Glob(parts).normalized()
    }

    fn join(&self, arg: &Node) -> Value {
        let glob = self.join_glob(arg);
        if let Some(s) = glob.literal() {
            return Value::Str(s);
        }
        if let Some([delim, list]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) {
            if let (Some(delim), Value::List(items)) = (delim.as_scalar(), self.eval(list)) {
                if items
                    .iter()
                    .all(|v| matches!(v, Value::Ref(_) | Value::Att(..) | Value::Str(_)))
                {
                    return Value::Joined(delim, items);
                }
            }
        }
        unknown(&format!(
            "Fn::Join `{glob}` with values known only at deploy time"
        ))
    }

    fn split(&self, arg: &Node) -> Value {
        let Some([delim, source]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return unknown("malformed Fn::Split");
        };
        let (Some(delim), value) = (delim.as_scalar(), self.eval(source)) else {
            return unknown("malformed Fn::Split");
        };
        match value {
            Value::Str(s) => Value::List(s.split(delim.as_str()).map(|p| Value::Str(p.into())).collect()),
            Value::Joined(joined_by, items) if joined_by == delim => Value::List(
                items
                    .into_iter()
                    .flat_map(|item| match item {
                        Value::Str(s) => s.split(delim.as_str()).map(|p| Value::Str(p.into())).collect(),
                        other => vec![other],
                    })
                    .collect(),
            ),
            Value::Unknown(why) => Value::Unknown(why),
            _ => unknown("Fn::Split of a value known only at deploy time"),
        }
    }

    fn select(&self, arg: &Node) -> Value {
        let Some([index, list]) = arg.as_seq().and_then(|s| <&[Node; 2]>::try_from(s).ok()) else {
            return unknown("malformed Fn::Select");
        };
        let index = self.eval(index);
        let Some(i) = index.as_text().and_then(|s| s.trim().parse::<usize>().ok()) else {
            return unknown("Fn::Select with an index known only at deploy time");
        };
        match self.eval(list) {
            Value::List(items) => items
                .into_iter()
                .nth(i)
                .unwrap_or_else(|| unknown(&format!("Fn::Select index {i} past the end of the list"))),
            Value::Unknown(why) => Value::Unknown(why),
            _ => unknown("Fn::Select over a list known only at deploy time"),
        }
    }

    fn fn_if(&self, arg: &Node) -> Value {
        let Some([cond, yes, no]) = arg.as_seq().and_then(|s| <&[Node; 3]>::try_from(s).ok()) else {
            return unknown("malformed Fn::If");
        };
        let decided = cond.as_scalar().and_then(|c| self.condition(&c));
        match decided {
            Some(true) => self.eval(yes),
            Some(false) => self.eval(no),
            None => Value::Choice(vec![self.eval(yes), self.eval(no)]),
        }
    }

    fn find_in_map(&self, arg: &Node) -> Value {
        let Some(items) = arg.as_seq().filter(|s| s.len() >= 3) else {
            return unknown("malformed Fn::FindInMap");
        };
        let keys: Vec<Value> = items[..3].iter().map(|n| self.eval(n)).collect();
        let texts: Option<Vec<&str>> = keys.iter().map(Value::as_text).collect();
        let Some(texts) = texts else {
            return unknown("Fn::FindInMap with keys known only at deploy time");
        };
        let found = self
            .template()
            .root
            .get("Mappings")
            .and_then(|m| m.get(texts[0]))
            .and_then(|m| m.get(texts[1]))
            .and_then(|m| m.get(texts[2]));
        match found {
            Some(node) => self.eval(node),
            // A fourth item is the `DefaultValue` option of the language extensions.
            None => match items.get(3).and_then(|d| d.get("DefaultValue")) {
                Some(default) => self.eval(default),
                None => unknown(&format!(
                    "Fn::FindInMap {}.{}.{} not in the mappings",
                    texts[0], texts[1], texts[2]
                )),
            },
        }
    }

    fn import(&self, arg: &Node) -> Value {
        let name = self.glob(arg);
        match self.stacks.find_export(&name) {
            Ok((file, node)) => self.nested(file).eval(node),
            Err(why) => {
                let file = &self.template().file;
                let pos = arg.pos;
                let mut incomplete = self.incomplete.borrow_mut();
                let entry = Incomplete {
                    scope: format!("{file}:{pos}: Fn::ImportValue {name}"),
                    reason: match &why {
                        Unresolved::ImportAmbiguous(_, files) => {
                            format!("several templates export a matching name ({})", files.join(", "))
                        }
                        _ => "none of the templates given exports it; pass the exporting template too"
                            .to_string(),
                    },
                };
                if !incomplete.contains(&entry) {
                    incomplete.push(entry);
                }
                Value::Unknown(why)
            }
        }
    }

    /// A named condition of the `Conditions` section, if it can be decided.
    pub fn condition(&self, name: &str) -> Option<bool> {
        let t = self.template();
        if let Some(known) = t.condition_cache.borrow().get(name) {
            return *known;
        }
        // Mark as undecided first: a condition that refers to itself stays undecided.
        t.condition_cache.borrow_mut().insert(name.to_string(), None);
        let node = t.root.get("Conditions").and_then(|c| c.get(name))?;
        let decided = self.nested(self.file).condition_node(node);
        t.condition_cache.borrow_mut().insert(name.to_string(), decided);
        decided
    }

    fn condition_node(&self, node: &Node) -> Option<bool> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        match node.as_intrinsic() {
            Some((name, arg)) => self.nested(self.file).condition_fn(name, arg),
            None => match &node.kind {
                Kind::Bool(b) => Some(*b),
                Kind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
                Kind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
        }
    }

    fn condition_fn(&self, name: &str, arg: &Node) -> Option<bool> {
        let items = arg.as_seq().unwrap_or_default();
        match name {
            "Condition" => self.condition(&arg.as_scalar()?),
            "Fn::Equals" if items.len() == 2 => {
                let (a, b) = (self.eval(&items[0]), self.eval(&items[1]));
                match (a.as_text(), b.as_text()) {
                    (Some(a), Some(b)) => Some(a == b),
                    _ => None,
                }
            }
            "Fn::Not" if items.len() == 1 => self.condition_node(&items[0]).map(|b| !b),
            "Fn::And" => {
                let values: Vec<Option<bool>> = items.iter().map(|n| self.condition_node(n)).collect();
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            "Fn::Or" => {
                let values: Vec<Option<bool>> = items.iter().map(|n| self.condition_node(n)).collect();
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

fn unknown(what: &str) -> Value {
    Value::Unknown(Unresolved::Other(what.to_string()))
}

/// A template parameter: its declared type and the value in force (`--param` or default).
#[derive(Debug)]
pub struct Parameter {
    pub list: bool,
    pub value: Option<String>,
}

impl Parameter {
    pub fn value(&self, name: &str) -> Value {
        match &self.value {
            Some(v) if self.list => {
                Value::List(v.split(',').map(|s| Value::Str(s.trim().to_string())).collect())
            }
            Some(v) => Value::Str(v.clone()),
            None => Value::Unknown(Unresolved::Parameter(name.to_string())),
        }
    }
}

/// Parameters of a template, with `--param` overrides applied.
pub fn parameters(root: &Node, overrides: &BTreeMap<String, String>) -> HashMap<String, Parameter> {
    let mut out = HashMap::new();
    for (key, decl) in root.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
        let ty = decl.get("Type").and_then(Node::as_scalar).unwrap_or_default();
        let list = ty.starts_with("List<") || ty == "CommaDelimitedList";
        let default = decl.get("Default").and_then(|d| match &d.kind {
            Kind::Seq(items) => Some(
                items
                    .iter()
                    .filter_map(Node::as_scalar)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => d.as_scalar(),
        });
        // An empty default on a list of ids means "to be given at deploy time".
        let value = overrides
            .get(&key.name)
            .cloned()
            .or(default)
            .filter(|v| !(list && v.is_empty()));
        out.insert(key.name.clone(), Parameter { list, value });
    }
    out
}
