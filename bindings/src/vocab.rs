//! The protocol's words for Rust, beside the generated ones ([`crate::enums`],
//! [`crate::ProtocolError`]): revert data decoded into a type ([`Revert`]), the dispute enums'
//! names, and the "no hints" value of the bonding calls.

use alloy::{
    primitives::{Address, B256, Bytes},
    sol_types::{ContractError, GenericContractError, SolInterface, decode_revert_reason},
};

use crate::{
    ProtocolError,
    bonding_manager::IBondingManager::Hints,
    enums::{Status, Vote},
};

/// Hints that make the active set walk to the position itself (always correct, never the cheapest).
pub fn no_hints() -> Hints {
    Hints {
        oldPrev: Address::ZERO,
        oldNext: Address::ZERO,
        newPrev: Address::ZERO,
        newNext: Address::ZERO,
    }
}

/// Why a call reverted, decoded from its revert data.
#[derive(Debug)]
pub enum Revert {
    /// A custom error one of the suite's contracts declares.
    Protocol(ProtocolError),
    /// `Error(string)` (a `require` with a message) or `Panic(uint256)`, in words.
    Reason(String),
    /// Revert data that nothing above decodes.
    Unknown(Bytes),
    /// A revert without data.
    Empty,
}

impl Revert {
    /// Decodes `data`: a suite error first, then `Error(string)` and `Panic(uint256)`.
    pub fn decode(data: &[u8]) -> Self {
        if data.is_empty() {
            return Self::Empty;
        }
        if let Some(e) = ProtocolError::decode(data) {
            return Self::Protocol(e);
        }
        if let Ok(e) = GenericContractError::abi_decode(data)
            && !matches!(e, ContractError::CustomError(_))
        {
            return Self::Reason(decode_revert_reason(data).unwrap_or_else(|| e.to_string()));
        }
        Self::Unknown(Bytes::copy_from_slice(data))
    }

    /// The suite error, when it is one.
    pub fn protocol(&self) -> Option<&ProtocolError> {
        match self {
            Self::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Display for Revert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "{e}"),
            Self::Reason(reason) => f.write_str(reason),
            Self::Unknown(data) => write!(f, "{data}"),
            Self::Empty => f.write_str("without data"),
        }
    }
}

impl Status {
    /// The status in lower-case words ("open", "guilty", ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Open => "open",
            Self::Guilty => "guilty",
            Self::Innocent => "innocent",
            Self::Draw => "draw",
            Self::Vetoed => "vetoed",
            Self::Executed => "executed",
            Self::__Invalid => "unknown",
        }
    }

    /// The status an ABI `uint8` carries (`__Invalid` when out of range).
    pub fn of(value: u8) -> Self {
        Self::try_from(value).unwrap_or(Self::__Invalid)
    }
}

impl Vote {
    /// The vote a verdict casts, as `DisputeManager` counts it: a zero reference output hash is a
    /// draw (the job could not be reproduced), the claimed output hash innocent, any other guilty.
    pub fn of_verdict(claimed_output_hash: B256, reference_output_hash: B256) -> Self {
        if reference_output_hash.is_zero() {
            Self::Draw
        } else if reference_output_hash == claimed_output_hash {
            Self::Innocent
        } else {
            Self::Guilty
        }
    }

    /// The vote in lower-case words ("guilty", "innocent", "draw").
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Guilty => "guilty",
            Self::Innocent => "innocent",
            Self::Draw => "draw",
            Self::__Invalid => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::{SolError, decode_revert_reason};

    use super::*;
    use crate::bonding_manager::BondingManager::{AlreadyRewarded, BondingManagerErrors};

    #[test]
    fn reverts_decode_to_types() {
        let data = AlreadyRewarded {
            orchestrator: Address::repeat_byte(1),
            round: alloy::primitives::U256::from(3),
        }
        .abi_encode();
        let revert = Revert::decode(&data);
        assert!(matches!(
            revert,
            Revert::Protocol(ProtocolError::BondingManager(
                BondingManagerErrors::AlreadyRewarded(_)
            ))
        ));
        assert!(
            revert.to_string().starts_with("AlreadyRewarded("),
            "{revert}"
        );
        assert!(matches!(Revert::decode(&[]), Revert::Empty));
        assert_eq!(Revert::decode(&[1, 2, 3, 4]).to_string(), "0x01020304");
        let reason = alloy::sol_types::Revert::from("nope").abi_encode();
        assert!(
            matches!(Revert::decode(&reason), Revert::Reason(r) if r == decode_revert_reason(&reason).unwrap())
        );
    }

    #[test]
    fn statuses_convert_from_the_abi() {
        assert_eq!(Status::of(1), Status::Open);
        assert_eq!(Status::of(6).name(), "executed");
        assert_eq!(Status::of(7).name(), "unknown");
        assert_eq!(Vote::try_from(3u8).unwrap(), Vote::Draw);
        let (claimed, other) = (B256::repeat_byte(1), B256::repeat_byte(2));
        assert_eq!(Vote::of_verdict(claimed, B256::ZERO), Vote::Draw);
        assert_eq!(Vote::of_verdict(claimed, claimed), Vote::Innocent);
        assert_eq!(Vote::of_verdict(claimed, other), Vote::Guilty);
    }
}
