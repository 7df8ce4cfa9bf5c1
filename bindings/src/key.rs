//! The signing key of an operator's tool (the keeper, `lpt`): an encrypted keystore file with its
//! password in the environment, or a raw key in the environment. Never a command-line argument,
//! which would land in shell history and `ps`.

use std::path::{Path, PathBuf};

use alloy::signers::local::PrivateKeySigner;

/// Where a tool reads its key: the names it gives the environment variables and the keystore
/// setting (a config key or a flag), so that every message names what the user can set.
#[derive(Clone, Copy, Debug)]
pub struct KeySource {
    /// The variable holding a hex private key, used when no keystore is given.
    pub key_env: &'static str,
    /// The variable holding the keystore's password.
    pub password_env: &'static str,
    /// How the user names a keystore ("key.keystore in the config", "--keystore").
    pub keystore_setting: &'static str,
}

/// Why no signer could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{setting} is set: put its password in {password_env}")]
    NoPassword {
        setting: &'static str,
        password_env: &'static str,
    },
    #[error("keystore {} does not exist or is not a file", .0.display())]
    MissingKeystore(PathBuf),
    #[error(
        "cannot decrypt keystore {}: {reason} (wrong password, or not an Ethereum keystore file)",
        path.display()
    )]
    Decrypt { path: PathBuf, reason: String },
    #[error("no key: set {key_env}, or {setting} with {password_env}")]
    NoKey {
        key_env: &'static str,
        setting: &'static str,
        password_env: &'static str,
    },
    #[error("{0} is not a 32-byte hex private key")]
    BadKey(&'static str),
}

impl KeySource {
    /// Loads the signer: from `keystore` when given (its password from the environment), else
    /// from the key variable.
    pub fn load(&self, keystore: Option<&Path>) -> Result<PrivateKeySigner, KeyError> {
        if let Some(path) = keystore {
            let password = std::env::var(self.password_env).map_err(|_| KeyError::NoPassword {
                setting: self.keystore_setting,
                password_env: self.password_env,
            })?;
            if !path.is_file() {
                return Err(KeyError::MissingKeystore(path.to_path_buf()));
            }
            return PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
                KeyError::Decrypt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                }
            });
        }
        let hex = std::env::var(self.key_env).map_err(|_| KeyError::NoKey {
            key_env: self.key_env,
            setting: self.keystore_setting,
            password_env: self.password_env,
        })?;
        hex.trim()
            .parse::<PrivateKeySigner>()
            .map_err(|_| KeyError::BadKey(self.key_env))
    }
}
