//! `sim dispute`: reads a dispute and its receipt from a node, replays the job with the verifier
//! (the model and input read from a folder of content-addressed files), and shows what each
//! verdict would do to every affected account: guilty (the slash executed after the veto
//! window), innocent, a draw, and a veto, each simulated on its own fork. A proof dispute has no
//! verdicts: its game is shown as recorded and played to its end by two honest sides
//! ([`crate::game`]), then the slash (or the veto).

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use anyhow::{Context as _, Result, bail, ensure};
use bindings::{
    BondingLens, BondingManager, DisputeManager, LivepeerToken, RoundsManager,
    dispute_manager::IDisputeManager, enums::Status,
};
use revm::{Database, DatabaseCommit};
use serde::Serialize;

use crate::{
    cli::DisputeArgs,
    evm::Chain,
    fork::Fork,
    game::{self, GameReplay, Narrator, Sides},
};

/// What re-running the job gave.
#[derive(Clone, Debug, Serialize)]
pub struct JobReplay {
    /// Whether the claimed output is the reference's: an honest verifier votes innocent if so,
    /// guilty if not.
    pub matches: bool,
    pub claimed_output_hash: B256,
    pub reference_output_hash: B256,
    pub model: PathBuf,
    pub input: PathBuf,
}

/// One account before and after a verdict.
#[derive(Clone, Debug, Serialize)]
pub struct AccountEffect {
    pub account: Address,
    /// orchestrator, delegator, challenger, DisputeManager, BondingManager.
    pub role: String,
    pub stake_before: U256,
    pub stake_after: U256,
    pub lpt_before: U256,
    pub lpt_after: U256,
}

/// What one verdict does.
#[derive(Clone, Debug, Serialize)]
pub struct VerdictEffect {
    pub verdict: &'static str,
    /// The dispute's status at the end, or why the verdict cannot happen now.
    pub result: std::result::Result<&'static str, String>,
    pub accounts: Vec<AccountEffect>,
    pub supply_before: U256,
    pub supply_after: U256,
    pub orchestrator_pool_before: U256,
    pub orchestrator_pool_after: U256,
}

/// The dispute, the replay and the verdicts' effects.
#[derive(Clone, Debug, Serialize)]
pub struct DisputeReport {
    pub id: U256,
    pub block: u64,
    pub status: &'static str,
    pub orchestrator: Address,
    pub challenger: Address,
    pub offense_round: u32,
    pub deadline_round: u32,
    pub veto_end_round: u32,
    /// Decided by the proof game, never by verdicts.
    pub by_proof: bool,
    pub snapshot_stake: u128,
    pub deposit: u128,
    pub claimed_output_hash: B256,
    pub receipt: Option<ReceiptInfo>,
    /// `Err`: why the job was not replayed.
    pub replay: std::result::Result<JobReplay, String>,
    /// A proof dispute's game: the recorded moves, then the rest as two honest sides play it.
    pub game: Option<GameReplay>,
    pub verdicts: Vec<VerdictEffect>,
}

/// The disputed receipt.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptInfo {
    pub job_id: B256,
    pub model_id: B256,
    pub input_hash: B256,
    pub params_hash: B256,
    pub output_hash: B256,
    /// The layer commitment (a proof game bisects it).
    pub commitment_root: B256,
    pub round: U256,
}

/// Finds the file named by `hash` (hex, with or without `0x`, any extension) in `dir`.
fn content_file(dir: &Path, hash: B256) -> Result<PathBuf> {
    content::find_file(dir, hash)?.with_context(|| {
        format!(
            "no file named {} in {}",
            alloy::hex::encode(hash),
            dir.display()
        )
    })
}

