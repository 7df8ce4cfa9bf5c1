//! Logs in words, decoded with the generated bindings' event enums.

use alloy::{primitives::Log, sol_types::SolEventInterface};
use bindings::{
    AccessManager, BondingManager, BondingVotes, CapabilityRegistry, DisputeManager,
    LivepeerGovernor, LivepeerToken, Minter, Reputation, RoundsManager, TicketBroker,
    TimelockController,
};

fn try_decode<E: SolEventInterface + std::fmt::Debug>(log: &Log) -> Option<String> {
    E::decode_raw_log(log.topics(), &log.data.data)
        .ok()
        .map(|e| format!("{e:?}"))
}

/// Decodes a log as one contract's events.
type Decoder = fn(&Log) -> Option<String>;

/// A log decoded as an event of contract `kind` (by name), or of any suite contract when the
/// emitter is unknown; `None` when no binding decodes it.
pub fn decode(kind: Option<&str>, log: &Log) -> Option<String> {
    let decoders: [(&str, Decoder); 12] = [
        (
            "AccessManager",
            try_decode::<AccessManager::AccessManagerEvents>,
        ),
        (
            "BondingManager",
            try_decode::<BondingManager::BondingManagerEvents>,
        ),
        (
            "BondingVotes",
            try_decode::<BondingVotes::BondingVotesEvents>,
        ),
        (
            "CapabilityRegistry",
            try_decode::<CapabilityRegistry::CapabilityRegistryEvents>,
        ),
        (
            "DisputeManager",
            try_decode::<DisputeManager::DisputeManagerEvents>,
        ),
        (
            "LivepeerGovernor",
            try_decode::<LivepeerGovernor::LivepeerGovernorEvents>,
        ),
        (
            "LivepeerToken",
            try_decode::<LivepeerToken::LivepeerTokenEvents>,
        ),
        ("Minter", try_decode::<Minter::MinterEvents>),
        ("Reputation", try_decode::<Reputation::ReputationEvents>),
        (
            "RoundsManager",
            try_decode::<RoundsManager::RoundsManagerEvents>,
        ),
        (
            "TicketBroker",
            try_decode::<TicketBroker::TicketBrokerEvents>,
        ),
        (
            "TimelockController",
            try_decode::<TimelockController::TimelockControllerEvents>,
        ),
    ];
    match kind {
        Some(kind) => decoders
            .iter()
            .find(|(name, _)| *name == kind)
            .and_then(|(_, decode)| decode(log)),
        None => decoders.iter().find_map(|(_, decode)| decode(log)),
    }
}
