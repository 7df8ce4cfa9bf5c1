//! The keeper's signing key: an encrypted keystore file (password from the environment) or a raw
//! key in the environment. Never a command-line flag, which would land in shell history and `ps`.

use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, bail};

use crate::config::KeyConfig;

/// The environment variable holding a hex private key (used when no keystore is configured).
pub const PRIVATE_KEY_ENV: &str = "KEEPER_PRIVATE_KEY";
/// The environment variable holding the keystore's password.
pub const KEYSTORE_PASSWORD_ENV: &str = "KEEPER_KEYSTORE_PASSWORD";

/// Loads the signer the config asks for.
pub fn load_signer(config: &KeyConfig) -> anyhow::Result<PrivateKeySigner> {
    if let Some(path) = &config.keystore {
        let password = std::env::var(KEYSTORE_PASSWORD_ENV).with_context(|| {
            format!("key.keystore is set: put its password in {KEYSTORE_PASSWORD_ENV}")
        })?;
        if !path.is_file() {
            bail!(
                "keystore {} does not exist or is not a file",
                path.display()
            );
        }
        return PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
            anyhow::anyhow!(
                "cannot decrypt keystore {}: {e} (wrong password, or not an Ethereum keystore file)",
                path.display()
            )
        });
    }
    let hex = std::env::var(PRIVATE_KEY_ENV).map_err(|_| {
        anyhow::anyhow!(
            "no key: set {PRIVATE_KEY_ENV}, or key.keystore in the config with {KEYSTORE_PASSWORD_ENV}"
        )
    })?;
    hex.trim()
        .parse::<PrivateKeySigner>()
        .map_err(|_| anyhow::anyhow!("{PRIVATE_KEY_ENV} is not a 32-byte hex private key"))
}
