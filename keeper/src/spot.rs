//! Spot checks: the challenger's intake. The gateway drops signed receipts it wants re-checked
//! into `game.inbox` (one JSON file each, [`SpotCheck`]); every tick the keeper takes each file,
//! re-runs the job on the CPU reference (model and input from `verifier.source`, by model id and
//! input hash) and compares every layer root with the orchestrator's published layer list (the
//! claim file named by the commitment root, checked against it):
//!
//! * all equal and the output hash too: honest, nothing is sent (never a game on an honest
//!   receipt);
//! * the input root differs: `proveInputRoot` (decided in one call);
//! * every root is right but the signed output is not the committed one: `proveOutputRoot` with
//!   the delivered output, when the spot check carries it (else the committee);
//! * op `k` is the first to differ and the judge recomputes it: `ProofGame.open` on it, played to
//!   the end by [`crate::games`];
//! * otherwise (no or inconsistent layer list and a wrong output, an op the judge refuses): the
//!   committee, `openDispute`.
//!
//! The deposit is approved from the keeper's LPT first when the allowance is short. The file then
//! moves to `done/` (sent), `honest/`, or `refused/` (the dry run reverted, e.g. already disputed,
//! or the file is not a spot check); a job whose model or input is not fetchable yet stays. An
//! opening is remembered in the store until it is 64 blocks deep: if a reorg drops it (the
//! receipt reads as not disputed), its file goes back to the inbox and is opened again.

use std::{
    ffi::{OsStr, OsString},
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::sol_types::SolCall;
use anyhow::Context;
use bindings::{
    DisputeManager, LivepeerToken, proof_game,
    receipt::{dispute_domain, recover},
};
use content::Source;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};
use verifier::{
    Hash32, commit,
    game::{depth_of, node_opening, root_proof},
    opening::{Opener, judgeable},
};

use crate::{
    files::read_capped,
    games::{self, Reference, Rerun},
    keeper::Keeper,
    rpc::call,
    store::Opening,
    txs::{Action, Outcome},
};

/// One spot check as the gateway drops it (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotCheck {
    pub receipt: SpotReceipt,
    /// The orchestrator's (or its receipt signer's) EIP-712 signature.
    pub signature: Bytes,
    /// The output the gateway was delivered, when it has it: what `proveOutputRoot` needs when
    /// every committed root is right but the signed output is not the committed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Bytes>,
}

/// A receipt, field for field as signed (`IDisputeManager.Receipt`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpotReceipt {
    pub orchestrator: Address,
    pub job_id: B256,
    pub model_id: B256,
    pub input_hash: B256,
    pub params_hash: B256,
    pub output_hash: B256,
    pub commitment_root: B256,
    pub round: U256,
}

impl From<&bindings::receipt::Receipt> for SpotReceipt {
    fn from(r: &bindings::receipt::Receipt) -> Self {
        Self {
            orchestrator: r.orchestrator,
            job_id: r.jobId,
            model_id: r.modelId,
            input_hash: r.inputHash,
            params_hash: r.paramsHash,
            output_hash: r.outputHash,
            commitment_root: r.commitmentRoot,
            round: r.round,
        }
    }
}

impl SpotReceipt {
    /// The receipt as signed.
    pub fn signed(&self) -> bindings::receipt::Receipt {
        bindings::receipt::Receipt {
            orchestrator: self.orchestrator,
            jobId: self.job_id,
            modelId: self.model_id,
            inputHash: self.input_hash,
            paramsHash: self.params_hash,
            outputHash: self.output_hash,
            commitmentRoot: self.commitment_root,
            round: self.round,
        }
    }

    /// The receipt in ProofGame's ABI (the conversion `bindings::receipt` owns).
    fn for_game(&self) -> proof_game::IDisputeManager::Receipt {
        (&self.signed()).into()
    }

