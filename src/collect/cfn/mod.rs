//! The CloudFormation collector: templates in, inventory out.
//!
//! `parse` turns text into [`node::Node`] trees, `intrinsics` evaluates them as far as they can
//! be decided before deployment, `exports` matches `Fn::ImportValue` across the templates given,
//! and `lower` builds the [`Inventory`].

pub mod exports;
pub mod intrinsics;
pub mod lower;
pub mod node;
pub mod parse;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::model::{Incomplete, Inventory, Pos, Unresolved};
use exports::{Export, Glob};
use intrinsics::{Evaluator, Parameter};
use node::Node;

/// A template that could not be read as CloudFormation.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{pos}: {message}")]
pub struct TemplateError {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

/// What the user told us about the templates besides their text.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--param Key=Value`, applied to every template that declares the parameter.
    /// `AWS::Region` sets the region pseudo parameter.
    pub params: BTreeMap<String, String>,
    /// `--stack NAME=FILE`: the stack name each template will be deployed as.
    pub stack_names: Vec<(String, String)>,
}

/// One parsed template.
pub struct Template {
    pub file: Arc<str>,
    pub root: Node,
    pub stack_name: Option<String>,
    pub parameters: HashMap<String, Parameter>,
    /// Logical ids of the `Resources` section.
    pub resources: HashMap<String, ()>,
    condition_cache: RefCell<HashMap<String, Option<bool>>>,
}

/// All templates of one lint run, with their exports.
pub struct Stacks {
    pub templates: Vec<Template>,
    pub region: Option<String>,
    pub exports: Vec<Export>,
}

impl Stacks {
    /// The one export an import name can match, preferring exact names over patterns.
    pub fn find_export(&self, name: &Glob) -> Result<(usize, &Node), Unresolved> {
        let candidates: Vec<&Export> = self.exports.iter().filter(|e| e.name.intersects(name)).collect();
        let exact: Vec<&Export> = candidates
            .iter()
            .copied()
            .filter(|e| e.name.literal().is_some() && e.name == *name)
            .collect();
        let chosen = if exact.is_empty() { candidates } else { exact };
        match chosen.as_slice() {
            [one] => {
                let value = self.templates[one.file]
                    .root
                    .get("Outputs")
                    .and_then(|o| o.get(&one.output))
                    .and_then(|o| o.get("Value"));
                value
                    .map(|v| (one.file, v))
                    .ok_or_else(|| Unresolved::ImportMissing(name.to_string()))
            }
            [] => Err(Unresolved::ImportMissing(name.to_string())),
            many => Err(Unresolved::ImportAmbiguous(
                name.to_string(),
                many.iter()
                    .map(|e| format!("{} ({})", self.templates[e.file].file, e.output))
                    .collect(),
            )),
        }
    }
}

/// A template given as text, with the name to report it under.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A per-resource suppression from `Metadata: {albaudit: {ignore: [...]}}`.
#[derive(Clone, Debug)]
pub struct TemplateSuppression {
    pub file: Arc<str>,
    pub logical_id: String,
    pub check: String,
    pub reason: String,
}

/// The result of collecting templates.
pub struct Collected {
    pub inventory: Inventory,
    pub suppressions: Vec<TemplateSuppression>,
}

/// Parses every source, resolves exports across them and lowers them into one inventory.
pub fn collect(sources: &[Source], settings: &Settings) -> Result<Collected, TemplateError> {
    let mut templates = Vec::with_capacity(sources.len());
    for source in sources {
        templates.push(load(source, settings)?);
    }
    let mut stacks = Stacks {
        templates,
        region: settings.params.get("AWS::Region").cloned(),
        exports: Vec::new(),
    };
    let incomplete = RefCell::new(Vec::<Incomplete>::new());
    let mut exports = Vec::new();
    for (file, template) in stacks.templates.iter().enumerate() {
        let eval = Evaluator::new(&stacks, file, &incomplete);
        for (key, output) in template
            .root
            .get("Outputs")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(name) = output.get("Export").and_then(|e| e.get("Name")) {
                exports.push(Export {
                    name: eval.glob(name),
                    file,
                    output: key.name.clone(),
                });
            }
        }
    }
    stacks.exports = exports;
    incomplete.borrow_mut().clear();
    let (mut inventory, suppressions) = lower::lower(&stacks, &incomplete)?;
    inventory.incomplete.extend(incomplete.into_inner());
    Ok(Collected {
        inventory,
        suppressions,
    })
}

fn load(source: &Source, settings: &Settings) -> Result<Template, TemplateError> {
    let error = |pos: Pos, message: String| TemplateError {
        file: source.name.clone(),
        pos,
        message,
    };
    let root = parse::parse(&source.text).map_err(|e| error(e.pos, e.message))?;
    let resources = match root.get("Resources") {
        Some(r) => r
            .as_map()
            .ok_or_else(|| error(r.pos, "`Resources` is not a mapping".into()))?,
        None => {
            return Err(error(
                root.pos,
                "not a CloudFormation template: it has no `Resources` section".into(),
            ));
        }
    };
    let stack_name = settings
        .stack_names
        .iter()
        .find(|(_, file)| same_file(file, &source.name))
        .map(|(name, _)| name.clone());
    Ok(Template {
        file: Arc::from(source.name.as_str()),
        parameters: intrinsics::parameters(&root, &settings.params),
        resources: resources.iter().map(|(k, _)| (k.name.clone(), ())).collect(),
        stack_name,
        condition_cache: RefCell::default(),
        root,
    })
}

fn same_file(a: &str, b: &str) -> bool {
    a == b
        || match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}
