//! The conformance supergraph with field authorization added: `User.name` needs a token,
//! `Product.price` the `read:prices` scope.

/// Adds `directive` to `line` within the definition of `ty`.
fn annotate(supergraph: &str, ty: &str, line: &str, directive: &str) -> String {
    let start = supergraph
        .find(&format!("\ntype {ty} @"))
        .unwrap_or_else(|| panic!("no type {ty} in\n{supergraph}"));
    let at = start
        + supergraph[start..]
            .find(line)
            .unwrap_or_else(|| panic!("no {line:?} in {ty}"));
    let end = at + line.len();
    format!("{} {directive}{}", &supergraph[..end], &supergraph[end..])
}

/// `User.name` needs a token; `Product.price` needs the `read:prices` scope.
pub(crate) fn with_rules(supergraph: String) -> String {
    let links = "schema\n  @link(url: \"https://specs.apollo.dev/authenticated/v0.1\", for: SECURITY)\n  @link(url: \"https://specs.apollo.dev/requiresScopes/v0.1\", for: SECURITY)\n";
    let definitions = "\ndirective @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\ndirective @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar requiresScopes__Scope\n";
    let edited = annotate(
        &supergraph,
        "User",
        "  name: String! @join__field(graph: ACCOUNTS)",
        "@authenticated",
    );
    let edited = annotate(
        &edited,
        "Product",
        "  price: Int! @join__field(graph: INVENTORY, external: true) @join__field(graph: PRODUCTS)",
        "@requiresScopes(scopes: [[\"read:prices\"]])",
    );
    edited.replacen("schema\n", links, 1) + definitions
}
