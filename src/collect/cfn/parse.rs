//! Template parsing: YAML (with CloudFormation short tags) and JSON into [`Node`].
//! (Being written: see the parser task.)
