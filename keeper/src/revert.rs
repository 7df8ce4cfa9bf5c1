//! Names for reverts: the keeper decides from the custom error whether an action was simply not
//! due (another keeper did it) or something is wrong.

use alloy::{
    sol_types::SolInterface,
    transports::{RpcError, TransportErrorKind},
};
use bindings::{
    bonding_manager::BondingManager::BondingManagerErrors,
    dispute_manager::DisputeManager::DisputeManagerErrors,
    rounds_manager::RoundsManager::RoundsManagerErrors,
};

/// The protocol error a call reverted with, decoded by name (`AlreadyRewarded(…)`), or the raw
/// revert data, or `None` when the failure was not a revert (a transport error).
pub fn revert_name(err: &RpcError<TransportErrorKind>) -> Option<String> {
    let payload = err.as_error_resp()?;
    let Some(data) = payload.as_revert_data() else {
        // A revert without data (require without message) still reads "execution reverted".
        return payload
            .message
            .contains("revert")
            .then(|| payload.message.to_string());
    };
    Some(decode(&data))
}

/// Decodes revert data against every error the keeper's contracts define.
pub fn decode(data: &[u8]) -> String {
    if let Ok(e) = BondingManagerErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = DisputeManagerErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = RoundsManagerErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    format!("revert 0x{}", alloy::hex::encode(data))
}
