//! Revert data in words: the suite's custom errors (decoded with the generated bindings), then
//! `Error(string)` and `Panic(uint256)`, else the raw bytes.

use alloy::sol_types::{SolInterface, decode_revert_reason};
use bindings::{
    AccessManager, BondingManager, BondingVotes, CapabilityRegistry, DisputeManager,
    LivepeerGovernor, LivepeerToken, Minter, Reputation, RoundsManager, TicketBroker,
    TimelockController,
};

/// Tries `$errors` (a generated `...Errors` enum) on `$data`, returning its Debug form.
macro_rules! try_decode {
    ($data:expr, $($errors:ty),+ $(,)?) => {
        $(
            if let Ok(e) = <$errors>::abi_decode($data) {
                return format!("{e:?}");
            }
        )+
    };
}

/// The revert reason of `data` in words.
pub fn decode_revert(data: &[u8]) -> String {
    if data.is_empty() {
        return "without data".into();
    }
    try_decode!(
        data,
        BondingManager::BondingManagerErrors,
        Minter::MinterErrors,
        RoundsManager::RoundsManagerErrors,
        TicketBroker::TicketBrokerErrors,
        DisputeManager::DisputeManagerErrors,
        Reputation::ReputationErrors,
        LivepeerToken::LivepeerTokenErrors,
        AccessManager::AccessManagerErrors,
        LivepeerGovernor::LivepeerGovernorErrors,
        TimelockController::TimelockControllerErrors,
        BondingVotes::BondingVotesErrors,
        CapabilityRegistry::CapabilityRegistryErrors,
    );
    decode_revert_reason(data).unwrap_or_else(|| format!("0x{}", alloy::hex::encode(data)))
}
