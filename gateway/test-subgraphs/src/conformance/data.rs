//! The conformance fixtures' data: small, fixed, and documented in the crate README.

pub(crate) struct UserRow {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) username: &'static str,
    /// `(team id, org id)`: team ids repeat across orgs, hence the nested key.
    pub(crate) team: (&'static str, &'static str),
}

pub(crate) const USERS: &[UserRow] = &[
    UserRow {
        id: "u1",
        name: "Ada Lovelace",
        username: "ada",
        team: ("t1", "o1"),
    },
    UserRow {
        id: "u2",
        name: "Alan Turing",
        username: "alan",
        team: ("t2", "o1"),
    },
    UserRow {
        id: "u3",
        name: "Grace Hopper",
        username: "grace",
        team: ("t1", "o2"),
    },
];

/// `me` in accounts.
pub(crate) const ME: &str = "u1";

pub(crate) const ORGS: &[(&str, &str)] = &[("o1", "Analytical"), ("o2", "Harbor")];

/// `(team id, org id, name)`.
pub(crate) const TEAMS: &[(&str, &str, &str)] = &[
    ("t1", "o1", "Engines"),
    ("t2", "o1", "Machines"),
    ("t1", "o2", "Compilers"),
];

pub(crate) struct ProductRow {
    pub(crate) upc: &'static str,
    pub(crate) sku: &'static str,
    pub(crate) name: &'static str,
    /// In cents.
    pub(crate) price: i32,
    pub(crate) weight_kg: f64,
    /// `(width, height, depth)` in centimetres.
    pub(crate) dimensions: (i32, i32, i32),
    pub(crate) sizes: &'static [&'static str],
    pub(crate) in_stock: bool,
}

pub(crate) const PRODUCTS: &[ProductRow] = &[
    ProductRow {
        upc: "1",
        sku: "SKU-1",
        name: "Table",
        price: 899,
        weight_kg: 12.5,
        dimensions: (120, 75, 80),
        sizes: &["S", "L"],
        in_stock: true,
    },
    ProductRow {
        upc: "2",
        sku: "SKU-2",
        name: "Couch",
        price: 1299,
        weight_kg: 40.0,
        dimensions: (200, 90, 95),
        sizes: &["M"],
        in_stock: false,
    },
    ProductRow {
        upc: "3",
        sku: "SKU-3",
        name: "Lamp",
        price: 54,
        weight_kg: 0.5,
        dimensions: (20, 45, 20),
        sizes: &[],
        in_stock: true,
    },
    ProductRow {
        upc: "4",
        sku: "SKU-4",
        name: "Mirror",
        price: 120,
        weight_kg: 3.0,
        dimensions: (60, 90, 2),
        sizes: &["S"],
        in_stock: true,
    },
];

/// A product key whose entity resolves to `null` (in products, by upc).
pub(crate) const NULL_UPC: &str = "404";
/// A product key whose entity resolution fails with an error (in products, by upc).
pub(crate) const ERROR_UPC: &str = "500";

/// Stock per `(upc, size)` variant, in inventory.
pub(crate) const VARIANT_STOCK: &[(&str, &str, i32)] =
    &[("1", "S", 3), ("1", "L", 0), ("2", "M", 7), ("4", "S", 1)];

pub(crate) struct ReviewRow {
    pub(crate) id: &'static str,
    pub(crate) body: &'static str,
    pub(crate) rating: i32,
    pub(crate) author: Option<&'static str>,
    pub(crate) upc: &'static str,
}

/// r5 and r6 point at the null and error products; they have no author so user lists stay clean.
pub(crate) const REVIEWS: &[ReviewRow] = &[
    ReviewRow {
        id: "r1",
        body: "Love it!",
        rating: 5,
        author: Some("u1"),
        upc: "1",
    },
    ReviewRow {
        id: "r2",
        body: "Too expensive.",
        rating: 2,
        author: Some("u1"),
        upc: "2",
    },
    ReviewRow {
        id: "r3",
        body: "Could be brighter.",
        rating: 3,
        author: Some("u2"),
        upc: "3",
    },
    ReviewRow {
        id: "r4",
        body: "Sturdy, love the finish.",
        rating: 4,
        author: Some("u3"),
        upc: "1",
    },
    ReviewRow {
        id: "r5",
        body: "Product vanished.",
        rating: 1,
        author: None,
        upc: NULL_UPC,
    },
    ReviewRow {
        id: "r6",
        body: "Product broken.",
        rating: 1,
        author: None,
        upc: ERROR_UPC,
    },
];

/// Reviews listed by `topReviews` and `search` (the ones with an author).
pub(crate) fn listed_reviews() -> impl Iterator<Item = &'static ReviewRow> {
    REVIEWS.iter().filter(|review| review.author.is_some())
}

pub(crate) enum MediaKind {
    Book { pages: i32, author: &'static str },
    Movie { duration_minutes: i32 },
}

pub(crate) struct MediaRow {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) kind: MediaKind,
    /// Known by the `@interfaceObject` side (reviews).
    pub(crate) likes: i32,
}

pub(crate) const MEDIA: &[MediaRow] = &[
    MediaRow {
        id: "m1",
        title: "Notes on the Engine",
        kind: MediaKind::Book {
            pages: 66,
            author: "u1",
        },
        likes: 42,
    },
    MediaRow {
        id: "m2",
        title: "Codebreakers",
        kind: MediaKind::Movie {
            duration_minutes: 114,
        },
        likes: 7,
    },
    MediaRow {
        id: "m3",
        title: "Compilers at Sea",
        kind: MediaKind::Book {
            pages: 120,
            author: "u3",
        },
        likes: 0,
    },
];

/// `featuredMedia` in reviews, in this order.
pub(crate) const FEATURED_MEDIA: &[&str] = &["m2", "m1"];

pub(crate) fn user(id: &str) -> Option<&'static UserRow> {
    USERS.iter().find(|user| user.id == id)
}

pub(crate) fn product_by_upc(upc: &str) -> Option<&'static ProductRow> {
    PRODUCTS.iter().find(|product| product.upc == upc)
}

pub(crate) fn product_by_sku(sku: &str) -> Option<&'static ProductRow> {
    PRODUCTS.iter().find(|product| product.sku == sku)
}

pub(crate) fn media(id: &str) -> Option<&'static MediaRow> {
    MEDIA.iter().find(|media| media.id == id)
}
