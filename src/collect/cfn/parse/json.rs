//! A strict JSON (RFC 8259) reader that keeps the line and column of every value and key.
//!
//! Hand-written because a YAML parser is not a faithful JSON parser (tabs as indentation, for
//! one). Recursion is bounded by [`MAX_DEPTH`], so deep input is an error, not a stack overflow.

use super::{KeyIndex, MAX_DEPTH, ParseError};
use crate::collect::cfn::node::{Key, Kind, Node};
use crate::model::Pos;

pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        col_at: 0,
        col: 1,
    };
    r.skip_ws();
    let node = r.value(0)?;
    r.skip_ws();
    if r.i < r.bytes.len() {
        return Err(r.unexpected("the end of the template"));
    }
    Ok(node)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Byte offset of the next unread byte.
    i: usize,
    line: u32,
    /// Byte offset where the current line starts.
    line_start: usize,
    /// `col` is the 1-based column (in characters) of byte offset `col_at` on the current line.
    col_at: usize,
    col: u32,
}

impl Reader<'_> {
    /// The position of the next unread byte. Positions are asked for in increasing order, so
    /// counting characters from the last answer keeps this linear even on one-line files.
    fn pos(&mut self) -> Pos {
        if self.col_at < self.line_start || self.col_at > self.i {
            self.col_at = self.line_start;
            self.col = 1;
        }
        let chars = self.bytes[self.col_at..self.i]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        self.col = self.col.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
        self.col_at = self.i;
        Pos {
            line: self.line,
            column: self.col,
        }
    }

    fn err(&mut self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.pos(), message)
    }

    /// An error for the character at the cursor, which is not what we `expected`.
    fn unexpected(&mut self, expected: &str) -> ParseError {
        let found = match self.text[self.i..].chars().next() {
            None => "the end of the file".to_owned(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("`{c}`"),
        };
        self.err(format!("expected {expected}, found {found}"))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                _ => break,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        let pos = self.pos();
        let kind = match self.peek() {
            Some(b'{') => return self.object(pos, depth),
            Some(b'[') => return self.array(pos, depth),
            Some(b'"') => Kind::Str(self.string()?),
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            _ => {
                let rest = &self.bytes[self.i..];
                let (word, kind) = if rest.starts_with(b"true") {
                    ("true", Kind::Bool(true))
                } else if rest.starts_with(b"false") {
                    ("false", Kind::Bool(false))
                } else if rest.starts_with(b"null") {
                    ("null", Kind::Null)
                } else {
                    return Err(self.unexpected("a value"));
                };
                self.i += word.len();
                kind
            }
        };
        Ok(Node::new(pos, kind))
    }

    fn object(&mut self, pos: Pos, depth: usize) -> Result<Node, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(ParseError::too_deep(pos));
        }
        self.i += 1;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut keys = KeyIndex::default();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Node::new(pos, Kind::Map(entries)));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key_pos = self.pos();
            let name = self.string()?;
            if let Some(first) = keys.find(&entries, &name, key_pos) {
                return Err(ParseError::duplicate_key(key_pos, &name, first));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("`:`"));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            entries.push((Key { name, pos: key_pos }, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Node::new(pos, Kind::Map(entries)));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn array(&mut self, pos: Pos, depth: usize) -> Result<Node, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(ParseError::too_deep(pos));
        }
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Node::new(pos, Kind::Seq(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Node::new(pos, Kind::Seq(items)));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    /// Reads a string literal; the cursor is on its opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.bytes.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The stop bytes are ASCII, so `start..i` lies on character boundaries.
            out.push_str(&self.text[start..self.i]);
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.unexpected("a string character (control characters must be escaped)"));
                }
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    /// Reads the escape after a backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.i += 1;
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.bytes[self.i..].starts_with(b"\\u") {
                            return Err(self.err("unpaired surrogate in \\u escape"));
                        }
                        self.i += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.err("unpaired surrogate in \\u escape"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.err("unpaired surrogate in \\u escape")),
                    _ => unit,
                };
                // Every value built above is a valid scalar value; the fallback is unreachable.
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            _ => return Err(self.unexpected("an escape (one of \" \\ / b f n r t u)")),
        };
        self.i += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16));
            match digit {
                Some(d) => value = value * 16 + d,
                None => return Err(self.unexpected("four hex digits after \\u")),
            }
            self.i += 1;
        }
        Ok(value)
    }

    /// Reads a number and returns its source text.
    fn number(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(self.text[start..self.i].to_owned())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }
}
