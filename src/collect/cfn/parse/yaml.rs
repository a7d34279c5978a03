//! YAML into [`Node`], built straight from saphyr-parser's event stream with an explicit stack
//! (no recursion on the input's nesting).
//!
//! CloudFormation short tags (`!Ref x`, `!If [..]`) become the long form's one-key mapping,
//! plain scalars are resolved by the YAML 1.2 core schema, and aliases are expanded by copying
//! under a total budget so an alias bomb is an error rather than an out-of-memory.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use super::{KeyIndex, MAX_DEPTH, ParseError};
use crate::collect::cfn::node::{Key, Kind, Node};
use crate::model::Pos;

/// The most nodes that alias expansion may create in one template.
const ALIAS_BUDGET: usize = 100_000;

/// The most nodes that may be kept as copies of anchored nodes. Each anchor keeps a copy of its
/// node, so anchors nested inside anchors would otherwise copy the same text many times over.
const ANCHOR_BUDGET: usize = 500_000;

/// Short-form tags and the long-form key each one stands for.
const INTRINSICS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("ImportValue", "Fn::ImportValue"),
    ("Select", "Fn::Select"),
    ("Join", "Fn::Join"),
    ("Split", "Fn::Split"),
    ("If", "Fn::If"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAZs", "Fn::GetAZs"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Length", "Fn::Length"),
    ("ForEach", "Fn::ForEach"),
    // Rule functions (the `Rules` section); cfn-lint reads these short forms too.
    ("Contains", "Fn::Contains"),
    ("EachMemberEquals", "Fn::EachMemberEquals"),
    ("EachMemberIn", "Fn::EachMemberIn"),
    ("RefAll", "Fn::RefAll"),
    ("ValueOf", "Fn::ValueOf"),
    ("ValueOfAll", "Fn::ValueOfAll"),
];

pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let first = match parse_once(text, &Shifts::new()) {
        Ok(node) => return Ok(node),
        Err(failure) => failure,
    };
    // Retry with the offending lines indented further, within a bound on the work done.
    let mut retries = (64 * 1024 * 1024 / text.len().max(1)).min(200);
    let indents: Vec<Option<usize>> = text.lines().map(indentation).collect();
    let mut shifts = Shifts::new();
    let mut lines = first.retry_lines.clone();
    while !lines.is_empty() && retries > 0 {
        retries -= 1;
        let before = shifts.clone();
        for line in lines {
            // A line never needs to sit deeper than one past the line above it: beyond that,
            // more spaces cannot help and retrying would only burn time.
            let shifted = |l: usize| indents[l - 1].map(|i| i + before.get(&l).copied().unwrap_or(0));
            let own = line
                .checked_sub(1)
                .and_then(|i| indents.get(i).copied().flatten());
            let above = (1..line.min(indents.len() + 1)).rev().find_map(shifted);
            if let (Some(own), Some(above)) = (own, above)
                && own + before.get(&line).copied().unwrap_or(0) <= above
            {
                *shifts.entry(line).or_default() += 1;
            }
        }
        if shifts == before {
            break;
        }
        match parse_once(&reindent(text, &shifts), &shifts) {
            Ok(node) => return Ok(node),
            Err(failure) => lines = failure.retry_lines,
        }
    }
    Err(first.error)
}

/// Leading spaces of a line that carries YAML (None for blank and comment-only lines).
fn indentation(line: &str) -> Option<usize> {
    let body = line.trim_start_matches(' ');
    (!body.trim().is_empty() && !body.starts_with('#')).then(|| line.len() - body.len())
}

/// Spaces added at the start of a line (by 1-based line number) for a lenient retry.
///
/// YAML 1.2 wants flow collections and multi-line quoted strings inside a block to be indented
/// deeper than that block; PyYAML (cfn-lint) and CloudFormation accept them at the block's own
/// column (a closing `]` under its key, say), and real templates rely on that. Leading spaces on
/// such lines carry no meaning, so we add some and parse again, mapping columns back.
type Shifts = BTreeMap<usize, usize>;

fn reindent(text: &str, shifts: &Shifts) -> String {
    let extra: usize = shifts.values().sum();
    let mut out = String::with_capacity(text.len() + extra);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if let Some(&n) = shifts.get(&(i + 1)) {
            out.extend(std::iter::repeat_n(' ', n));
        }
        out.push_str(line);
    }
    out
}

struct Failure {
    error: ParseError,
    /// Lines that, indented one more space, might make the parse succeed.
    retry_lines: Vec<usize>,
}

