//! Planning is bounded: an operation whose fragments multiply into more field positions
//! than the planner's bound is refused with a clear error instead of planning for long.

use crate::support::Fixture;

/// `levels` fragments on `on`, each spreading the previous one twice (2^levels
/// positions), the first selecting `first`, spread in `operation` at `{}`.
fn doubling_fragments(levels: usize, on: &str, first: &str, operation: &str) -> String {
    let mut query = format!("fragment L0 on {on} {{ {first} }}\n");
    for level in 1..=levels {
        let previous = level - 1;
        query.push_str(&format!(
            "fragment L{level} on {on} {{ ...L{previous} ...L{previous} }}\n"
        ));
    }
    query.push_str(&operation.replace("{}", &format!("...L{levels}")));
    query
}

fn fixture() -> Fixture {
    Fixture::new(&[("one", "type Query { a: A }  type A { b: Int }")])
}

#[test]
fn a_query_multiplying_positions_past_the_bound_is_refused() {
    let f = fixture();
    let at_root = |levels| doubling_fragments(levels, "Query", "a { b }", "{ {} }");
    let nested = |levels| doubling_fragments(levels, "A", "b", "{ a { {} } }");
    // 2^4 positions plan as one field.
    insta::assert_snapshot!(f.plan(&at_root(4)));
    assert_eq!(f.plan(&nested(4)), f.plan(&at_root(4)));
    for query in [at_root(24), nested(24)] {
        assert_eq!(
            f.plan_error(&query),
            "the operation is too large to plan: over 50000 field positions"
        );
    }
}
