use std::path::PathBuf;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file given does not exist.
    #[error("configuration file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    /// Syntax, an unknown key or a wrong type (the message names the key and its source).
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// A setting with a value that cannot work.
    #[error("invalid configuration: {key}: {problem}")]
    Setting {
        /// The key path (`cors.allow_origins`).
        key: String,
        /// What is wrong.
        problem: String,
    },
}

impl ConfigError {
    /// A setting `key` whose value cannot work, and why.
    pub fn setting(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Setting {
            key: key.into(),
            problem: problem.into(),
        }
    }
}
