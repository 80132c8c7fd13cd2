//! Composition: fixture subgraphs compose into a supergraph the gateway reads; errors
//! name the subgraph, type and field.

#[path = "common/js_composer.rs"]
mod js_composer;

use std::collections::BTreeMap;

use gateway::{
    compose::{ComposeError, FetchError, SubgraphSdl, compose, fetch_sdl},
    supergraph::{FieldOwner, Supergraph, TypeOwner},
};
use js_composer::{compose_with_js, fixture_subgraphs};

fn subgraph(name: &str, port: u16, sdl: &str) -> SubgraphSdl {
    SubgraphSdl {
        name: name.into(),
        url: format!("http://127.0.0.1:{port}/graphql"),
        sdl: sdl.into(),
    }
}

fn fixture() -> Vec<SubgraphSdl> {
    fixture_subgraphs()
}

/// A fixture set of test-subgraphs, with made-up URLs (nothing is started).
fn test_set(set: Vec<test_subgraphs::Subgraph>) -> Vec<SubgraphSdl> {
    set.iter()
        .zip(4301..)
        .map(|(s, port)| subgraph(s.name(), port, s.sdl()))
        .collect()
}

fn conformance() -> Vec<SubgraphSdl> {
    test_set(test_subgraphs::conformance::subgraphs())
}

fn benchmark() -> Vec<SubgraphSdl> {
    test_set(test_subgraphs::benchmark::subgraphs())
}

/// Field sets compared by meaning, not layout (the JS composer reprints them compactly).
fn normalize(fields: &str) -> String {
    let words = fields.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for c in words.chars() {
        if c == ' ' && out.ends_with(|p: char| "(){}:,".contains(p)) {
            continue;
        }
        if "(){}:,".contains(c) && out.ends_with(' ') {
            out.pop();
        }
        out.push(c);
    }
    out
}

/// Owners as comparable, ordered text: `Type` → its `@join__type`s, `Type.field` → its
/// `@join__field`s (graph, requires, provides, external, override, label, …).
fn owners(supergraph: &Supergraph) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (ty, owners) in &supergraph.type_owners {
        let mut list: Vec<String> = owners
            .iter()
            .map(|o| {
                let key = o.key.as_deref().map(normalize);
                format!("{:?}", TypeOwner { key, ..o.clone() })
            })
            .collect();
        list.sort();
        out.insert(ty.clone(), list);
    }
    for ((ty, field), owners) in &supergraph.field_owners {
        let mut list: Vec<String> = owners
            .iter()
            .map(|o| {
                let requires = o.requires.as_deref().map(normalize);
                let provides = o.provides.as_deref().map(normalize);
                let o = FieldOwner {
                    requires,
                    provides,
                    ..o.clone()
                };
                format!("{o:?}")
            })
            .collect();
        list.sort();
        out.insert(format!("{ty}.{field}"), list);
    }
    out
}

/// The API schema's types as printed, by name (the composers order them differently).
fn api_types(supergraph: &Supergraph) -> BTreeMap<String, String> {
    supergraph
        .api_schema
        .types
        .iter()
        .filter(|(_, t)| !t.is_built_in())
        .map(|(name, t)| (name.to_string(), t.to_string()))
        .collect()
}

/// Every type and field differing between two owner maps, one line each.
fn differences(
    ours: &BTreeMap<String, Vec<String>>,
    js: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut coordinates: Vec<&String> = ours.keys().chain(js.keys()).collect();
    coordinates.sort();
    coordinates.dedup();
    coordinates
        .into_iter()
        .filter(|c| ours.get(*c) != js.get(*c))
        .map(|c| format!("{c}:\n  ours: {:?}\n  js:   {:?}", ours.get(c), js.get(c)))
        .collect()
}

