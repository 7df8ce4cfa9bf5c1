//! Following disputes and moving each to its end.
//!
//! *Following*: `DisputeOpened` and `DisputedReceipt` logs are read from the store's cursor up to
//! `confirmations` blocks below the head, and the disputes and the new cursor are written in one
//! store transaction. The cursor keeps its block hash: if that block is no longer canonical (a
//! reorg deeper than the confirmations) the cursor moves back and the range is read again.
//!
//! *Acting*: for every dispute in the store, the keeper reads it on chain first and acts on
//! what it finds there, never on the event alone: a dispute a reorg dropped reads as unknown and
//! is forgotten. Open: vote (a verifier that has not voted), or finalize after the verdict
//! period. Guilty: execute after the veto window. Settled: forget.

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent},
};
use anyhow::Context;
use bindings::{
    dispute_manager::DisputeManager::{
        self, DisputeOpened, DisputedReceipt, disputeCountCall, getDisputeCall, hasVotedCall,
    },
    enums::{Status, Vote},
};
use tracing::{info, warn};

use crate::{
    judge::Judgement,
    judging::Asked,
    keeper::Keeper,
    rpc::call,
    store::{Cursor, DisputeRecord, JobReceipt},
    txs::{Action, Outcome},
};

/// Blocks the cursor moves back when its block was reorged away.
const REWIND: u64 = 64;
/// Blocks per `eth_getLogs` request.
const LOG_CHUNK: u64 = 5_000;