/// The receipt's model and input from `dir`, checked against their hashes, with their paths.
fn load_job(dir: &Path, r: &ReceiptInfo) -> Result<(verifier::Model, Vec<u8>, PathBuf, PathBuf)> {
    let model_path = content_file(dir, r.model_id).context("the model")?;
    let input_path = content_file(dir, r.input_hash).context("the input")?;
    let model_bytes =
        std::fs::read(&model_path).with_context(|| format!("reading {}", model_path.display()))?;
    let model = verifier::Model::from_bytes(&model_bytes)
        .with_context(|| format!("loading the model {}", model_path.display()))?;
    if B256::from(model.id()) != r.model_id {
        bail!(
            "{} is model {}, not the receipt's {}",
            model_path.display(),
            B256::from(model.id()),
            r.model_id
        );
    }
    let input_bytes =
        std::fs::read(&input_path).with_context(|| format!("reading {}", input_path.display()))?;
    if keccak256(&input_bytes) != r.input_hash {
        bail!(
            "{} does not hash to the receipt's input hash",
            input_path.display()
        );
    }
    Ok((model, input_bytes, model_path, input_path))
}

/// Re-runs the receipt's job with the verifier's CPU reference.
fn replay_job(dir: &Path, r: &ReceiptInfo) -> Result<JobReplay> {
    let (model, input_bytes, model_path, input_path) = load_job(dir, r)?;
    let verdict = verifier::verify(&model, &input_bytes, r.output_hash.0, None)
        .context("re-running the job")?;
    Ok(JobReplay {
        matches: verdict.matches,
        claimed_output_hash: B256::from(verdict.claimed_output_hash),
        reference_output_hash: B256::from(verdict.reference_output_hash),
        model: model_path,
        input: input_path,
    })
}

/// The addresses governance approved as verifiers (from `VerifierSet`), still approved.
async fn verifiers(
    provider: &impl Provider,
    disputes: Address,
    from_block: u64,
    to_block: u64,
) -> Result<Vec<Address>> {
    let filter = Filter::new()
        .address(disputes)
        .event_signature(DisputeManager::VerifierSet::SIGNATURE_HASH)
        .from_block(from_block)
        .to_block(to_block);
    let mut approved = Vec::new();
    for log in provider.get_logs(&filter).await? {
        if let Ok(e) = DisputeManager::VerifierSet::decode_log(&log.inner) {
            approved.retain(|a| *a != e.verifier);
            if e.approved {
                approved.push(e.verifier);
            }
        }
    }
    Ok(approved)
}

/// Accounts that ever bonded to `orchestrator` (from `Bond` events).
async fn delegators(
    provider: &impl Provider,
    bonding: Address,
    orchestrator: Address,
    from_block: u64,
    to_block: u64,
) -> Result<Vec<Address>> {
    let filter = Filter::new()
        .address(bonding)
        .event_signature(BondingManager::Bond::SIGNATURE_HASH)
        .topic2(orchestrator.into_word())
        .from_block(from_block)
        .to_block(to_block);
    let mut found = BTreeSet::new();
    for log in provider.get_logs(&filter).await? {
        if let Ok(e) = BondingManager::Bond::decode_log(&log.inner) {
            found.insert(e.delegator);
        }
    }
    Ok(found.into_iter().collect())
}

async fn receipt(
    provider: &impl Provider,
    disputes: Address,
    id: U256,
    from_block: u64,
    to_block: u64,
) -> Result<Option<ReceiptInfo>> {
    let filter = Filter::new()
        .address(disputes)
        .event_signature(DisputeManager::DisputedReceipt::SIGNATURE_HASH)
        .topic1(B256::from(id))
        .from_block(from_block)
        .to_block(to_block);
    for log in provider.get_logs(&filter).await? {
        if let Ok(e) = DisputeManager::DisputedReceipt::decode_log(&log.inner) {
            let r = &e.receipt;
            return Ok(Some(ReceiptInfo {
                job_id: r.jobId,
                model_id: r.modelId,
                input_hash: r.inputHash,
                params_hash: r.paramsHash,
                output_hash: r.outputHash,
                commitment_root: r.commitmentRoot,
                round: r.round,
            }));
        }
    }
    Ok(None)
}

/// The suite's addresses the simulation needs, read from the DisputeManager.
#[derive(Clone, Copy)]
struct Suite {
    disputes: Address,
    bonding: Address,
    token: Address,
    rounds: Address,
}