const LINK: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                    import: [\"@key\", \"@shareable\", \"@external\", \"@requires\"])\n";

#[test]
fn fixture_composes_into_a_supergraph_with_owners() {
    let sdl = compose(&fixture()).expect("fixture composes");
    let supergraph = Supergraph::parse(&sdl).expect("our supergraph parses");
    let names: Vec<_> = supergraph
        .subgraphs
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["accounts", "products", "reviews"]);
    let user = &supergraph.type_owners["User"];
    let graphs: Vec<_> = user.iter().map(|o| o.graph.as_str()).collect();
    assert_eq!(graphs, ["ACCOUNTS", "REVIEWS"]);
    assert!(user.iter().all(|o| o.key.as_deref() == Some("id")));
    let field = |t: &str, f: &str| &supergraph.field_owners[&(t.to_owned(), f.to_owned())];
    let shipping = field("Product", "shippingEstimate");
    assert_eq!(shipping.len(), 1);
    assert_eq!(shipping[0].graph, "REVIEWS");
    assert_eq!(shipping[0].requires.as_deref(), Some("price weight"));
    assert_eq!(
        field("Review", "author")[0].provides.as_deref(),
        Some("username")
    );
    let username = field("User", "username");
    assert!(username.iter().any(|o| o.graph == "REVIEWS" && o.external));
    assert!(
        username
            .iter()
            .any(|o| o.graph == "ACCOUNTS" && !o.external)
    );
    let category: Vec<_> = field("Category", "title")
        .iter()
        .map(|o| o.graph.as_str())
        .collect();
    assert_eq!(category, ["PRODUCTS", "REVIEWS"]);
    let api = supergraph.api_schema.to_string();
    for present in [
        "union SearchResult = Product | Category",
        "type User implements Node",
        "topProducts(first: Int = 5): [Product!]!",
        "addReview(upc: String!, body: String!): Review",
    ] {
        assert!(api.contains(present), "{present} missing from:\n{api}");
    }
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut reversed = fixture();
    reversed.reverse();
    assert_eq!(
        compose(&fixture()).expect("composes"),
        compose(&reversed).expect("composes")
    );
}

#[test]
fn non_shareable_field_in_two_subgraphs_names_both_and_the_field() {
    let a = subgraph(
        "a",
        1,
        &format!("{LINK}type Query {{ t: T }} type T {{ name: String }}"),
    );
    let b = subgraph(
        "b",
        2,
        &format!("{LINK}type Query {{ u: T @shareable }} type T @shareable {{ name: String }}"),
    );
    let error = compose(&[a, b]).expect_err("T.name is not shareable in a");
    let message = error.to_string();
    assert!(matches!(error, ComposeError::Conflict { .. }), "{message}");
    for expected in ["T.name", "`a`", "`b`", "@shareable"] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}

#[test]
fn bad_field_sets_name_subgraph_type_and_field() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }}\n\
         type P @key(fields: \"sku\") {{ id: ID! w: Int @external \
         total: Int @requires(fields: \"weight\") }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("sku and weight do not exist")
        .to_string();
    for expected in [
        "subgraph `shop`, P: @key(fields: \"sku\")",
        "`sku`",
        "P.total",
        "`weight`",
    ] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}

#[test]
fn external_field_nobody_resolves_is_an_error() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }} type P @key(fields: \"id\") {{ id: ID! w: Int @external }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("P.w is external everywhere")
        .to_string();
    assert!(
        message.contains("subgraph `shop`, P.w: is @external"),
        "{message}"
    );
}

#[test]
fn type_kind_mismatch_names_both_subgraphs() {
    let a = subgraph(
        "a",
        1,
        &format!("{LINK}type Query {{ t: T }} type T {{ x: Int }}"),
    );
    let b = subgraph(
        "b",
        2,
        &format!("{LINK}type Query {{ u: T @shareable }} interface T {{ x: Int }}"),
    );
    let message = compose(&[a, b]).expect_err("kinds differ").to_string();
    assert!(
        message
            .contains("T (subgraphs `a`, `b`): is an object type in `a` but an interface in `b`"),
        "{message}"
    );
}

#[test]
fn invalid_sdl_names_the_subgraph() {
    let message = compose(&[subgraph("broken", 1, "type Query {")])
        .expect_err("does not parse")
        .to_string();
    assert!(
        message.starts_with("subgraph `broken`: invalid SDL"),
        "{message}"
    );
}

