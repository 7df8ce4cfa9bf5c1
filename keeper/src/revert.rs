//! Reverts as types: the keeper decides from the decoded error ([`bindings::Revert`]) whether an
//! action was simply not due (another keeper did it) or something is wrong.

use alloy::transports::{RpcError, TransportErrorKind};
use bindings::Revert;

/// The revert a call failed with, decoded against every suite contract's errors, or `None` when
/// the failure was not a revert (a transport error).
pub fn revert_of(err: &RpcError<TransportErrorKind>) -> Option<Revert> {
    let payload = err.as_error_resp()?;
    let Some(data) = payload.as_revert_data() else {
        // A revert without data (require without message) still reads "execution reverted".
        return payload
            .message
            .contains("revert")
            .then(|| Revert::Reason(payload.message.to_string()));
    };
    Some(Revert::decode(&data))
}
