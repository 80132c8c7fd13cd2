//! API keys: random secrets handed out once and stored only as their SHA-256 digest.
//!
//! A key is `ak_` and 40 random letters and digits (about 238 bits): guessing one is
//! hopeless, so a fast digest is enough (a slow password hash protects low-entropy
//! secrets), and the digest can be looked up by equality in an index. Whoever reads the
//! database learns digests, never keys.

use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};

/// What every key starts with (recognisable in logs and secret scanners).
pub const PREFIJO: &str = "ak_";

/// Random characters after the prefix.
const ALEATORIOS: usize = 40;

/// Characters of a key kept in clear to tell keys apart (`ak_` and 6 more).
const VISIBLES: usize = PREFIJO.len() + 6;

/// A key just drawn: the key itself (shown once), its digest and a visible prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaveNueva {
    /// The key, for its owner only.
    pub clave: String,
    /// What is stored: [`digest`] of the key.
    pub digest: String,
    /// The first characters, safe to show ("ak_Xy12ab…").
    pub prefijo: String,
}

impl std::fmt::Debug for ClaveNueva {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaveNueva")
            .field("prefijo", &self.prefijo)
            .finish_non_exhaustive()
    }
}

/// The API key a request presented (`x-api-key`, forwarded by the gateway), not yet
/// checked against any stored digest.
#[derive(Clone, PartialEq, Eq)]
pub struct ClavePresentada(pub String);

impl std::fmt::Debug for ClavePresentada {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClavePresentada(…)")
    }
}

/// Draws a new key from the operating system's generator.
pub fn generar() -> ClaveNueva {
    let aleatorio: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(ALEATORIOS)
        .map(char::from)
        .collect();
    let clave = format!("{PREFIJO}{aleatorio}");
    ClaveNueva {
        digest: digest(&clave),
        prefijo: clave.chars().take(VISIBLES).collect(),
        clave,
    }
}

/// The stored form of a key: its SHA-256, lower-case hex.
pub fn digest(clave: &str) -> String {
    Sha256::digest(clave.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `texto` has the shape of a key (checked before any lookup).
pub fn bien_formada(texto: &str) -> bool {
    texto.trim().strip_prefix(PREFIJO).is_some_and(|resto| {
        resto.len() == ALEATORIOS && resto.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_well_formed_and_stored_as_digests() {
        let a = generar();
        let b = generar();
        assert_ne!(a.clave, b.clave);
        assert!(bien_formada(&a.clave), "{}", a.clave);
        assert_eq!(a.digest, digest(&a.clave));
        assert_eq!(a.digest.len(), 64);
        assert!(!a.digest.contains(&a.clave[PREFIJO.len()..]));
        assert!(a.clave.starts_with(&a.prefijo));
        assert!(!format!("{a:?}").contains(&a.clave));
        assert!(!bien_formada("ak_corta"));
        assert!(!bien_formada(&format!("xx_{}", &a.clave[3..])));
        assert!(!bien_formada(&format!(
            "{}ñ",
            &a.clave[..a.clave.len() - 2]
        )));
    }
}