    /// The receipt in the DisputeManager's ABI.
    fn for_committee(&self) -> bindings::dispute_manager::IDisputeManager::Receipt {
        (&self.signed()).into()
    }
}

/// What a re-run says to do about a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The re-run matches the receipt: nothing to dispute.
    Honest,
    /// The committed input root is not the input's: `proveInputRoot`.
    InputRoot {
        committed: Hash32,
        proof: Vec<Hash32>,
    },
    /// Every committed root is right, but the signed output (delivered, hashing to the receipt's
    /// output hash) is not the last op's committed one: `proveOutputRoot`.
    OutputRoot {
        leaf: usize,
        committed: Hash32,
        proof: Vec<Hash32>,
        /// Leaf `leaf + 1` is padding (empty when `leaf` is the tree's last).
        next_proof: Vec<Hash32>,
    },
    /// Op `layer` is the first to differ and the judge recomputes it: a game.
    Game {
        layer: usize,
        depth: u32,
        claimed: Hash32,
        proof: Vec<Hash32>,
        reference: Hash32,
    },
    /// What the game cannot decide: the committee (why).
    Committee(String),
}

/// Decides from the re-run `reference`, the orchestrator's published roots `claimed` (input
/// root first, already checked against the commitment; `None` when not published), the
/// receipt's output hash and the delivered output (if the spot check carries it).
pub fn plan(
    reference: &Reference,
    opener: &Opener,
    claimed: Option<&[Hash32]>,
    output_hash: B256,
    delivered: Option<&[u8]>,
) -> Plan {
    let same_output = reference.output_hash == output_hash;
    let Some(claimed) = claimed else {
        return if same_output {
            // The output is right; without the layer list nothing else can be located.
            Plan::Honest
        } else {
            Plan::Committee("no layer list published: the first diverging op is unknown".into())
        };
    };
    let Some(leaf) = reference.tensors.first_divergence(claimed) else {
        if same_output {
            return Plan::Honest;
        }
        // The output link is what is broken: provable with the delivered output when it is
        // the last op's (the contract checks the next leaf is padding).
        let last = claimed.len() - 1;
        let provable =
            delivered.is_some_and(|o| keccak256(o) == output_hash) && reference.output_leaf == last;
        return if provable {
            let cat = claimed.concat();
            let next_proof = commit::open_range(&cat, last + 1, 1)
                .map(|p| p.siblings)
                .unwrap_or_default();
            Plan::OutputRoot {
                leaf: last,
                committed: claimed[last],
                proof: root_proof(claimed, last).unwrap_or_default(),
                next_proof,
            }
        } else {
            Plan::Committee(
                "every committed root is right but the signed output is not (and the delivered output is not at hand)".into(),
            )
        };
    };
    let proof = root_proof(claimed, leaf).unwrap_or_default();
    if leaf == 0 {
        return Plan::InputRoot {
            committed: claimed[0],
            proof,
        };
    }
    if leaf >= claimed.len() {
        return Plan::Committee("the layer list has fewer layers than the model".into());
    }
    let layer = leaf - 1;
    match opener.record(layer) {
        Some(r) if judgeable(r) => Plan::Game {
            layer,
            depth: depth_of(r.out_length),
            claimed: claimed[leaf],
            proof,
            reference: reference.tensors.roots()[leaf],
        },
        Some(r) => Plan::Committee(format!(
            "op {layer} (code {}) is one the judge does not recompute",
            r.op_code
        )),
        None => Plan::Committee(format!("the model has no op {layer}")),
    }
}

