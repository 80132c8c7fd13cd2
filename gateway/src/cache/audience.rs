//! Who a cached answer may be served to.

use serde_json::Value;

use crate::auth::Claims;
pub use crate::config::Sharing;

/// The cache partitions of one caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    /// The partition shared with equivalent callers (anonymous, or one scope set).
    pub shared: String,
    /// The caller's own partition (authenticated callers only).
    pub user: Option<String>,
}

fn claim(claims: &Claims, name: &str) -> String {
    claims
        .raw
        .get(name)
        .map(Value::to_string)
        .unwrap_or_default()
}

impl Audience {
    /// The partitions of a caller (none: anonymous).
    pub fn of(claims: Option<&Claims>, sharing: Sharing) -> Self {
        let Some(claims) = claims else {
            return Self {
                shared: "anonymous".to_owned(),
                user: None,
            };
        };
        let mut scopes = claims.scopes();
        scopes.sort();
        scopes.dedup();
        let issuer = claim(claims, "iss");
        let scopes = scopes.join(" ");
        let user = format!("user:{issuer}:{}:{scopes}", claim(claims, "sub"));
        let shared = match sharing {
            Sharing::Scopes => format!("scopes:{issuer}:{scopes}"),
            Sharing::User => user.clone(),
        };
        Self {
            shared,
            user: Some(user),
        }
    }

    /// The partition for data that belongs to one caller.
    pub fn private(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.shared)
    }

    /// Whether answers depend on who asks (HTTP `Cache-Control: private`).
    pub fn is_authenticated(&self) -> bool {
        self.user.is_some()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(sub: &str, scope: &str) -> Claims {
        Claims {
            raw: json!({ "sub": sub, "scope": scope })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }
    }

    #[test]
    fn same_scopes_share_unless_configured_per_user() {
        let anonymous = Audience::of(None, Sharing::Scopes);
        assert_eq!(anonymous.shared, "anonymous");
        assert!(!anonymous.is_authenticated());
        let ana = Audience::of(Some(&claims("ana", "lectura escritura")), Sharing::Scopes);
        let ana_again = Audience::of(Some(&claims("ana", "escritura lectura")), Sharing::Scopes);
        let beto = Audience::of(Some(&claims("beto", "lectura escritura")), Sharing::Scopes);
        let reader = Audience::of(Some(&claims("ana", "lectura")), Sharing::Scopes);
        assert_eq!(ana, ana_again);
        assert_eq!(ana.shared, beto.shared);
        assert_ne!(ana.private(), beto.private());
        assert_ne!(ana.shared, reader.shared);
        assert_ne!(ana.shared, anonymous.shared);
        let per_user = |sub| Audience::of(Some(&claims(sub, "lectura")), Sharing::User);
        assert_ne!(per_user("ana").shared, per_user("beto").shared);
    }
}