#[tokio::test]
async fn unreachable_subgraph_names_its_url() {
    let url = "http://127.0.0.1:9/graphql";
    let error = fetch_sdl(&reqwest::Client::new(), url)
        .await
        .expect_err("nothing listens on port 9");
    assert!(matches!(error, FetchError::Unreachable { .. }));
    assert!(error.to_string().contains(url), "{error}");
}

#[test]
fn conformance_set_composes_with_requires_arguments_and_progressive_override() {
    let sdl = compose(&conformance()).expect("conformance set composes");
    assert!(
        sdl.contains("@link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)"),
        "{sdl}"
    );
    let supergraph = Supergraph::parse(&sdl).expect("our supergraph parses");
    let field = |t: &str, f: &str| &supergraph.field_owners[&(t.to_owned(), f.to_owned())];
    let shipping = field("Product", "shippingEstimate");
    assert_eq!(shipping.len(), 1);
    assert_eq!(shipping[0].graph, "INVENTORY");
    // Emitted exactly as the subgraph wrote it.
    assert_eq!(
        shipping[0].requires.as_deref(),
        Some("price weight(unit: KILOGRAM) dimensions { width height depth }")
    );
    for (name, label) in [("warehouse", "percent(0)"), ("carrier", "beta")] {
        let owners = field("Product", name);
        let expected = [
            FieldOwner {
                graph: "INVENTORY".into(),
                override_from: Some("products".into()),
                override_label: Some(label.into()),
                ..FieldOwner::default()
            },
            FieldOwner {
                graph: "PRODUCTS".into(),
                override_label: Some(label.into()),
                ..FieldOwner::default()
            },
        ];
        assert_eq!(owners.as_slice(), expected.as_slice(), "Product.{name}");
    }
    // A plain @override removes the field from the overridden subgraph.
    let class = field("Product", "shippingClass");
    assert_eq!(class.len(), 1);
    assert_eq!(class[0].graph, "INVENTORY");
    assert_eq!(class[0].override_from.as_deref(), Some("products"));
    assert_eq!(class[0].override_label, None);
}

#[test]
fn conformance_supergraph_carries_what_a_router_needs() {
    let sdl = compose(&conformance()).expect("conformance set composes");
    let supergraph = Supergraph::parse(&sdl).expect("our supergraph parses");
    let media = &supergraph.type_owners["Media"];
    assert!(
        media
            .iter()
            .any(|o| o.graph == "REVIEWS" && o.interface_object && o.key.as_deref() == Some("id")),
        "{media:?}"
    );
    assert!(
        media
            .iter()
            .any(|o| o.graph == "MEDIA" && !o.interface_object)
    );
    let user = &supergraph.type_owners["User"];
    assert!(
        user.iter()
            .any(|o| o.graph == "MEDIA" && !o.resolvable && o.key.as_deref() == Some("id")),
        "{user:?}"
    );
    for present in [
        "@join__type(graph: REVIEWS, key: \"id\", isInterfaceObject: true)",
        "@join__type(graph: MEDIA, key: \"id\", resolvable: false)",
        "@join__implements(graph: MEDIA, interface: \"Media\")",
        "@join__unionMember(graph: REVIEWS, member: \"Review\")",
        "@join__unionMember(graph: REVIEWS, member: \"Product\")",
        "@join__unionMember(graph: REVIEWS, member: \"User\")",
        "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: \
         join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: \
         Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!])",
        "directive @join__directive(graphs: [join__Graph!], name: String!, args: \
         join__DirectiveArguments)",
        "input join__ContextArgument",
        "scalar join__FieldValue",
    ] {
        assert!(sdl.contains(present), "{present} missing from:\n{sdl}");
    }
    // `likes` reaches the implementations through the interface object.
    let likes = &supergraph.field_owners[&("Book".to_owned(), "likes".to_owned())];
    assert!(likes.iter().all(|o| o.graph.is_empty()), "{likes:?}");
    let api = supergraph.api_schema.to_string();
    for present in [
        "union SearchResult = Review | Product | User",
        "shippingEstimate(zone: Zone! = DOMESTIC): Int!",
        "weight(unit: WeightUnit! = KILOGRAM): Float!",
        "type Book implements Media",
    ] {
        assert!(api.contains(present), "{present} missing from:\n{api}");
    }
    assert!(!api.contains("join__"), "{api}");
}