/// What the intake did this tick.
#[derive(Clone, Debug, Default)]
pub struct SpotReport {
    /// Receipts re-run and found honest.
    pub honest: Vec<B256>,
    /// Disputes sent: (job id, `game` / `input_root` / `committee`, gas).
    pub opened: Vec<(B256, &'static str, u64)>,
    /// Files refused: (file, why).
    pub refused: Vec<(PathBuf, String)>,
    /// Spot checks put back in the inbox: their opening was reorged away.
    pub reopened: Vec<PathBuf>,
}

/// Blocks after which an opening counts as final (the dispute follower's rewind depth).
const FINAL_DEPTH: u64 = 64;

/// Takes every spot check in the inbox (see the module docs), after putting back those whose
/// opening a reorg dropped.
pub async fn run(k: &mut Keeper, head: u64) -> anyhow::Result<SpotReport> {
    let mut report = SpotReport::default();
    let Some(inbox) = k.config.game.inbox.clone() else {
        return Ok(report);
    };
    recheck(k, &inbox, head, &mut report).await?;
    let (cap, batch) = (k.config.game.spot_max_bytes, k.config.game.spots_per_tick);
    let cursor = k.players.spot_cursor.take();
    let (paths, more) = pending(&inbox, cursor.as_deref(), batch)?;
    // The operator's list: only files still in the inbox.
    k.players
        .spot_waiting
        .retain(|name, _| inbox.join(name).exists());
    // More files than a batch: the next tick takes the next batch without waiting for a block.
    k.players.spot_backlog = more;
    for path in paths {
        k.players.spot_cursor = path.file_name().map(|n| n.to_os_string());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        k.players.spot_waiting.remove(&name);
        let check = match read_check(&path, cap) {
            Ok(c) => c,
            Err(why) => {
                refuse(&path, why, &mut report);
                continue;
            }
        };
        // A re-run is expensive: only for a receipt that the DisputeManager would take as signed.
        match signature_refusal(k, &check).await {
            Ok(None) => {}
            Ok(Some(why)) => {
                refuse(&path, why, &mut report);
                continue;
            }
            Err(e) => {
                let why = format!("{e:#}");
                warn!(file = %path.display(), error = why, "could not check the spot check's signature; retrying next tick");
                k.players
                    .spot_waiting
                    .insert(name, format!("signature not checked yet: {why}"));
                continue;
            }
        }
        match take(k, &check).await {
            Ok(Taken::Later(why)) => {
                info!(file = %path.display(), why, "spot check waits");
                k.players.spot_waiting.insert(name, why);
            }
            Ok(Taken::Honest) => {
                info!(job = %check.receipt.job_id, "spot check: the receipt is right");
                file_under(&path, "honest")?;
                report.honest.push(check.receipt.job_id);
            }
            Ok(Taken::Sent(kind, gas, block)) => {
                let file = file_under(&path, "done")?;
                let domain = dispute_domain(k.config.contracts.chain_id, k.addresses.disputes);
                let digest = check.receipt.signed().digest(&domain);
                k.store.put_opening(&Opening {
                    digest,
                    file,
                    block,
                })?;
                report.opened.push((check.receipt.job_id, kind, gas));
            }
            Ok(Taken::Refused(why)) => refuse(&path, why, &mut report),
            Err(e) => {
                let why = format!("{e:#}");
                warn!(file = %path.display(), error = why, "spot check failed; retrying next tick");
                k.players
                    .spot_waiting
                    .insert(name, format!("failed, retrying: {why}"));
            }
        }
    }
    Ok(report)
}

/// At most `batch` of the spot checks waiting in `inbox` (every `*.json` entry, whatever it is),
/// by name, starting after `after` (the last one taken) and wrapping around: a file that waits
/// (its job not fetchable yet) never starves the others.
/// Also says whether more were waiting.
fn pending(
    inbox: &Path,
    after: Option<&OsStr>,
    batch: usize,
) -> anyhow::Result<(Vec<PathBuf>, bool)> {
    let entries = match std::fs::read_dir(inbox) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
        Err(e) => return Err(e).with_context(|| format!("listing {}", inbox.display())),
    };
    let mut names: Vec<OsString> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .filter(|n| Path::new(n).extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let start = after.map_or(0, |a| names.partition_point(|n| n.as_os_str() <= a));
    names.rotate_left(start);
    let more = names.len() > batch;
    names.truncate(batch);
    Ok((names.into_iter().map(|n| inbox.join(n)).collect(), more))
}

/// The spot check in `path` (refused unread when it is over `cap` bytes or not a regular file).
fn read_check(path: &Path, cap: u64) -> Result<SpotCheck, String> {
    let bytes = read_capped(path, cap).map_err(|e| format!("not read: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not a spot check: {e}"))
}

/// Moves a file that is not a spot check to be taken to `refused/`, logging why; a file that
/// cannot be moved is only logged (it is tried again in its turn, never stopping the tick).
fn refuse(path: &Path, why: String, report: &mut SpotReport) {
    warn!(file = %path.display(), why, "spot check refused");
    if let Err(e) = file_under(path, "refused") {
        warn!(file = %path.display(), error = %format!("{e:#}"), "could not move the refused file");
    }
    report.refused.push((path.to_path_buf(), why));
}

/// Why the DisputeManager would refuse the spot check's signature, if it would: it must recover
/// (under this chain's DisputeManager domain) to the orchestrator or to one of its receipt
/// signers valid for the receipt's round, read on chain. A receipt signed for another chain or
/// DisputeManager recovers to some other address.
async fn signature_refusal(k: &Keeper, check: &SpotCheck) -> anyhow::Result<Option<String>> {
    let r = check.receipt.signed();
    let domain = dispute_domain(k.config.contracts.chain_id, k.addresses.disputes);
    let signer = match recover(r.digest(&domain), &check.signature) {
        Ok(a) => a,
        Err(e) => return Ok(Some(format!("bad signature: {e}"))),
    };
    if signer == r.orchestrator {
        return Ok(None);
    }
    let until = call(
        &k.chain,
        k.addresses.disputes,
        DisputeManager::receiptSignersCall {
            orchestrator: r.orchestrator,
            signer,
        },
    )
    .await?;
    Ok((r.round >= until).then(|| {
        format!(
            "signed by {signer}, not orchestrator {} nor one of its receipt signers in round {} (or signed for another chain or DisputeManager)",
            r.orchestrator, r.round
        )
    }))
}

/// Moves a handled file into `sub/` beside it; returns where it went.
fn file_under(path: &Path, sub: &str) -> anyhow::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(".")).join(sub);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let to = dir.join(path.file_name().unwrap_or_default());
    std::fs::rename(path, &to).with_context(|| format!("moving {}", path.display()))?;
    Ok(to)
}

