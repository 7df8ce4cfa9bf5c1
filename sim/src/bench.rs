//! The benchmark's node side: replays the transactions an economy ran in revm on an anvil node
//! through its RPC, each in the very block it ran in there (the economy records with a block per
//! transaction, as anvil's automine mines them; empty blocks bring the node to each round's
//! first block), and times it.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use anyhow::{Context as _, Result, ensure};
use bindings::{RoundsManager, TicketBroker, ticket};

use crate::evm::{CHAIN_ID, SentTx};

/// What the replay measured.
#[derive(Debug, Default)]
pub struct Replay {
    pub txs: u64,
    pub succeeded: u64,
    /// Time sending the transactions, mining them and reading their receipts.
    pub tx_time: Duration,
    /// Empty blocks mined to reach each round's block (not counted in `tx_time`).
    pub clock_time: Duration,
}

/// Replays `txs` on the node behind `provider` (anvil started with `--auto-impersonate` and a
/// zero base fee), each sent with `eth_sendTransaction` and its receipt read. Tickets are signed
/// again against the node's round block hashes with the broadcasters' `keys`.
pub async fn replay(
    provider: &impl Provider,
    txs: &[SentTx],
    broker: Address,
    rounds: Address,
    keys: &HashMap<Address, PrivateKeySigner>,
) -> Result<Replay> {
    for sender in txs.iter().filter(|t| !t.value.is_zero()).map(|t| t.from) {
        provider
            .anvil_set_balance(sender, U256::from(10u128.pow(30)))
            .await
            .context("funding a sender")?;
    }
    let mut out = Replay::default();
    let mut head = provider.get_block_number().await?;
    for tx in txs {
        ensure!(
            head < tx.block,
            "the node is at block {head}, past the simulated block {}",
            tx.block
        );
        if tx.block - 1 > head {
            // The simulation moved on to the next round: so does the node.
            let started = Instant::now();
            provider.anvil_mine(Some(tx.block - 1 - head), None).await?;
            out.clock_time += started.elapsed();
        }
        head = tx.block;
        let started = Instant::now();
        let mut data = tx.data.clone();
        if tx.to == Some(broker)
            && let Ok(mut call) = TicketBroker::redeemWinningTicketCall::abi_decode(&data)
            && let Some(key) = keys.get(&call.ticket.sender)
        {
            // The ticket names its round's block hash: this node's, not revm's.
            let t = &call.ticket;
            let hash = RoundsManager::new(rounds, provider)
                .blockHashForRound(t.creationRound)
                .call()
                .await?;
            let ticket = ticket::Ticket {
                recipient: t.recipient,
                sender: t.sender,
                faceValue: t.faceValue,
                winProb: t.winProb,
                senderNonce: t.senderNonce,
                recipientRandHash: t.recipientRandHash,
                creationRound: t.creationRound,
                creationRoundBlockHash: hash,
            };
            call.sig = ticket.sign(key, CHAIN_ID, broker)?;
            call.ticket = ticket.into();
            data = call.abi_encode().into();
        }
        let mut request = TransactionRequest::default()
            .with_from(tx.from)
            .with_input(data)
            .with_value(tx.value)
            .with_gas_limit(16_000_000)
            .with_gas_price(0);
        request = match tx.to {
            Some(to) => request.with_to(to),
            None => request.into_create(),
        };
        let hash = *provider
            .send_transaction(request)
            .await
            .context("sending a transaction")?
            .tx_hash();
        // Automine mines right after the send returns: poll for the receipt.
        let mut receipt = None;
        for _ in 0..20_000 {
            receipt = provider.get_transaction_receipt(hash).await?;
            if receipt.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_micros(250)).await;
        }
        let receipt =
            receipt.with_context(|| format!("transaction {hash} was not mined: {tx:?}"))?;
        ensure!(
            receipt.block_number == Some(tx.block),
            "transaction {hash} landed in block {:?}, not {}",
            receipt.block_number,
            tx.block
        );
        out.txs += 1;
        if receipt.status() {
            out.succeeded += 1;
        }
        out.tx_time += started.elapsed();
    }
    Ok(out)
}
