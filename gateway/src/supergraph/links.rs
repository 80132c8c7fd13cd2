//! `@link` applications on the schema: which specs are used, at which version, under which name.

use apollo_compiler::{Schema, ast::Value};

use super::SupergraphError;

/// One linked spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecLink {
    /// Spec identity without version (`https://specs.apollo.dev/join`).
    pub identity: String,
    /// Version (`0.3`).
    pub version: String,
    /// Local name: the `as:` argument or the spec's own name (`join`).
    pub name: String,
}

/// The specs a supergraph links.
#[derive(Clone, Debug)]
pub struct LinkedSpecs {
    /// Every `@link` of the schema definition.
    pub links: Vec<SpecLink>,
    join: SpecLink,
}

/// Join versions this gateway implements.
const JOIN_VERSIONS: [&str; 4] = ["0.2", "0.3", "0.4", "0.5"];

/// Specs whose directives are composition machinery, never shown in the API schema.
const MACHINERY: [&str; 10] = [
    "https://specs.apollo.dev/link",
    "https://specs.apollo.dev/join",
    "https://specs.apollo.dev/inaccessible",
    "https://specs.apollo.dev/tag",
    "https://specs.apollo.dev/authenticated",
    "https://specs.apollo.dev/requiresScopes",
    "https://specs.apollo.dev/policy",
    "https://specs.apollo.dev/context",
    "https://specs.apollo.dev/cost",
    "https://specs.apollo.dev/core",
];

impl LinkedSpecs {
    /// Reads the `@link` (or legacy `@core`) applications of the schema definition.
    pub(crate) fn read(schema: &Schema) -> Result<Self, SupergraphError> {
        let mut links = Vec::new();
        for directive in schema.schema_definition.directives.iter() {
            if directive.name != "link" && directive.name != "core" {
                continue;
            }
            let url_arg = if directive.name == "link" {
                "url"
            } else {
                "feature"
            };
            let Some(Value::String(url)) =
                directive.specified_argument_by_name(url_arg).map(|v| &**v)
            else {
                continue;
            };
            let (identity, version) = url
                .trim_end_matches('/')
                .rsplit_once("/v")
                .ok_or_else(|| SupergraphError::MalformedLink(url.clone()))?;
            let default_name = identity.rsplit('/').next().unwrap_or(identity).to_owned();
            let name = match directive.specified_argument_by_name("as").map(|v| &**v) {
                Some(Value::String(alias)) => alias.clone(),
                _ => default_name,
            };
            links.push(SpecLink {
                identity: identity.to_owned(),
                version: version.to_owned(),
                name,
            });
        }
        let join = links
            .iter()
            .find(|l| l.identity == "https://specs.apollo.dev/join")
            .cloned()
            .ok_or(SupergraphError::NotASupergraph)?;
        if !JOIN_VERSIONS.contains(&join.version.as_str()) {
            return Err(SupergraphError::UnsupportedJoinVersion(join.version));
        }
        Ok(Self { links, join })
    }

    /// The join spec link.
    pub fn join(&self) -> &SpecLink {
        &self.join
    }

    /// Local name of a join directive or type (`type` → `join__type`).
    pub fn join_name(&self, element: &str) -> String {
        format!("{}__{element}", self.join.name)
    }

    /// Local name of the `@inaccessible` directive, if linked.
    pub fn inaccessible(&self) -> Option<String> {
        self.links
            .iter()
            .find(|l| l.identity == "https://specs.apollo.dev/inaccessible")
            .map(|l| l.name.clone())
    }

    /// Whether a directive or type name belongs to a machinery spec.
    pub fn is_machinery(&self, name: &str) -> bool {
        self.links
            .iter()
            .filter(|l| MACHINERY.contains(&l.identity.as_str()))
            .any(|l| name == l.name || name.starts_with(&format!("{}__", l.name)))
    }
}