fn parse_once(text: &str, shifts: &Shifts) -> Result<Node, Failure> {
    let to_pos = |m: Marker| {
        let col = m
            .col()
            .saturating_sub(shifts.get(&m.line()).copied().unwrap_or(0));
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Pos {
            line: clamp(m.line()).max(1),
            column: clamp(col).saturating_add(1),
        }
    };
    let fail = |error| Failure {
        error,
        retry_lines: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    let mut root_event_empty = false;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            // saphyr counts flow levels in a u8.
            let message = match e.info() {
                "recursion limit exceeded" => "nesting deeper than 255 flow levels",
                info => info,
            };
            Failure {
                error: ParseError::new(to_pos(*e.marker()), message),
                retry_lines: indentation_retry(text, &e),
            }
        })?;
        let pos = to_pos(span.start);
        let at_root = b.stack.is_empty() && b.root.is_none();
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            // Only the first document is read.
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Alias(id) => b.alias(id, pos).map_err(fail)?,
            Event::Scalar(value, style, anchor, tag) => {
                if at_root {
                    root_event_empty = value.is_empty() && style == ScalarStyle::Plain && tag.is_none();
                }
                b.scalar(value, style, anchor, tag.as_deref(), pos)
                    .map_err(fail)?;
            }
            Event::SequenceStart(anchor, tag) => {
                b.open(pos, anchor, tag.as_deref(), Body::Seq(Vec::new()))
                    .map_err(fail)?;
            }
            Event::MappingStart(anchor, tag) => {
                let body = Body::Map {
                    entries: Vec::new(),
                    key: None,
                    keys: KeyIndex::default(),
                };
                b.open(pos, anchor, tag.as_deref(), body).map_err(fail)?;
            }
            Event::SequenceEnd | Event::MappingEnd => b.close().map_err(fail)?,
        }
    }
    match b.root {
        Some(root) if !root_event_empty => Ok(root),
        _ => Err(fail(ParseError::new(
            Pos { line: 1, column: 1 },
            "empty template",
        ))),
    }
}

/// The lines to indent further after an indentation error (see [`Shifts`]).
fn indentation_retry(text: &str, e: &ScanError) -> Vec<usize> {
    let m = e.marker();
    match e.info() {
        "invalid indentation" | "invalid indentation in flow construct" => vec![m.line()],
        // Reported at the opening quote: every continuation line of the string.
        "invalid indentation in quoted scalar" => quoted_continuation_lines(text, m),
        _ => Vec::new(),
    }
}

/// The line numbers after the first of the quoted string that opens at `m`.
fn quoted_continuation_lines(text: &str, m: &Marker) -> Vec<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(m.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let Some((at, quote)) = text[line_start..].char_indices().nth(m.col()) else {
        return Vec::new();
    };
    let mut chars = text[line_start + at + quote.len_utf8()..].chars().peekable();
    let (mut line, mut lines) = (m.line(), Vec::new());
    while let Some(mut c) = chars.next() {
        if c == '\\' && quote == '"' {
            // Skip the escaped character; only an escaped line break matters here.
            match chars.next() {
                Some('\n') => c = '\n',
                _ => continue,
            }
        }
        match c {
            '\n' => {
                line += 1;
                lines.push(line);
            }
            '\'' if quote == '\'' && chars.peek() == Some(&'\'') => {
                chars.next();
            }
            c if c == quote => return lines,
            _ => {}
        }
    }
    Vec::new()
}