/// Openings this keeper sent that are not final yet: one a reorg dropped (the receipt reads as
/// not disputed) puts its spot check back in the inbox, to be opened again; one `FINAL_DEPTH`
/// blocks deep is forgotten.
async fn recheck(
    k: &mut Keeper,
    inbox: &Path,
    head: u64,
    report: &mut SpotReport,
) -> anyhow::Result<()> {
    for o in k.store.openings()? {
        if head >= o.block + FINAL_DEPTH {
            k.store.remove_opening(o.digest)?;
            continue;
        }
        let disputed = call(
            &k.chain,
            k.addresses.disputes,
            DisputeManager::disputedReceiptsCall {
                receiptDigest: o.digest,
            },
        )
        .await?;
        if disputed {
            continue;
        }
        warn!(file = %o.file.display(), block = o.block, "the dispute opened from this spot check is gone with a reorg; taking it again");
        if let Some(name) = o.file.file_name() {
            let back = inbox.join(name);
            std::fs::rename(&o.file, &back)
                .with_context(|| format!("moving {} back", o.file.display()))?;
            report.reopened.push(back);
        }
        k.store.remove_opening(o.digest)?;
    }
    Ok(())
}

enum Taken {
    Later(String),
    Honest,
    /// Mined: the kind, its gas and block.
    Sent(&'static str, u64, u64),
    Refused(String),
}

async fn take(k: &mut Keeper, check: &SpotCheck) -> anyhow::Result<Taken> {
    let r = &check.receipt;
    let reference = match games::reference(k, r.model_id, r.input_hash).await? {
        Rerun::Ready(r) => r,
        Rerun::Running => return Ok(Taken::Later("the job is being re-run".into())),
        Rerun::Unavailable => {
            return Ok(Taken::Later(
                "the job's model or input is not available yet".into(),
            ));
        }
    };
    let opener = games::opener(k, r.model_id).await?;
    // Without a published layer list, a re-run that rebuilds the commitment knows its roots.
    let claimed = match claimed_roots(k, r.commitment_root).await {
        Some(c) => c?,
        None => return Ok(Taken::Later("fetching the published layer list".into())),
    };
    let claimed = match claimed {
        None if reference.tensors.commitment() == r.commitment_root.0 => {
            Some(reference.tensors.roots().to_vec())
        }
        c => c,
    };
    let plan = plan(
        &reference,
        &opener,
        claimed.as_deref(),
        r.output_hash,
        check.output.as_ref().map(|o| o.as_ref()),
    );
    let pg = k
        .addresses
        .proof_game
        .context("contracts.proof_game is not set")?;
    let (kind, to, input): (&'static str, Address, Vec<u8>) = match plan {
        Plan::Honest => return Ok(Taken::Honest),
        Plan::InputRoot { committed, proof } => (
            "input_root",
            pg,
            proof_game::ProofGame::proveInputRootCall {
                receipt: r.for_game(),
                signature: check.signature.clone(),
                input: reference
                    .tensors
                    .tensor(0)
                    .unwrap_or_default()
                    .to_vec()
                    .into(),
                committedRoot: committed.into(),
                proof: proof.into_iter().map(B256::from).collect(),
            }
            .abi_encode(),
        ),
        Plan::OutputRoot {
            leaf,
            committed,
            proof,
            next_proof,
        } => (
            "output_root",
            pg,
            proof_game::ProofGame::proveOutputRootCall {
                receipt: r.for_game(),
                signature: check.signature.clone(),
                output: check.output.clone().unwrap_or_default(),
                leaf: U256::from(leaf),
                committedRoot: committed.into(),
                proof: proof.into_iter().map(B256::from).collect(),
                nextProof: next_proof.into_iter().map(B256::from).collect(),
            }
            .abi_encode(),
        ),
        Plan::Game {
            layer,
            depth,
            claimed,
            proof,
            reference: mine,
        } => {
            let tensors = reference.tensors.tensors();
            let node = node_opening(&opener, layer, &tensors)?;
            info!(job = %r.job_id, layer, depth, "spot check: op {layer} is the first to differ; opening a proof game");
            (
                "game",
                pg,
                proof_game::ProofGame::openCall {
                    o: proof_game::IProofGame::Opening {
                        receipt: r.for_game(),
                        signature: check.signature.clone(),
                        layer: layer as u32,
                        depth: depth as u8,
                        claimedRoot: claimed.into(),
                        proof: proof.into_iter().map(B256::from).collect(),
                        referenceRoot: mine.into(),
                        nodeOpening: node.into(),
                    },
                }
                .abi_encode(),
            )
        }
        Plan::Committee(why) => {
            info!(job = %r.job_id, why, "spot check: wrong, and not for the game; opening a committee dispute");
            (
                "committee",
                k.addresses.disputes,
                DisputeManager::openDisputeCall {
                    receipt: r.for_committee(),
                    signature: check.signature.clone(),
                }
                .abi_encode(),
            )
        }
    };
    k.fresh_nonce()?;
    approve_deposit(k).await?;
    let wait = k.tx_wait();
    let action = Action {
        key: format!("spot:{}", r.job_id),
        to,
        input: input.into(),
    };
    let (_, outcome) = k.txs.submit(&k.store, vec![action], wait).await?.remove(0);
    Ok(match outcome {
        Outcome::Done(t) => {
            info!(job = %r.job_id, kind, gas = t.gas_used, tx = %t.transaction_hash, "dispute opened");
            Taken::Sent(kind, t.gas_used, t.block_number.unwrap_or_default())
        }
        Outcome::NotDue(why) => Taken::Refused(format!("{kind}: {why}")),
        Outcome::Reverted(t) => {
            Taken::Refused(format!("{kind} reverted in {}", t.transaction_hash))
        }
        Outcome::Pending => Taken::Later(format!("{kind} pending")),
    })
}

/// The orchestrator's published roots (input root first), if its claim file is there and
/// rebuilds the commitment; fetched in the judges' pool (`None` while the fetch runs).
async fn claimed_roots(k: &mut Keeper, root: B256) -> Option<anyhow::Result<Option<Vec<Hash32>>>> {
    let Some(source) = k.source.clone() else {
        return Some(Ok(None));
    };
    let limits = k.config.verifier.limits();
    let deadline = games::wait_until(k);
    let judges = &k.judges;
    k.players.claims_used.push(root);
    k.players
        .claims
        .poll(&root, deadline, || {
            Ok(judges.spawn(fetch_claim(source, limits, root)))
        })
        .await
}

async fn fetch_claim(
    source: Source,
    limits: content::Limits,
    root: B256,
) -> anyhow::Result<Option<Vec<Hash32>>> {
    let Some(bytes) = source.get(root, &limits).await? else {
        return Ok(None);
    };
    let Ok(claim) = serde_json::from_slice::<verifier::ClaimFile>(&bytes) else {
        return Ok(None);
    };
    let (Ok(layers), Ok(input)) = (
        claim.checked_layer_roots(&root.0),
        verifier::hash::from_hex(&claim.input_root),
    ) else {
        warn!(%root, "the published layer list does not rebuild the commitment; ignoring it");
        return Ok(None);
    };
    let mut roots = vec![input];
    roots.extend(layers);
    Ok(Some(roots))
}

/// Approves the DisputeManager to pull the deposit when the allowance is short of it.
async fn approve_deposit(k: &mut Keeper) -> anyhow::Result<()> {
    let dm = k.addresses.disputes;
    let token = call(&k.chain, dm, DisputeManager::tokenCall {}).await?;
    let deposit = U256::from(call(&k.chain, dm, DisputeManager::depositCall {}).await?);
    let allowance = call(
        &k.chain,
        token,
        LivepeerToken::allowanceCall {
            owner: k.address(),
            spender: dm,
        },
    )
    .await?;
    if allowance >= deposit {
        return Ok(());
    }
    let action = Action {
        key: "approve-deposit".into(),
        to: token,
        input: LivepeerToken::approveCall {
            spender: dm,
            value: deposit,
        }
        .abi_encode()
        .into(),
    };
    let wait = k.tx_wait();
    let (_, outcome) = k.txs.submit(&k.store, vec![action], wait).await?.remove(0);
    anyhow::ensure!(outcome.is_done(), "approving the deposit: {outcome:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spot_check_file_round_trips() {
        let check = SpotCheck {
            receipt: SpotReceipt {
                orchestrator: Address::repeat_byte(1),
                job_id: B256::repeat_byte(2),
                model_id: B256::repeat_byte(3),
                input_hash: B256::repeat_byte(4),
                params_hash: B256::repeat_byte(5),
                output_hash: B256::repeat_byte(6),
                commitment_root: B256::repeat_byte(7),
                round: U256::from(9),
            },
            signature: Bytes::from(vec![1, 2, 3]),
            output: None,
        };
        let text = serde_json::to_string(&check).unwrap();
        assert!(text.contains("commitmentRoot"), "{text}");
        assert_eq!(serde_json::from_str::<SpotCheck>(&text).unwrap(), check);
        assert!(serde_json::from_str::<SpotCheck>("{\"receipt\": 1}").is_err());
    }
}
