//! Checks shared by the sections' validation.

use super::ConfigError;

/// `Err` unless `value` is above 0.
pub(super) fn positive(key: &str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(ConfigError::setting(key, "must be greater than 0"));
    }
    Ok(())
}

/// `Err` unless `url` is an http(s) URL.
pub(super) fn http_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(());
    }
    Err(ConfigError::setting(
        key,
        format!("{url:?} is not an http(s) URL"),
    ))
}

/// `Err` unless `url` (when set) is a Redis URL.
pub(super) fn redis_url(key: &str, url: Option<&str>) -> Result<(), ConfigError> {
    match url.map(redis::Client::open) {
        Some(Err(e)) => Err(ConfigError::setting(key, e.to_string())),
        _ => Ok(()),
    }
}