#[test]
fn overridden_key_field_is_used_overridden_and_labels_reach_both_sides() {
    const V27: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.7\", \
                       import: [\"@key\", \"@override\"])\n";
    let subgraphs = [
        subgraph(
            "a",
            1,
            &format!(
                "{LINK}type Query {{ t: T }}\n\
                 type T @key(fields: \"id\") @key(fields: \"code\") \
                 {{ id: ID! code: String! name: String }}"
            ),
        ),
        subgraph(
            "b",
            2,
            &format!(
                "{V27}type T @key(fields: \"id\") {{ id: ID! code: String! @override(from: \"a\") }}"
            ),
        ),
        subgraph(
            "c",
            3,
            &format!(
                "{V27}type T @key(fields: \"id\") \
                 {{ id: ID! name: String @override(from: \"a\", label: \"percent(5.5)\") }}"
            ),
        ),
    ];
    let sdl = compose(&subgraphs).expect("composes");
    for present in [
        "code: String! @join__field(graph: A, usedOverridden: true) \
         @join__field(graph: B, override: \"a\")",
        "name: String @join__field(graph: A, overrideLabel: \"percent(5.5)\") \
         @join__field(graph: C, override: \"a\", overrideLabel: \"percent(5.5)\")",
    ] {
        assert!(sdl.contains(present), "{present} missing from:\n{sdl}");
    }
    let ours = Supergraph::parse(&sdl).expect("our supergraph parses");
    let js = Supergraph::parse(&compose_with_js(&subgraphs)).expect("JS supergraph parses");
    let diff = differences(&owners(&ours), &owners(&js));
    assert!(diff.is_empty(), "owners differ:\n{}", diff.join("\n"));
}

#[test]
fn conformance_owners_equal_the_js_composers() {
    let subgraphs = conformance();
    let js = Supergraph::parse(&compose_with_js(&subgraphs)).expect("JS supergraph parses");
    let ours = Supergraph::parse(&compose(&subgraphs).expect("conformance set composes"))
        .expect("our supergraph parses");
    assert_eq!(js.subgraphs, ours.subgraphs);
    let (js_owners, our_owners) = (owners(&js), owners(&ours));
    let diff = differences(&our_owners, &js_owners);
    assert!(diff.is_empty(), "owners differ:\n{}", diff.join("\n"));
    // The comparison covers the interesting cases, not just an empty map.
    for coordinate in [
        "Product.warehouse",
        "Product.carrier",
        "Product.shippingClass",
        "Product.shippingEstimate",
        "Media",
        "Book.likes",
        "User",
    ] {
        assert!(our_owners.contains_key(coordinate), "{coordinate}");
    }
    assert_eq!(api_types(&js), api_types(&ours));
}

#[test]
fn benchmark_set_composes_like_the_js_composer() {
    let subgraphs = benchmark();
    let sdl = compose(&subgraphs).expect("benchmark set composes");
    let ours = Supergraph::parse(&sdl).expect("our supergraph parses");
    let js = Supergraph::parse(&compose_with_js(&subgraphs)).expect("JS supergraph parses");
    let diff = differences(&owners(&ours), &owners(&js));
    assert!(diff.is_empty(), "owners differ:\n{}", diff.join("\n"));
    assert_eq!(api_types(&js), api_types(&ours));
}

#[test]
fn key_with_arguments_is_an_error_naming_the_field() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }}\n\
         type P @key(fields: \"id(format: 1)\") {{ id(format: Int): ID! }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("key fields cannot take arguments")
        .to_string();
    assert!(
        message.contains(
            "subgraph `shop`, P: @key(fields: \"id(format: 1)\") passes arguments to `id`"
        ),
        "{message}"
    );
}

