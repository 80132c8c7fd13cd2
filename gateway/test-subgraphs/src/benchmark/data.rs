//! Generated, deterministic benchmark data: 10 users, 10 products, 30 reviews (3 per user, 3 per product).

pub(crate) const USERS: usize = 10;
pub(crate) const PRODUCTS: usize = 10;
pub(crate) const REVIEWS: usize = 30;

/// Ids are 1-based strings ("1".."10").
pub(crate) fn index(id: &str, count: usize) -> Option<usize> {
    id.parse::<usize>().ok().filter(|n| (1..=count).contains(n))
}

pub(crate) fn user_name(n: usize) -> String {
    format!("User {n}")
}

pub(crate) fn username(n: usize) -> String {
    format!("user{n}")
}

pub(crate) fn product_name(n: usize) -> String {
    format!("Product {n}")
}

pub(crate) fn price(n: usize) -> i32 {
    i32::try_from(n * 150).unwrap_or(i32::MAX)
}

pub(crate) fn weight(n: usize) -> i32 {
    i32::try_from(n * 10).unwrap_or(i32::MAX)
}

pub(crate) fn in_stock(n: usize) -> bool {
    !n.is_multiple_of(3)
}

/// Review `n` (1-based): author `(n-1) % 10 + 1`, product `7(n-1) % 10 + 1`.
pub(crate) fn review_author(n: usize) -> usize {
    (n - 1) % USERS + 1
}

pub(crate) fn review_product(n: usize) -> usize {
    (7 * (n - 1)) % PRODUCTS + 1
}

pub(crate) fn review_body(n: usize) -> String {
    format!(
        "Review {n} of product {} by user{}: sturdy, well packed, arrived on time, would order again.",
        review_product(n),
        review_author(n)
    )
}