/// What the dispute duties did this tick.
#[derive(Clone, Debug, Default)]
pub struct DisputeReport {
    /// Disputes first seen this tick.
    pub seen: Vec<u64>,
    /// Votes this keeper cast: (dispute, vote name).
    pub voted: Vec<(u64, &'static str)>,
    pub finalized: Vec<u64>,
    pub executed: Vec<u64>,
    /// Disputes found settled on chain and forgotten: (dispute, status name).
    pub settled: Vec<(u64, &'static str)>,
    /// The cursor moved back (a reorg, or a dispute that changed under its id): read again.
    pub rewound: bool,
}

pub async fn run(k: &mut Keeper, round: u64, head: u64) -> anyhow::Result<DisputeReport> {
    let mut report = DisputeReport::default();
    follow(k, head, &mut report).await?;
    act(k, round, &mut report).await?;
    k.metrics
        .set(&k.metrics.open_disputes, k.store.disputes()?.len() as u64);
    Ok(report)
}

/// Reads new dispute events, but only when there can be any: the dispute count at the newest
/// confirmed block is read first (one call), and the events only if it differs from the count
/// when they were last read (a new dispute, or one a reorg dropped), or after a rewind or a
/// restart.
async fn follow(k: &mut Keeper, head: u64, report: &mut DisputeReport) -> anyhow::Result<()> {
    let safe = head.saturating_sub(k.config.keeper.confirmations);
    let request = TransactionRequest::default()
        .with_to(k.addresses.disputes)
        .with_input(disputeCountCall {}.abi_encode());
    let bytes = k.chain.call(request).block(BlockId::number(safe)).await?;
    let count: u64 = disputeCountCall::abi_decode_returns(&bytes)
        .context("decoding disputeCount")?
        .saturating_to();
    if k.gate.known_disputes == Some(count) {
        return Ok(());
    }
    read_events(k, safe, report).await?;
    k.gate.known_disputes = (!report.rewound).then_some(count);
    Ok(())
}

/// Reads `DisputeOpened` and `DisputedReceipt` events from the cursor up to block `safe`.
async fn read_events(k: &mut Keeper, safe: u64, report: &mut DisputeReport) -> anyhow::Result<()> {
    let cursor = k.store.cursor()?;
    if let Some(c) = cursor {
        let canonical = k
            .chain
            .get_block_by_number(BlockNumberOrTag::Number(c.block))
            .await?
            .map(|b| b.header.hash);
        if canonical != Some(c.hash) {
            let back = c.block.saturating_sub(REWIND);
            warn!(
                block = c.block,
                back, "the cursor's block was reorged away; re-reading"
            );
            rewind_to(k, back).await?;
            report.rewound = true;
            return Ok(());
        }
    }
    let mut from = cursor.map_or(k.config.contracts.deploy_block, |c| c.block + 1);
    while from <= safe {
        let to = (from + LOG_CHUNK - 1).min(safe);
        let filter = Filter::new()
            .address(k.addresses.disputes)
            .event_signature(vec![
                DisputeOpened::SIGNATURE_HASH,
                DisputedReceipt::SIGNATURE_HASH,
            ])
            .from_block(from)
            .to_block(to);
        let logs = k.chain.get_logs(&filter).await?;
        let mut seen: Vec<DisputeRecord> = Vec::new();
        for log in &logs {
            if let Ok(e) = DisputeOpened::decode_log(&log.inner) {
                seen.retain(|d| d.id != e.disputeId.to::<u64>());
                seen.push(DisputeRecord {
                    id: e.disputeId.to(),
                    orchestrator: e.orchestrator,
                    conflict: e.conflict,
                    opened_block: log.block_number.unwrap_or(to),
                    block_hash: log.block_hash.unwrap_or_default(),
                    tx_hash: log.transaction_hash.unwrap_or_default(),
                    receipt_digest: e.receiptDigest,
                    challenger: e.challenger,
                    offense_round: e.offenseRound.saturating_to(),
                    receipt: None,
                    verdict: None,
                });
            } else if let Ok(e) = DisputedReceipt::decode_log(&log.inner) {
                let id: u64 = e.disputeId.to();
                let r = &e.receipt;
                if let Some(record) = seen.iter_mut().find(|d| d.id == id) {
                    record.receipt = Some(JobReceipt {
                        job_id: r.jobId,
                        model_id: r.modelId,
                        input_hash: r.inputHash,
                        params_hash: r.paramsHash,
                        output_hash: r.outputHash,
                        commitment_root: r.commitmentRoot,
                        round: r.round,
                    });
                }
            }
        }
        let hash = k
            .chain
            .get_block_by_number(BlockNumberOrTag::Number(to))
            .await?
            .with_context(|| format!("block {to} is missing"))?
            .header
            .hash;
        k.store.advance(Cursor { block: to, hash }, &seen)?;
        for d in &seen {
            info!(dispute = d.id, orchestrator = %d.orchestrator, conflict = d.conflict, "dispute seen");
            report.seen.push(d.id);
        }
        k.metrics.add(&k.metrics.disputes_seen, seen.len() as u64);
        from = to + 1;
    }
    Ok(())
}

/// Moves the cursor back to `back` (no cursor if below the deployment), dropping every dispute
/// opened above it, its judgement and any transaction in flight for it.
async fn rewind_to(k: &mut Keeper, back: u64) -> anyhow::Result<()> {
    // Whatever the count says, the events are read again.
    k.gate.known_disputes = None;
    // Never forward: blocks between the cursor and `back` were not read yet.
    let back = match k.store.cursor()? {
        Some(c) => back.min(c.block),
        None => return Ok(()),
    };
    let rewound = match k
        .chain
        .get_block_by_number(BlockNumberOrTag::Number(back))
        .await?
    {
        Some(b) if back >= k.config.contracts.deploy_block => Some(Cursor {
            block: back,
            hash: b.header.hash,
        }),
        _ => None,
    };
    for id in k.store.rewind(rewound)? {
        warn!(
            dispute = id,
            back, "dropped with the rewind; its event is read again"
        );
        drop_dispute(k, id).await?;
    }
    Ok(())
}

/// Forgets what depends on dispute `id`: its judgement and its transactions in flight
/// (replaced by a no-op at the same nonce, so the old one can no longer mine).
async fn drop_dispute(k: &mut Keeper, id: u64) -> anyhow::Result<()> {
    k.judges.forget(id);
    for kind in ["verdict", "finalize", "slash"] {
        k.txs.cancel(&k.store, &format!("{kind}:{id}")).await?;
    }
    Ok(())
}

/// Whether the chain still holds the very dispute the keeper recorded: the on-chain dispute
/// agrees with the event, and the opening transaction is still in the recorded block with the
/// same event (receipt digest). `Some(why)` when not.
async fn changed(
    k: &Keeper,
    record: &DisputeRecord,
    d: &<getDisputeCall as SolCall>::Return,
) -> anyhow::Result<Option<String>> {
    if d.orchestrator != record.orchestrator
        || d.challenger != record.challenger
        || d.conflict != record.conflict
        || u64::from(d.offenseRound) != record.offense_round
    {
        return Ok(Some(
            "the on-chain dispute names other parties or round".into(),
        ));
    }
    if let Some(r) = &record.receipt
        && d.claimedOutputHash != r.output_hash
    {
        return Ok(Some("the on-chain dispute claims another output".into()));
    }
    let Some(opened) = k.chain.get_transaction_receipt(record.tx_hash).await? else {
        return Ok(Some("the opening transaction is gone".into()));
    };
    if opened.block_hash != Some(record.block_hash) {
        return Ok(Some(
            "the opening transaction moved to another block".into(),
        ));
    }
    let same = opened.inner.logs().iter().any(|log| {
        log.address() == k.addresses.disputes
            && DisputeOpened::decode_log(&log.inner).is_ok_and(|e| {
                e.disputeId == U256::from(record.id) && e.receiptDigest == record.receipt_digest
            })
    });
    Ok((!same).then(|| "the opening event now carries another receipt".into()))
}

async fn act(k: &mut Keeper, round: u64, report: &mut DisputeReport) -> anyhow::Result<()> {
    let dm = k.addresses.disputes;
    let me = k.address();
    let deadline = k.judges.deadline();
    let records = k.store.disputes()?;
    k.judges
        .retain(&records.iter().map(|r| r.id).collect::<Vec<_>>());
    for mut record in records {
        let id = U256::from(record.id);
        let d = call(&k.chain, dm, getDisputeCall { disputeId: id }).await?;
        let action = match Status::of(d.status) {
            Status::None => {
                warn!(
                    dispute = record.id,
                    "dispute not on chain (dropped by a reorg); forgetting it"
                );
                k.store.remove_dispute(record.id)?;
                drop_dispute(k, record.id).await?;
                continue;
            }
            // The proof game decides it: votes and finalize revert (`DecidedByProof`).
            Status::Open if d.byProof => None,
            Status::Open if round >= u64::from(d.deadlineRound) => Some((
                format!("finalize:{}", record.id),
                DisputeManager::finalizeCall { disputeId: id }.abi_encode(),
            )),
            Status::Open => {
                let voter = k.config.verifier.enabled
                    && !call(
                        &k.chain,
                        dm,
                        hasVotedCall {
                            disputeId: id,
                            verifier: me,
                        },
                    )
                    .await?;
                match (voter, record.receipt.clone(), k.source.clone()) {
                    (true, Some(receipt), Some(source)) => {
                        let finding = match record.verdict {
                            Some(f) => Some(f),
                            None => {
                                let last_chance = round + 1 >= u64::from(d.deadlineRound);
                                match k
                                    .judges
                                    .ask(&record, &receipt, &source, last_chance, deadline)
                                    .await
                                {
                                    Asked::Ready(Ok(Judgement::Vote(f))) => {
                                        record.verdict = Some(f);
                                        k.store.put_dispute(&record)?;
                                        Some(f)
                                    }
                                    Asked::Ready(Ok(Judgement::NotYet(why))) => {
                                        info!(dispute = record.id, why, "waiting to verify");
                                        None
                                    }
                                    Asked::Ready(Err(_)) => None,
                                    Asked::Running => {
                                        info!(dispute = record.id, "still judging");
                                        None
                                    }
                                }
                            }
                        };
                        finding.map(|f| {
                            (
                                format!("verdict:{}", record.id),
                                DisputeManager::submitVerdictCall {
                                    disputeId: id,
                                    referenceOutputHash: f.reference_output_hash,
                                    firstDivergingLayer: f.first_diverging_layer,
                                }
                                .abi_encode(),
                            )
                        })
                    }
                    _ => None,
                }
            }
            Status::Guilty if round >= u64::from(d.vetoEndRound) => Some((
                format!("slash:{}", record.id),
                DisputeManager::executeSlashCall {
                    disputeId: id,
                    prevHint: Address::ZERO,
                    nextHint: Address::ZERO,
                }
                .abi_encode(),
            )),
            Status::Guilty => None,
            settled => {
                info!(
                    dispute = record.id,
                    status = settled.name(),
                    "dispute settled"
                );
                report.settled.push((record.id, settled.name()));
                k.store.remove_dispute(record.id)?;
                k.judges.forget(record.id);
                continue;
            }
        };
        let Some((key, input)) = action else { continue };
        // Identity before action: the dispute under this id must be the one recorded (and
        // judged). If it is not, forget it and read its event again.
        if let Some(why) = changed(k, &record, &d).await? {
            warn!(
                dispute = record.id,
                why, "the dispute under this id changed; forgetting it and re-reading"
            );
            k.metrics.inc(&k.metrics.disputes_changed);
            let back = record
                .opened_block
                .saturating_sub(REWIND)
                .max(k.config.contracts.deploy_block);
            k.store.remove_dispute(record.id)?;
            drop_dispute(k, record.id).await?;
            rewind_to(k, back).await?;
            report.rewound = true;
            continue;
        }
        let wait = k.tx_wait();
        let kind = key.split(':').next().unwrap_or_default().to_string();
        let action = Action {
            key,
            to: dm,
            input: input.into(),
        };
        let (_, outcome) = k.txs.submit(&k.store, vec![action], wait).await?.remove(0);
        match outcome {
            Outcome::Done(r) => {
                info!(dispute = record.id, action = kind, gas = r.gas_used, tx = %r.transaction_hash, "done");
                match kind.as_str() {
                    "verdict" => {
                        k.metrics.inc(&k.metrics.verdicts_submitted);
                        let f = record.verdict.unwrap_or_else(crate::judge::draw);
                        // A conflict dispute has no receipt: any non-zero reference is guilty.
                        let claimed = record.receipt.as_ref().map(|r| r.output_hash);
                        let vote =
                            Vote::of_verdict(claimed.unwrap_or_default(), f.reference_output_hash);
                        report.voted.push((record.id, vote.name()));
                    }
                    "finalize" => {
                        k.metrics.inc(&k.metrics.disputes_finalized);
                        report.finalized.push(record.id);
                    }
                    _ => {
                        k.metrics.inc(&k.metrics.slashes_executed);
                        report.executed.push(record.id);
                    }
                }
            }
            Outcome::NotDue(why) => info!(dispute = record.id, action = kind, %why, "not due"),
            Outcome::Reverted(r) => {
                k.metrics.inc(&k.metrics.txs_reverted);
                warn!(dispute = record.id, action = kind, tx = %r.transaction_hash, "reverted");
            }
            Outcome::Pending => info!(dispute = record.id, action = kind, "still pending"),
        }
    }
    Ok(())
}