/// Waits out the veto window (ending in round `veto_end`) and executes dispute `id`'s slash.
fn execute_after_veto<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: Suite,
    id: U256,
    veto_end: impl Into<u64>,
) -> Result<()> {
    go_to_round(chain, s.rounds, veto_end.into())?;
    chain.send(
        Address::ZERO,
        s.disputes,
        DisputeManager::executeSlashCall {
            disputeId: id,
            prevHint: Address::ZERO,
            nextHint: Address::ZERO,
        },
    )?;
    Ok(())
}

/// Moves the fork's clock to the first block of `round`.
fn go_to_round<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    rounds: Address,
    round: u64,
) -> Result<()> {
    let current: u64 = chain.view(rounds, RoundsManager::currentRoundCall {})?.to();
    if round <= current {
        return Ok(());
    }
    let start: u64 = chain
        .view(rounds, RoundsManager::currentRoundStartBlockCall {})?
        .to();
    let length: u64 = chain.view(rounds, RoundsManager::roundLengthCall {})?.to();
    let block = start + (round - current) * length;
    let timestamp = chain.timestamp() + (block - chain.block_number()) * 12;
    chain.set_block(block, timestamp);
    Ok(())
}

/// Casts votes from `verifiers` (those that have not voted) with `reference` until the dispute
/// is decided.
fn vote<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: Suite,
    id: U256,
    verifiers: &[Address],
    reference: B256,
) -> Result<()> {
    for v in verifiers {
        let voted = chain.view(
            s.disputes,
            DisputeManager::hasVotedCall {
                disputeId: id,
                verifier: *v,
            },
        )?;
        if voted {
            continue;
        }
        chain.send(
            *v,
            s.disputes,
            DisputeManager::submitVerdictCall {
                disputeId: id,
                referenceOutputHash: reference,
                firstDivergingLayer: U256::ZERO,
            },
        )?;
        let d = chain.view(s.disputes, DisputeManager::getDisputeCall { disputeId: id })?;
        if d.status != 1 {
            return Ok(());
        }
    }
    bail!("the approved verifiers that have not voted are too few to reach the quorum")
}

/// Plays `verdict` out on `chain`: the status it ends in. A proof dispute's game (`game`: its
/// narrator and the sides' data, or why they are missing) is played to its end first, if open.
#[allow(clippy::too_many_arguments)]
fn play<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: Suite,
    id: U256,
    d: &IDisputeManager::Dispute,
    verifiers: &[Address],
    verdict: &str,
    timelock: Option<Address>,
    game: std::result::Result<(&mut Narrator, &Sides), String>,
) -> Result<u8> {
    let open = Status::of(d.status) == Status::Open;
    if d.byProof {
        if open {
            let (narrator, sides) = game.map_err(|why| anyhow::anyhow!(why))?;
            game::play_out(chain, narrator, id, sides)?;
        }
        let d = chain.view(s.disputes, DisputeManager::getDisputeCall { disputeId: id })?;
        match (verdict, Status::of(d.status)) {
            ("game", Status::Guilty) => execute_after_veto(chain, s, id, d.vetoEndRound)?,
            ("vetoed", Status::Guilty) => {
                let arbitrator = timelock.context("no arbitrator known (the timelock)")?;
                chain.send(
                    arbitrator,
                    s.disputes,
                    DisputeManager::vetoCall { disputeId: id },
                )?;
            }
            ("vetoed", status) => bail!("the game ends {}: nothing to veto", status.name()),
            _ => {}
        }
        return Ok(chain
            .view(s.disputes, DisputeManager::getDisputeCall { disputeId: id })?
            .status);
    }
    match verdict {
        "guilty" => {
            if open {
                let reference = keccak256([d.claimedOutputHash.as_slice(), b"differs"].concat());
                vote(chain, s, id, verifiers, reference)?;
            }
            let d = chain.view(s.disputes, DisputeManager::getDisputeCall { disputeId: id })?;
            execute_after_veto(chain, s, id, d.vetoEndRound)?;
        }
        "innocent" if open => vote(chain, s, id, verifiers, d.claimedOutputHash)?,
        "draw" if open => {
            go_to_round(chain, s.rounds, u64::from(d.deadlineRound))?;
            chain.send(
                Address::ZERO,
                s.disputes,
                DisputeManager::finalizeCall { disputeId: id },
            )?;
        }
        "vetoed" => {
            if open {
                let reference = keccak256([d.claimedOutputHash.as_slice(), b"differs"].concat());
                vote(chain, s, id, verifiers, reference)?;
            }
            let arbitrator = timelock.context("no arbitrator known (the timelock)")?;
            chain.send(
                arbitrator,
                s.disputes,
                DisputeManager::vetoCall { disputeId: id },
            )?;
        }
        _ => bail!(
            "the dispute is {}: no such verdict now",
            Status::of(d.status).name()
        ),
    }
    Ok(chain
        .view(s.disputes, DisputeManager::getDisputeCall { disputeId: id })?
        .status)
}