/// What a tag asks of the node it is on.
enum TagMeaning {
    None,
    /// A CloudFormation short form: wrap the node in a one-key mapping with this key.
    Intrinsic(&'static str),
    /// A core schema tag (`!!str`, `!!int`, ...) or the non-specific `!`, by suffix.
    Core(String),
}

fn meaning(tag: Option<&Tag>) -> TagMeaning {
    let Some(tag) = tag else {
        return TagMeaning::None;
    };
    if tag.handle == "!" {
        if let Some((_, long)) = INTRINSICS.iter().find(|(short, _)| *short == tag.suffix) {
            return TagMeaning::Intrinsic(long);
        }
    } else if tag.is_yaml_core_schema() {
        return TagMeaning::Core(tag.suffix.clone());
    } else if tag.handle.is_empty() && tag.suffix == "!" {
        return TagMeaning::Core("str".to_owned());
    }
    // Unknown tags are dropped; the value stays.
    TagMeaning::None
}

/// A collection being built.
struct Frame {
    pos: Pos,
    anchor: usize,
    wrap: Option<&'static str>,
    /// `Builder::created` when the frame opened, to size the finished node for aliases.
    created_before: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        keys: KeyIndex,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Finished anchored nodes by anchor id, with their size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes created so far, counting each alias expansion at its full size.
    created: usize,
    /// Nodes created by alias expansion so far.
    expanded: usize,
    /// Nodes kept as copies of anchored nodes so far.
    anchored: usize,
}

impl Builder {
    /// Whether the next node is a mapping key.
    fn wants_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Map { key: None, .. },
                ..
            })
        )
    }

    fn open(&mut self, pos: Pos, anchor: usize, tag: Option<&Tag>, body: Body) -> Result<(), ParseError> {
        if self.wants_key() {
            return Err(ParseError::new(
                pos,
                "a mapping key must be a string, not a collection",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::too_deep(pos));
        }
        let wrap = match meaning(tag) {
            TagMeaning::Intrinsic(name) => Some(name),
            _ => None,
        };
        self.stack.push(Frame {
            pos,
            anchor,
            wrap,
            created_before: self.created,
            body,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), ParseError> {
        let Some(frame) = self.stack.pop() else {
            // The parser never ends a collection it did not start.
            return Ok(());
        };
        let kind = match frame.body {
            Body::Seq(items) => Kind::Seq(items),
            Body::Map { entries, .. } => Kind::Map(entries),
        };
        self.created += 1;
        let node = self.wrap(Node::new(frame.pos, kind), frame.wrap);
        self.finish(node, frame.anchor, frame.created_before)
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<(), ParseError> {
        let tag = meaning(tag);
        if self.wants_key() {
            if let TagMeaning::Intrinsic(name) = tag {
                return Err(ParseError::new(
                    pos,
                    format!("a mapping key must be a string, not {name}"),
                ));
            }
            let created_before = self.created;
            self.created += 1;
            let key = Node::new(pos, Kind::Str(value.into_owned()));
            return self.finish(key, anchor, created_before);
        }
        // A scalar under a short-form tag is its text (`!GetAZs` alone is `""`), as in cfn-lint.
        let kind = match (&tag, style) {
            (TagMeaning::Core(suffix), _) => core_tagged(suffix, value.into_owned()),
            (TagMeaning::None, ScalarStyle::Plain) => plain(value.into_owned()),
            _ => Kind::Str(value.into_owned()),
        };
        let created_before = self.created;
        self.created += 1;
        let wrap = match tag {
            TagMeaning::Intrinsic(name) => Some(name),
            _ => None,
        };
        let node = self.wrap(Node::new(pos, kind), wrap);
        self.finish(node, anchor, created_before)
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), ParseError> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(ParseError::new(
                pos,
                "alias to an anchor that is not finished (recursive alias)",
            ));
        };
        self.expanded += size;
        if self.expanded > ALIAS_BUDGET {
            return Err(ParseError::new(
                pos,
                format!("alias expansion exceeds {ALIAS_BUDGET} nodes (YAML alias bomb?)"),
            ));
        }
        self.created += size;
        let node = node.clone();
        self.deliver(node)
    }

    fn wrap(&mut self, node: Node, wrap: Option<&'static str>) -> Node {
        match wrap {
            None => node,
            Some(name) => {
                self.created += 1;
                let pos = node.pos;
                Node::new(
                    pos,
                    Kind::Map(vec![(
                        Key {
                            name: name.to_owned(),
                            pos,
                        },
                        node,
                    )]),
                )
            }
        }
    }

    /// Records a finished node under its anchor, then hands it to its parent.
    fn finish(&mut self, node: Node, anchor: usize, created_before: usize) -> Result<(), ParseError> {
        if anchor > 0 {
            let size = self.created - created_before;
            self.anchored += size;
            if self.anchored > ANCHOR_BUDGET {
                return Err(ParseError::new(
                    node.pos,
                    format!("anchored nodes exceed {ANCHOR_BUDGET} nodes in total (nested anchors?)"),
                ));
            }
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.deliver(node)
    }

    /// Hands a finished node to the collection being built (or makes it the root).
    fn deliver(&mut self, node: Node) -> Result<(), ParseError> {
        let Some(top) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return Ok(());
        };
        match &mut top.body {
            Body::Seq(items) => items.push(node),
            Body::Map { entries, key, keys } => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let name = match node.kind {
                        Kind::Str(s) | Kind::Number(s) => s,
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => String::new(),
                        Kind::Seq(_) | Kind::Map(_) => {
                            return Err(ParseError::new(
                                node.pos,
                                "a mapping key must be a string, not a collection",
                            ));
                        }
                    };
                    if let Some(first) = keys.find(entries, &name, node.pos) {
                        return Err(ParseError::duplicate_key(node.pos, &name, first));
                    }
                    *key = Some(Key { name, pos: node.pos });
                }
            },
        }
        Ok(())
    }
}

/// A scalar under a core schema tag: honoured where the text fits, a string otherwise.
fn core_tagged(suffix: &str, text: String) -> Kind {
    match suffix {
        "null" => Kind::Null,
        "bool" | "int" | "float" => match plain(text) {
            Kind::Null => Kind::Str(String::new()),
            kind => kind,
        },
        "str" => Kind::Str(text),
        _ => plain(text),
    }
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn plain(text: String) -> Kind {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        t if is_number(t) => Kind::Number(text),
        _ => Kind::Str(text),
    }
}

fn is_number(t: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = t.strip_prefix("0x") {
        return digits(hex, 16);
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return digits(oct, 8);
    }
    if matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    // [0-9]+ ( . [0-9]* )? | . [0-9]+ , then an optional exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        None => digits(mantissa, 10),
        Some((int, frac)) => {
            (digits(int, 10) && (frac.is_empty() || digits(frac, 10))) || (int.is_empty() && digits(frac, 10))
        }
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}
