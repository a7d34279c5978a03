//! Cross-stack references: the `Outputs.*.Export.Name` of every template given, matched
//! against `Fn::ImportValue` names. A name part known only at deploy time (`${AWS::StackName}`
//! without `--stack`, a parameter without a value) matches anything, and an import resolves
//! only when exactly one export can match it.

use std::fmt;

/// A string pattern: literal text and parts that can be anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(pub Vec<GlobPart>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobPart {
    Lit(String),
    Any,
}

impl Glob {
    /// Merges adjacent literals and drops empty ones.
    pub fn normalized(self) -> Glob {
        let mut out: Vec<GlobPart> = Vec::new();
        for part in self.0 {
            match (out.last_mut(), part) {
                (_, GlobPart::Lit(s)) if s.is_empty() => {}
                (Some(GlobPart::Lit(prev)), GlobPart::Lit(s)) => prev.push_str(&s),
                (Some(GlobPart::Any), GlobPart::Any) => {}
                (_, part) => out.push(part),
            }
        }
        Glob(out)
    }

    /// The text, when the pattern is fully known.
    pub fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for part in &self.0 {
            match part {
                GlobPart::Lit(l) => s.push_str(l),
                GlobPart::Any => return None,
            }
        }
        Some(s)
    }

    fn symbols(&self) -> Vec<Option<char>> {
        let mut out = Vec::new();
        for part in &self.0 {
            match part {
                GlobPart::Lit(l) => out.extend(l.chars().map(Some)),
                GlobPart::Any => out.push(None),
            }
        }
        out
    }

    /// Whether some string matches both patterns.
    pub fn intersects(&self, other: &Glob) -> bool {
        let (a, b) = (self.symbols(), other.symbols());
        // can[i][j]: a[i..] and b[j..] can produce a common string.
        let mut can = vec![vec![false; b.len() + 1]; a.len() + 1];
        can[a.len()][b.len()] = true;
        for i in (0..=a.len()).rev() {
            for j in (0..=b.len()).rev() {
                if i == a.len() && j == b.len() {
                    continue;
                }
                can[i][j] = match (a.get(i), b.get(j)) {
                    (Some(None), _) => can[i + 1][j] || (j < b.len() && can[i][j + 1]),
                    (_, Some(None)) => can[i][j + 1] || (i < a.len() && can[i + 1][j]),
                    (Some(Some(x)), Some(Some(y))) => x == y && can[i + 1][j + 1],
                    _ => false,
                };
            }
        }
        can[0][0]
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.0 {
            match part {
                GlobPart::Lit(l) => f.write_str(l)?,
                GlobPart::Any => f.write_str("*")?,
            }
        }
        Ok(())
    }
}

/// One `Export` of one template.
#[derive(Debug)]
pub struct Export {
    pub name: Glob,
    pub file: usize,
    /// The key under `Outputs`.
    pub output: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Glob {
        Glob(
            s.split('*')
                .enumerate()
                .flat_map(|(i, p)| {
                    let lit = GlobPart::Lit(p.to_string());
                    if i == 0 {
                        vec![lit]
                    } else {
                        vec![GlobPart::Any, lit]
                    }
                })
                .collect(),
        )
        .normalized()
    }

    #[test]
    fn globs_intersect_as_strings_would() {
        assert!(g("*-PublicSubnetBIds").intersects(&g("outage-PublicSubnetBIds")));
        assert!(!g("*-PublicSubnetBIds").intersects(&g("outage-PublicSubnetAIds")));
        assert!(g("net-*").intersects(&g("*-VPC")));
        assert!(!g("net-*-a").intersects(&g("*-b")));
        assert!(g("a*c").intersects(&g("abc")));
        assert!(!g("a*c").intersects(&g("ab")));
        assert_eq!(g("x*y").to_string(), "x*y");
        assert_eq!(g("xy").literal().as_deref(), Some("xy"));
    }
}
