//! The keeper's signing key: an encrypted keystore file (password from the environment) or a raw
//! key in the environment ([`bindings::key`], shared with `lpt`). Never a command-line flag, which
//! would land in shell history and `ps`.

use alloy::signers::local::PrivateKeySigner;
use bindings::key::KeySource;

use crate::config::KeyConfig;

/// The environment variable holding a hex private key (used when no keystore is configured).
pub const PRIVATE_KEY_ENV: &str = "KEEPER_PRIVATE_KEY";
/// The environment variable holding the keystore's password.
pub const KEYSTORE_PASSWORD_ENV: &str = "KEEPER_KEYSTORE_PASSWORD";

/// Where the keeper reads its key.
const SOURCE: KeySource = KeySource {
    key_env: PRIVATE_KEY_ENV,
    password_env: KEYSTORE_PASSWORD_ENV,
    keystore_setting: "key.keystore in the config",
};

/// Loads the signer the config asks for.
pub fn load_signer(config: &KeyConfig) -> anyhow::Result<PrivateKeySigner> {
    Ok(SOURCE.load(config.keystore.as_deref())?)
}
