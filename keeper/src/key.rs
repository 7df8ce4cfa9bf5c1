//! The keeper's signing key: an encrypted keystore file (password from the environment), a raw
//! key in the environment ([`bindings::key`], shared with `lpt`), or a remote signer
//! (`eth_signTransaction`) holding it. Never a command-line flag, which would land in shell
//! history and `ps`.

use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use bindings::key::KeySource;

use crate::{
    config::KeyConfig,
    signer::{RemoteSigner, Signer},
};

/// The environment variable holding a hex private key (used when no keystore is configured).
pub const PRIVATE_KEY_ENV: &str = "KEEPER_PRIVATE_KEY";
/// The environment variable holding the keystore's password.
pub const KEYSTORE_PASSWORD_ENV: &str = "KEEPER_KEYSTORE_PASSWORD";

/// Where the keeper reads a local key.
const SOURCE: KeySource = KeySource {
    key_env: PRIVATE_KEY_ENV,
    password_env: KEYSTORE_PASSWORD_ENV,
    keystore_setting: "key.keystore in the config",
};

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
    Ok(SOURCE.load(config.keystore.as_deref())?)
}