fn read_accounts<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: Suite,
    accounts: &[(Address, String)],
) -> Result<Vec<(U256, U256)>> {
    let lens = crate::lens::bonding_lens(chain, s.bonding)?;
    accounts
        .iter()
        .map(|(a, _)| {
            let stake = chain.view(lens, BondingLens::pendingStakeCall { delegator: *a })?;
            let lpt = chain.view(s.token, LivepeerToken::balanceOfCall { account: *a })?;
            Ok((stake, lpt))
        })
        .collect()
}

/// Reads dispute `id` from the node, replays its job when `files` hold it, and simulates each
/// verdict. `timelock`: the arbitrator, for the veto (default: none simulated).
pub fn simulate(
    rpc_url: &str,
    block: Option<u64>,
    disputes: Address,
    id: U256,
    files: Option<&Path>,
    timelock: Option<Address>,
) -> Result<DisputeReport> {
    let mut fork = Fork::new(rpc_url, block)?;
    let block = fork.block;
    // Logs are read from the suite's deployment on.
    let suite = crate::suite::Suite::of_managed(&mut fork, disputes)?;
    let from = suite.deployed_at;
    let chain = &mut fork.chain;
    let d = chain
        .view(disputes, DisputeManager::getDisputeCall { disputeId: id })
        .with_context(|| format!("reading dispute {id} from {disputes}"))?;
    // Status None: the id was never opened (an unknown id reads as an empty record).
    ensure!(
        d.status != 0,
        "no dispute {id} on the DisputeManager {disputes}"
    );
    let s = Suite {
        disputes,
        bonding: chain.view(disputes, DisputeManager::bondingCall {})?,
        token: chain.view(disputes, DisputeManager::tokenCall {})?,
        rounds: chain.view(disputes, DisputeManager::roundsCall {})?,
    };
    let (receipt, verifiers, delegators) = fork.runtime.block_on(async {
        anyhow::Ok((
            receipt(&fork.provider, disputes, id, from, block).await?,
            verifiers(&fork.provider, disputes, from, block).await?,
            delegators(&fork.provider, s.bonding, d.orchestrator, from, block).await?,
        ))
    })?;
    let replay = match (&receipt, files) {
        (None, _) => Err("no DisputedReceipt event (a conflict dispute needs no replay)".into()),
        (Some(_), None) => Err("no --files folder given".into()),
        (Some(r), Some(dir)) => replay_job(dir, r).map_err(|e| format!("{e:#}")),
    };
    // A proof dispute: its game as recorded, and what each side plays from.
    let mut narrator = None;
    let mut sides = None;
    if d.byProof {
        let loaded = match (&receipt, files) {
            (Some(r), Some(dir)) => Some(load_job(dir, r)),
            _ => None,
        };
        let model = loaded.as_ref().and_then(|l| l.as_ref().ok()).map(|l| &l.0);
        let game_address = suite.deployment.proof_game;
        narrator = fork.runtime.block_on(game::recorded(
            &fork.provider,
            game_address,
            id,
            (from, block),
            model,
            "the orchestrator",
        ))?;
        if let (Some(Ok((model, input, ..))), Some(r), Some(dir)) = (loaded, &receipt, files) {
            let outputs = verifier::CpuExecutor
                .layer_outputs(&model, &input)
                .context("re-running the job layer by layer")?;
            sides = Some(Sides {
                orchestrator: game::archive(dir, r.commitment_root).map_err(|e| format!("{e:#}")),
                reference: verifier::game::JobTensors::new(input, outputs),
                opener: verifier::opening::Opener::new(&model),
            });
        }
    }

    let mut accounts: Vec<(Address, String)> = vec![(d.orchestrator, "orchestrator".into())];
    for a in delegators {
        if a != d.orchestrator {
            accounts.push((a, "delegator".into()));
        }
    }
    accounts.push((d.challenger, "challenger".into()));
    accounts.push((disputes, "DisputeManager".into()));
    accounts.push((s.bonding, "BondingManager".into()));

    let mut effects = Vec::new();
    let mut game = None;
    let verdicts: &[&str] = if d.byProof {
        &["game", "vetoed"]
    } else {
        &["guilty", "innocent", "draw", "vetoed"]
    };
    for &verdict in verdicts {
        if verdict == "vetoed" && timelock.is_none() {
            continue;
        }
        let mut f = Fork::new(rpc_url, Some(block))?;
        let c = &mut f.chain;
        let before = read_accounts(c, s, &accounts)?;
        let supply_before = c.view(s.token, LivepeerToken::totalSupplyCall {})?;
        let pool_before = c.view(
            s.bonding,
            BondingManager::delegatedStakeCall {
                orchestrator: d.orchestrator,
            },
        )?;
        let mut n = narrator.clone();
        let proof = match (&mut n, &sides, &replay) {
            (Some(n), Some(sides), _) => Ok((n, sides)),
            (None, ..) => Err("no GameOpened event for this dispute".to_string()),
            (_, _, Err(why)) => Err(format!("the job was not replayed: {why}")),
            _ => Err("the job's files were not loaded".to_string()),
        };
        let result = play(c, s, id, &d, &verifiers, verdict, timelock, proof)
            .map(|status| Status::of(status).name())
            .map_err(|e| format!("{e:#}"));
        if verdict == "game" {
            game = n.map(|mut n| {
                if n.replay.end.is_none() {
                    n.replay.stopped = result.as_ref().err().cloned();
                }
                n.replay
            });
        }
        let after = read_accounts(c, s, &accounts)?;
        effects.push(VerdictEffect {
            verdict,
            result,
            accounts: accounts
                .iter()
                .zip(before.iter().zip(&after))
                .map(|((account, role), (b, a))| AccountEffect {
                    account: *account,
                    role: role.clone(),
                    stake_before: b.0,
                    stake_after: a.0,
                    lpt_before: b.1,
                    lpt_after: a.1,
                })
                .collect(),
            supply_before,
            supply_after: c.view(s.token, LivepeerToken::totalSupplyCall {})?,
            orchestrator_pool_before: pool_before,
            orchestrator_pool_after: c.view(
                s.bonding,
                BondingManager::delegatedStakeCall {
                    orchestrator: d.orchestrator,
                },
            )?,
        });
    }
    Ok(DisputeReport {
        id,
        block,
        status: Status::of(d.status).name(),
        orchestrator: d.orchestrator,
        challenger: d.challenger,
        offense_round: d.offenseRound,
        deadline_round: d.deadlineRound,
        veto_end_round: d.vetoEndRound,
        by_proof: d.byProof,
        snapshot_stake: d.snapshotStake,
        deposit: d.deposit,
        claimed_output_hash: d.claimedOutputHash,
        receipt,
        replay,
        game: game.or(narrator.map(|n| n.replay)),
        verdicts: effects,
    })
}

/// Runs `sim dispute`.
pub fn run(args: &DisputeArgs) -> Result<()> {
    if let Some(dir) = &args.files {
        ensure!(
            dir.is_dir(),
            "--files {}: no such folder (it must hold the job's model and input, named by hash)",
            dir.display()
        );
    }
    let report = simulate(
        &args.rpc_url,
        args.block,
        args.disputes,
        args.dispute_id,
        args.files.as_deref(),
        args.timelock,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::report::dispute(&report));
    }
    Ok(())
}
