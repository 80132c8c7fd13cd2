//! `coded_enum!`: a domain enum with stable storage codes, the same way in every context.

/// Declares an enum with `ALL`, `codigo()` (the stored and published code) and
/// `desde_codigo()`. Attributes before the name (docs, extra derives) are kept.
#[macro_export]
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored and published code.
            pub fn codigo(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The value of a stored code.
            pub fn desde_codigo(codigo: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.codigo() == codigo)
            }
        }
    };
}
