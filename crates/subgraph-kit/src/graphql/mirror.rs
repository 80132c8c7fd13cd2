//! `mirror_enum!`: a GraphQL enum that mirrors a domain enum variant for variant, with
//! conversions both ways, so domain types never derive GraphQL traits.

/// Declares `$gql` (a GraphQL enum named `$name`) mirroring the domain enum `$domain`,
/// with `From` both ways.
#[macro_export]
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $gql:ident as $name:literal <=> $domain:ident { $($(#[$vdoc:meta])* $variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(::async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(name = $name)]
        pub(crate) enum $gql { $($(#[$vdoc])* $variant),* }

        impl From<$domain> for $gql {
            fn from(value: $domain) -> Self {
                match value { $($domain::$variant => $gql::$variant),* }
            }
        }

        impl From<$gql> for $domain {
            fn from(value: $gql) -> Self {
                match value { $($gql::$variant => $domain::$variant),* }
            }
        }
    };
}
