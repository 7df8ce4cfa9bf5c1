//! The keeper's signing key: an encrypted keystore file (password from the environment), a raw
//! key in the environment, or a remote signer (`eth_signTransaction`) holding it. Never a
//! command-line flag, which would land in shell history and `ps`.

use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, bail};

use crate::{
    config::KeyConfig,
    signer::{RemoteSigner, Signer},
};

/// The environment variable holding a hex private key (used when no keystore is configured).
pub const PRIVATE_KEY_ENV: &str = "KEEPER_PRIVATE_KEY";
/// The environment variable holding the keystore's password.
pub const KEYSTORE_PASSWORD_ENV: &str = "KEEPER_KEYSTORE_PASSWORD";

/// The signer the config asks for: a remote signer, a keystore or the environment's key.
pub fn load_signer(config: &KeyConfig) -> anyhow::Result<Signer> {
    if let Some(url) = &config.remote_signer {
        let address = config
            .address
            .context("key.remote_signer needs key.address (the account the signer holds)")?;
        return Ok(RemoteSigner::new(url.clone(), address, config.remote_timeout())?.into());
    }
    load_local(config).map(Signer::from)
}

/// The local key: a keystore or the environment's.
pub fn load_local(config: &KeyConfig) -> anyhow::Result<PrivateKeySigner> {
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