#[test]
fn requires_with_unknown_or_missing_arguments_names_them() {
    let sdl = format!(
        "{LINK}type Query {{ p: P }}\n\
         type P @key(fields: \"id\") {{ id: ID! \
         w(unit: String!): Int @external a(x: Int): Int @external \
         total: Int @requires(fields: \"w\") \
         other: Int @requires(fields: \"a(y: 1)\") }}"
    );
    let message = compose(&[subgraph("shop", 1, &sdl)])
        .expect_err("bad requires arguments")
        .to_string();
    for expected in [
        "P.total: @requires(fields: \"w\") selects `P.w` without its required argument `unit`",
        "P.other: @requires(fields: \"a(y: 1)\") passes `y` to `P.a`",
    ] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}

#[test]
fn invalid_override_label_names_subgraph_and_field() {
    let a = subgraph(
        "a",
        1,
        &format!("{LINK}type Query {{ t: T }} type T @key(fields: \"id\") {{ id: ID! x: Int }}"),
    );
    let b = subgraph(
        "b",
        2,
        "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.7\", \
         import: [\"@key\", \"@override\"])\n\
         type T @key(fields: \"id\") { id: ID! x: Int @override(from: \"a\", label: \"percent(101)\") }",
    );
    let message = compose(&[a, b]).expect_err("percent above 100").to_string();
    assert!(
        message.contains("subgraph `b`, T.x: @override(label: \"percent(101)\") is invalid"),
        "{message}"
    );
}

