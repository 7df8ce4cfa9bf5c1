//! Moving a local anvil chain along the protocol's rounds: what the tests (through `testkit`) and
//! the keeper's devnet share.

use alloy::{
    primitives::Address,
    providers::{Provider, ext::AnvilApi},
    transports::TransportError,
};

use crate::RoundsManager;

/// Why the chain could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum DevchainError {
    /// Reading the RoundsManager failed.
    #[error("reading the RoundsManager: {0}")]
    Read(#[from] alloy::contract::Error),
    /// The node refused a request (`anvil_mine`, the block number).
    #[error("node: {0}")]
    Node(#[from] TransportError),
}

/// Mines to the last block of the current round (when the head is before it), so that the next
/// block, and the next transaction, lands on the first block of the next round.
pub async fn mine_to_round_end(
    provider: &impl Provider,
    rounds: Address,
) -> Result<(), DevchainError> {
    let rounds = RoundsManager::new(rounds, provider);
    let start: u64 = rounds.currentRoundStartBlock().call().await?.to();
    let length: u64 = rounds.roundLength().call().await?.to();
    let head = provider.get_block_number().await?;
    let last = start + length - 1;
    if last > head {
        provider.anvil_mine(Some(last - head), None).await?;
    }
    Ok(())
}