/// Subgraphs typing `Shelf.top`/`Shelf.picks` with `Post` (posts) and the union `Entry`
/// (curation), which only curation defines.
fn shelf_subgraphs() -> Vec<SubgraphSdl> {
    const V23: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                       import: [\"@key\", \"@shareable\"])\n";
    vec![
        subgraph(
            "posts",
            1,
            &format!(
                "{V23}type Query {{ shelf: Shelf @shareable }}\n\
                 type Shelf @key(fields: \"id\") \
                 {{ id: ID! top: Post @shareable picks: [Post!]! @shareable }}\n\
                 type Post @key(fields: \"id\") {{ id: ID! title: String }}"
            ),
        ),
        subgraph(
            "curation",
            2,
            &format!(
                "{V23}type Query {{ shelf: Shelf @shareable }}\n\
                 type Shelf @key(fields: \"id\") \
                 {{ id: ID! top: Entry @shareable picks: [Entry!] @shareable }}\n\
                 union Entry = Post | Photo\n\
                 type Post @key(fields: \"id\") {{ id: ID! }}\n\
                 type Photo @key(fields: \"id\") {{ id: ID! url: String }}"
            ),
        ),
    ]
}

#[test]
fn output_fields_typed_by_subtypes_compose_to_the_union() {
    let subgraphs = shelf_subgraphs();
    let sdl = compose(&subgraphs).expect("a union member and its union compose");
    for present in [
        // Every owner states its type once one differs (as Apollo's composer writes it).
        "top: Entry @join__field(graph: CURATION, type: \"Entry\") \
         @join__field(graph: POSTS, type: \"Post\")",
        // Lists: the supertype inside, nullable where any subgraph is.
        "picks: [Entry!] @join__field(graph: CURATION, type: \"[Entry!]\") \
         @join__field(graph: POSTS, type: \"[Post!]!\")",
        "@join__unionMember(graph: CURATION, member: \"Post\")",
        "@join__unionMember(graph: CURATION, member: \"Photo\")",
        "= Post | Photo",
    ] {
        assert!(sdl.contains(present), "{present} missing from:\n{sdl}");
    }
    // Only curation declares the union, so only curation states its members.
    assert!(
        !sdl.contains("@join__unionMember(graph: POSTS"),
        "posts declares no union:\n{sdl}"
    );
    let ours = Supergraph::parse(&sdl).expect("our supergraph parses");
    let top = &ours.field_owners[&("Shelf".to_owned(), "top".to_owned())];
    let types: Vec<_> = top
        .iter()
        .map(|o| (o.graph.as_str(), o.type_in_subgraph.as_deref()))
        .collect();
    assert_eq!(
        types,
        [("CURATION", Some("Entry")), ("POSTS", Some("Post"))]
    );
    let api = ours.api_schema.to_string();
    for present in [
        "top: Entry",
        "picks: [Entry!]",
        "union Entry = Post | Photo",
    ] {
        assert!(api.contains(present), "{present} missing from:\n{api}");
    }
    let js = Supergraph::parse(&compose_with_js(&subgraphs)).expect("JS supergraph parses");
    let diff = differences(&owners(&ours), &owners(&js));
    assert!(diff.is_empty(), "owners differ:\n{}", diff.join("\n"));
    assert_eq!(api_types(&js), api_types(&ours));
}

#[test]
fn output_fields_typed_by_interfaces_compose_to_the_widest_and_keep_each_declaration() {
    const V23: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                       import: [\"@key\", \"@shareable\"])\n";
    let subgraphs = [
        // `Book!` here; `Book` implements `Media` only in this subgraph.
        subgraph(
            "books",
            1,
            &format!(
                "{V23}type Query {{ featured: Book! @shareable }}\n\
                 interface Media {{ id: ID! }}\n\
                 type Book implements Media @key(fields: \"id\") {{ id: ID! title: String }}"
            ),
        ),
        // The sub-interface `Media`, which implements `Node`.
        subgraph(
            "library",
            2,
            &format!(
                "{V23}type Query {{ featured: Media @shareable }}\n\
                 interface Node {{ id: ID! }}\n\
                 interface Media implements Node {{ id: ID! }}\n\
                 type Book implements Node & Media @key(fields: \"id\") {{ id: ID! }}"
            ),
        ),
        // The widest type, `Node`, which `Book` implements here too.
        subgraph(
            "search",
            3,
            &format!(
                "{V23}type Query {{ featured: Node @shareable }}\n\
                 interface Node {{ id: ID! }}\n\
                 type Book implements Node @key(fields: \"id\") {{ id: ID! }}"
            ),
        ),
    ];
    let sdl = compose(&subgraphs).expect("an implementation and its interfaces compose");
    for present in [
        "featured: Node @join__field(graph: BOOKS, type: \"Book!\") \
         @join__field(graph: LIBRARY, type: \"Media\") @join__field(graph: SEARCH, type: \"Node\")",
        "@join__implements(graph: BOOKS, interface: \"Media\")",
        "@join__implements(graph: LIBRARY, interface: \"Node\")",
        "@join__implements(graph: LIBRARY, interface: \"Media\")",
        "@join__implements(graph: SEARCH, interface: \"Node\")",
    ] {
        assert!(sdl.contains(present), "{present} missing from:\n{sdl}");
    }
    for absent in [
        "@join__implements(graph: BOOKS, interface: \"Node\")",
        "@join__implements(graph: SEARCH, interface: \"Media\")",
    ] {
        assert!(!sdl.contains(absent), "{absent} was never declared:\n{sdl}");
    }
    let ours = Supergraph::parse(&sdl).expect("our supergraph parses");
    let api = ours.api_schema.to_string();
    assert!(api.contains("featured: Node"), "{api}");
    // The supertype does not depend on which subgraph comes first.
    let mut reversed = subgraphs.to_vec();
    reversed.reverse();
    // No comparison with the JS composer here: unlike Apollo's, it refuses a sub-interface
    // and implementations declared in another subgraph.
    assert_eq!(compose(&reversed).expect("composes"), sdl);
}

#[test]
fn union_membership_declared_by_another_subgraph_counts() {
    const V23: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                       import: [\"@key\", \"@shareable\"])\n";
    let subgraphs = [
        subgraph(
            "a",
            1,
            &format!(
                "{V23}type Query {{ pick: Post @shareable }}\n\
                 type Post @key(fields: \"id\") {{ id: ID! }}"
            ),
        ),
        // `Entry` has only `Photo` here: `Post` is a member through `c`.
        subgraph(
            "b",
            2,
            &format!(
                "{V23}type Query {{ pick: Entry @shareable }}\n\
                 union Entry = Photo\n\
                 type Photo @key(fields: \"id\") {{ id: ID! }}"
            ),
        ),
        subgraph(
            "c",
            3,
            &format!(
                "{V23}union Entry = Post\n\
                 type Query {{ entries: [Entry] }}\n\
                 type Post @key(fields: \"id\") {{ id: ID! }}"
            ),
        ),
    ];
    let sdl = compose(&subgraphs).expect("membership is the union over subgraphs");
    for present in [
        "pick: Entry @join__field(graph: A, type: \"Post\") @join__field(graph: B, type: \"Entry\")",
        "@join__unionMember(graph: B, member: \"Photo\")",
        "@join__unionMember(graph: C, member: \"Post\")",
    ] {
        assert!(sdl.contains(present), "{present} missing from:\n{sdl}");
    }
    Supergraph::parse(&sdl).expect("our supergraph parses");
}

#[test]
fn output_fields_of_unrelated_types_are_refused() {
    const V23: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", \
                       import: [\"@key\", \"@shareable\"])\n";
    let with = |name: &str, ty: &str| {
        subgraph(
            name,
            1,
            &format!(
                "{V23}type Query {{ pick: {ty} @shareable }}\n\
                 union Entry = Post | Photo\n\
                 type Post @key(fields: \"id\") {{ id: ID! }}\n\
                 type Photo @key(fields: \"id\") {{ id: ID! }}"
            ),
        )
    };
    // Two members of one union: neither is the other's supertype, and neither subgraph
    // typed the field with the union.
    for (a, b) in [("Post", "Photo"), ("Post", "String"), ("[Post]", "Entry")] {
        let message = compose(&[with("a", a), with("b", b)])
            .expect_err("unrelated types")
            .to_string();
        assert!(
            message.contains(&format!(
                "Query.pick (subgraphs `a`, `b`): has incompatible types: `{a}` in `a`, `{b}` in `b`"
            )),
            "{message}"
        );
    }
}

const CONTEXT_LINK: &str = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.8\", \
                            import: [\"@key\", \"@context\", \"@fromContext\"])\n";

/// `Cart.greeting` takes its `locale` argument from the enclosing `User` (`@fromContext`).
fn context_subgraphs(link: &str, from_context: &str) -> Vec<SubgraphSdl> {
    vec![
        subgraph(
            "accounts",
            1,
            &format!(
                "{CONTEXT_LINK}type Query {{ users: [User!]! }}\n\
                 type User @key(fields: \"id\") {{ id: ID! name: String! }}"
            ),
        ),
        subgraph(
            "store",
            2,
            &format!(
                "{link}type User @key(fields: \"id\") @context(name: \"viewer\") \
                 {{ id: ID! locale: String! cart: Cart! }}\n\
                 type Cart @key(fields: \"id\") {{ id: ID! \
                 greeting(locale: String @{from_context}(field: \"$viewer {{ locale }}\")): String! }}"
            ),
        ),
    ]
}

#[test]
fn from_context_is_refused_naming_the_field() {
    let renamed = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.8\", \
                   import: [\"@key\", \"@context\", { name: \"@fromContext\", as: \"@ctx\" }])\n";
    let namespaced = "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.8\", \
                      import: [\"@key\", \"@context\"])\n";
    for (link, directive) in [
        (CONTEXT_LINK, "fromContext"),
        (renamed, "ctx"),
        (namespaced, "federation__fromContext"),
    ] {
        let error = compose(&context_subgraphs(link, directive))
            .expect_err("@fromContext is not supported");
        assert!(
            matches!(error, ComposeError::Unsupported { .. }),
            "{directive}: {error}"
        );
        assert_eq!(
            error.to_string(),
            "subgraph `store`, Cart.greeting(locale:): takes its value from a context \
             (@fromContext), which this gateway does not support yet"
        );
    }
}

#[test]
fn a_supergraph_with_context_arguments_from_the_js_composer_is_refused_naming_the_field() {
    let sdl = compose_with_js(&context_subgraphs(CONTEXT_LINK, "fromContext"));
    assert!(sdl.contains("contextArguments"), "{sdl}");
    let error = Supergraph::parse(&sdl).expect_err("contextArguments are not supported");
    let message = error.to_string();
    for expected in ["Cart.greeting(locale:)", "fromContext", "contextArguments"] {
        assert!(message.contains(expected), "{expected} not in: {message}");
    }
}
