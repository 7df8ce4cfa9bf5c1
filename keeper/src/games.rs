//! Playing proof games (docs/proof-game.md, *Keepers*): every tick, for each proof dispute in
//! the store that this keeper's address is a party to, the game is read on chain and the keeper
//! makes the move that is due, computed from that reading alone (never from an event or its own
//! memory of the game): as challenger it picks (the first word that differs from its own re-run,
//! [`verifier::game`]); as the orchestrator's agent it reveals and finishes from the job archive
//! ([`crate::archive`]). Either side calls `timeout` once the other's window has passed. A move
//! a reorg dropped reads as not made and is made again; a game whose dispute a reorg dropped is
//! forgotten with it. The games themselves are found by the dispute follower (`disputes`), whose
//! cursor is reorg-aware: the challenger's own opening needs no bookkeeping to be played.

use std::{collections::HashMap, sync::Arc};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use anyhow::Context;
use bindings::{
    DisputeManager,
    enums::{Phase, Status},
    proof_game::{IProofGame, ProofGame},
};
use content::Source;
use tracing::{info, warn};
use verifier::{
    Model,
    game::{JobTensors, Position, TensorTree, parent},
    opening::Opener,
};

use crate::{
    archive::{self, Archive},
    background::Tasks,
    keeper::Keeper,
    ops::{GameView, SpotView},
    rpc::call,
    store::{DisputeRecord, GameRecord, Move, Role},
    txs::{Action, Outcome},
};

/// The longest game in move windows: `MAX_DEPTH` moves and the final step.
pub const GAME_WINDOWS: u64 = 33;

/// What the game duties did this tick.
#[derive(Clone, Debug, Default)]
pub struct GameReport {
    /// Moves mined: (dispute, `reveal` / `pick` / `finish` / `timeout`, gas).
    pub moves: Vec<(u64, &'static str, u64)>,
    /// Games that ended and were forgotten: (dispute, the dispute's status name).
    pub ended: Vec<(u64, &'static str)>,
    /// What the spot-check intake did (see [`crate::spot`]).
    pub spot: crate::spot::SpotReport,
}

/// A challenger's re-run of a job: every tensor, and the output hash.
pub struct Reference {
    pub tensors: JobTensors,
    pub output_hash: B256,
    /// The output's leaf in the layer commitment (the last op writing the graph output).
    pub output_leaf: usize,
}

/// What the players keep in memory (rebuilt after a restart from the sources).
#[derive(Default)]
pub struct Players {
    /// Challenger: re-runs by (model id, input hash).
    references: HashMap<(B256, B256), Arc<Reference>>,
    /// Agent: archived jobs by commitment root.
    jobs: HashMap<B256, Arc<JobTensors>>,
    /// Output trees by (commitment root, leaf): the agent's, or the challenger's own (keyed by
    /// its own commitment).
    trees: HashMap<(B256, usize), Arc<TensorTree>>,
    /// Node records and model trees by model id.
    openers: HashMap<B256, Arc<Opener>>,
    /// The round whose archive pruning ran.
    pruned_round: Option<u64>,
    /// Re-runs used this tick (a game just opened has no record until the next tick).
    used: Vec<(B256, B256)>,
    /// Each game as last read on chain (for the operator), by dispute id.
    seen: HashMap<u64, Seen>,
    /// Spot checks waiting (file name, why), for the operator.
    pub(crate) spot_waiting: std::collections::BTreeMap<String, String>,
    /// More spot checks waited than a batch takes (the keeper then ticks again at once).
    pub(crate) spot_backlog: bool,
    /// The last spot-check file taken: the next tick's batch starts after it.
    pub(crate) spot_cursor: Option<std::ffi::OsString>,
    /// How long this tick may wait for re-runs (one deadline for all, `verifier.judge_wait_ms`).
    deadline: Option<tokio::time::Instant>,
    /// Re-runs in progress in the judges' pool, by (model id, input hash).
    runs: Tasks<(B256, B256), Option<Reference>>,
    /// Published layer lists being fetched, by commitment root (see [`crate::spot`]).
    pub(crate) claims: Tasks<B256, Option<Vec<verifier::Hash32>>>,
    /// Commitment roots asked for this tick.
    pub(crate) claims_used: Vec<B256>,
}

impl Players {
    /// Re-runs and layer-list fetches in progress (the daemon watches every interval while one
    /// runs).
    pub fn rerunning(&self) -> usize {
        self.runs.len() + self.claims.len()
    }

    /// Whether there is spot-check work to come back to at once: a re-run or fetch in progress,
    /// or more inbox files than a batch.
    pub fn busy(&self) -> bool {
        self.rerunning() > 0 || self.spot_backlog
    }
}

impl Players {
    /// Drops what no game in progress needs (`live`, with the disputes in the store for the
    /// receipts): re-runs, archived jobs and trees of games that ended.
    fn forget_unused(&mut self, live: &[GameRecord], disputes: &[DisputeRecord]) {
        let roots: Vec<B256> = live.iter().map(|g| g.commitment_root).collect();
        let runs: Vec<(B256, B256)> = disputes
            .iter()
            .filter(|d| live.iter().any(|g| g.id == d.id))
            .filter_map(|d| d.receipt.as_ref().map(|r| (r.model_id, r.input_hash)))
            .collect();
        self.jobs.retain(|r, _| roots.contains(r));
        let used = std::mem::take(&mut self.used);
        // A finished re-run no spot check or game asked for this tick (its file went away).
        self.runs.drop_finished_except(&used);
        let claims = std::mem::take(&mut self.claims_used);
        self.claims.drop_finished_except(&claims);
        self.references
            .retain(|key, _| runs.contains(key) || used.contains(key));
        let own: Vec<B256> = self
            .references
            .values()
            .map(|r| B256::from(r.tensors.commitment()))
            .collect();
        self.trees
            .retain(|(root, _), _| roots.contains(root) || own.contains(root));
    }
}

/// A game as last read on chain.
#[derive(Clone, Copy, Debug)]
struct Seen {
    phase: Phase,
    deadline: u64,
}

/// The games in progress and the spot checks waiting, for the operator (`keeper status`, the
/// admin API).
pub fn views(k: &Keeper) -> (Vec<GameView>, Vec<SpotView>) {
    let games = k
        .store
        .games()
        .unwrap_or_default()
        .into_iter()
        .map(|g| {
            let seen = k.players.seen.get(&g.id);
            let phase = seen.map_or(Phase::None, |s| s.phase);
            let to_move = match phase {
                Phase::Reveal | Phase::Final => Some(Role::Agent),
                Phase::Pick => Some(Role::Challenger),
                _ => None,
            };
            GameView {
                dispute: g.id,
                role: role_name(g.role).into(),
                layer: g.layer,
                depth: g.depth,
                phase: format!("{phase:?}"),
                to_move: to_move.map(|r| role_name(r).into()),
                this_keeper_to_move: to_move == Some(g.role),
                deadline_block: seen.map_or(0, |s| s.deadline),
                moves: g.moves.len(),
                gas: g.moves.iter().map(|m| m.gas).sum(),
            }
        })
        .collect();
    let spots = k
        .players
        .spot_waiting
        .iter()
        .map(|(file, state)| SpotView {
            file: file.clone(),
            state: state.clone(),
        })
        .collect();
    (games, spots)
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Challenger => "challenger",
        Role::Agent => "agent",
    }
}

/// The ProofGame's address (set and checked at connect when games are enabled).
fn game_address(k: &Keeper) -> anyhow::Result<Address> {
    k.addresses
        .proof_game
        .context("contracts.proof_game is not set")
}

pub async fn run(k: &mut Keeper, head: u64, round: u64) -> anyhow::Result<GameReport> {
    let mut report = GameReport::default();
    if !k.config.game.enabled {
        return Ok(report);
    }
    k.players.deadline = Some(k.judges.deadline());
    report.spot = crate::spot::run(k, head).await?;
    let disputes = k.store.disputes()?;
    // Games whose dispute the store no longer holds: settled (and forgotten by the dispute
    // duties) or dropped by a reorg.
    for g in k.store.games()? {
        if !disputes.iter().any(|d| d.id == g.id) {
            end(k, &g, &mut report).await?;
        }
    }
    for record in &disputes {
        if let Err(e) = play(k, record, head, &mut report).await {
            warn!(dispute = record.id, error = %format!("{e:#}"), "could not move in the game; retrying next tick");
        }
    }
    prune(k, round).await?;
    let live = k.store.games()?;
    k.metrics
        .set(&k.metrics.games_in_progress, live.len() as u64);
    k.players.forget_unused(&live, &k.store.disputes()?);
    Ok(report)
}

/// Forgets a game whose dispute is gone from the store, logging how it ended.
async fn end(k: &mut Keeper, g: &GameRecord, report: &mut GameReport) -> anyhow::Result<()> {
    let d = call(
        &k.chain,
        k.addresses.disputes,
        DisputeManager::getDisputeCall {
            disputeId: U256::from(g.id),
        },
    )
    .await?;
    let status = Status::of(d.status);
    let gas: u64 = g.moves.iter().map(|m| m.gas).sum();
    info!(dispute = g.id, role = ?g.role, status = status.name(), moves = g.moves.len(), gas, "game over");
    report.ended.push((g.id, status.name()));
    k.players.seen.remove(&g.id);
    k.store.remove_game(g.id)
}

/// Makes the move due in the game of dispute `record`, if this keeper is a party and it is its
/// turn (or the other side's window has passed).
async fn play(
    k: &mut Keeper,
    record: &DisputeRecord,
    head: u64,
    report: &mut GameReport,
) -> anyhow::Result<()> {
    let pg = game_address(k)?;
    let id = U256::from(record.id);
    let me = k.address();
    if record.challenger != me && record.orchestrator != me {
        return Ok(());
    }
    let d = call(
        &k.chain,
        k.addresses.disputes,
        DisputeManager::getDisputeCall { disputeId: id },
    )
    .await?;
    if !d.byProof {
        return Ok(());
    }
    let g = call(&k.chain, pg, ProofGame::getGameCall { disputeId: id }).await?;
    let phase = Phase::try_from(g.phase).unwrap_or(Phase::None);
    let role = if g.challenger == me {
        Role::Challenger
    } else if g.orchestrator == me {
        Role::Agent
    } else {
        return Ok(());
    };
    k.players.seen.insert(
        record.id,
        Seen {
            phase,
            deadline: g.deadline.saturating_to(),
        },
    );
    // The game must be the recorded dispute's (a reorg may have put another one under the id:
    // the dispute follower re-reads it; until then, no move).
    let receipt = record.receipt.as_ref();
    if receipt.is_none_or(|r| r.commitment_root != g.commitmentRoot || r.model_id != g.modelId) {
        return Ok(());
    }
    match phase {
        Phase::Settled => {
            if let Some(game) = k.store.game(record.id)? {
                end(k, &game, report).await?;
            }
            return Ok(());
        }
        Phase::None => return Ok(()),
        _ => {}
    }
    let mut game = match k.store.game(record.id)? {
        Some(game) if game.role == role && game.commitment_root == g.commitmentRoot => game,
        _ => {
            let game = GameRecord {
                id: record.id,
                role,
                layer: g.layer,
                depth: g.depth,
                model_id: g.modelId,
                commitment_root: g.commitmentRoot,
                moves: Vec::new(),
            };
            info!(
                dispute = record.id,
                ?role,
                layer = g.layer,
                depth = g.depth,
                "playing a proof game"
            );
            k.store.put_game(&game)?;
            game
        }
    };
    let mine = match phase {
        Phase::Pick => role == Role::Challenger,
        _ => role == Role::Agent,
    };
    let deadline: u64 = g.deadline.to();
    // The head now, not the tick's: this tick's own earlier transactions (a round's
    // initialization, another game's move) may have mined blocks since, and a move sent in the
    // window's last block would mine after it.
    let head = k.chain.get_block_number().await?.max(head);
    let at = Position {
        levels_left: u32::from(g.levelsLeft),
        index: u64::from(g.chunkIndex),
    };
    let (kind, input): (&'static str, Vec<u8>) = if head > deadline {
        if mine {
            warn!(
                dispute = record.id,
                deadline, "this keeper's window passed: the game is lost by silence"
            );
            return Ok(());
        }
        (
            "timeout",
            ProofGame::timeoutCall { disputeId: id }.abi_encode(),
        )
    } else if !mine {
        return Ok(());
    } else if head == deadline {
        // A transaction sent now mines after the window: too late (a move is sent as soon as it
        // is due, so this is a keeper that was down for the whole window).
        return Ok(());
    } else {
        match (role, phase) {
            (Role::Agent, Phase::Reveal) => {
                let tree = agent_tree(k, &game, g.commitmentRoot).await?;
                let words = tree.reveal(at)?;
                // Never reveal words that do not hash to the node in dispute: they would not be
                // this orchestrator's committed ones (a wrong or stale archive).
                if parent(&words, at.reveals_chunks()).map(B256::from) != Some(g.node) {
                    anyhow::bail!(
                        "the archive's words at {at:?} do not hash to the node in dispute: refusing to reveal"
                    );
                }
                let words = words.into_iter().map(B256::from).collect();
                (
                    "reveal",
                    ProofGame::revealCall {
                        disputeId: id,
                        words,
                    }
                    .abi_encode(),
                )
            }
            (Role::Agent, Phase::Final) => {
                let job = agent_job(k, g.commitmentRoot).await?;
                let opener = opener(k, g.modelId).await?;
                let element = u64::from(g.chunkIndex) * 32 + u64::from(g.byteIndex);
                let layer = g.layer as usize;
                let step =
                    tokio::task::spawn_blocking(move || job.final_step(&opener, layer, element))
                        .await??;
                (
                    "finish",
                    ProofGame::finishCall {
                        disputeId: id,
                        step: IProofGame::FinalStep {
                            opening: step.opening.into(),
                            rootProofs: step
                                .root_proofs
                                .into_iter()
                                .map(|p| p.into_iter().map(B256::from).collect())
                                .collect(),
                        },
                    }
                    .abi_encode(),
                )
            }
            (Role::Challenger, Phase::Pick) => {
                let Some(words) = revealed(k, record, g.revealed).await? else {
                    info!(
                        dispute = record.id,
                        "the reveal's event is not readable yet"
                    );
                    return Ok(());
                };
                let receipt = receipt.context("no receipt")?;
                let tree = challenger_tree(k, &game, receipt.input_hash).await?;
                let pick = tree.pick(at, &words.iter().map(|w| w.0).collect::<Vec<_>>())?;
                (
                    "pick",
                    ProofGame::pickCall {
                        disputeId: id,
                        words,
                        child: U256::from(pick.child),
                        byteIndex: U256::from(pick.byte),
                    }
                    .abi_encode(),
                )
            }
            _ => return Ok(()),
        }
    };
    let key = format!("game:{}:{kind}:{}:{}", record.id, at.levels_left, at.index);
    k.fresh_nonce()?;
    let wait = k.tx_wait();
    let action = Action {
        key,
        to: pg,
        input: input.into(),
    };
    let (_, outcome) = k.txs.submit(&k.store, vec![action], wait).await?.remove(0);
    match outcome {
        Outcome::Done(r) => {
            info!(dispute = record.id, action = kind, gas = r.gas_used, tx = %r.transaction_hash, "game move");
            game.moves.push(Move {
                kind: kind.into(),
                block: r.block_number.unwrap_or(head),
                gas: r.gas_used,
            });
            k.store.put_game(&game)?;
            k.metrics.inc(&k.metrics.game_moves);
            report.moves.push((record.id, kind, r.gas_used));
            // The operator's view shows the game after the move (a failed read keeps the old).
            if let Ok(g) = call(&k.chain, pg, ProofGame::getGameCall { disputeId: id }).await {
                let phase = Phase::try_from(g.phase).unwrap_or(Phase::None);
                let deadline = g.deadline.saturating_to();
                k.players.seen.insert(record.id, Seen { phase, deadline });
            }
        }
        Outcome::NotDue(why) => info!(dispute = record.id, action = kind, %why, "move not due"),
        Outcome::Reverted(r) => {
            k.metrics.inc(&k.metrics.txs_reverted);
            warn!(dispute = record.id, action = kind, tx = %r.transaction_hash, "move reverted");
        }
        Outcome::Pending => info!(dispute = record.id, action = kind, "move pending"),
    }
    Ok(())
}

/// The words of the last `Revealed` event of the dispute, if they are the ones the game holds
/// (`revealed`, the hash of the words): the pick repeats them.
async fn revealed(
    k: &Keeper,
    record: &DisputeRecord,
    revealed: B256,
) -> anyhow::Result<Option<Vec<B256>>> {
    let filter = Filter::new()
        .address(game_address(k)?)
        .event_signature(ProofGame::Revealed::SIGNATURE_HASH)
        .topic1(U256::from(record.id))
        .from_block(record.opened_block);
    let logs = k.chain.get_logs(&filter).await?;
    Ok(logs
        .iter()
        .rev()
        .filter_map(|l| ProofGame::Revealed::decode_log(&l.inner).ok())
        .map(|e| e.data.words)
        .find(|w| keccak256(w.iter().flat_map(|x| x.0).collect::<Vec<u8>>()) == revealed))
}

/// The model `id`: from the archive directory, else the content source; only if it loads to `id`.
async fn model(k: &Keeper, id: B256) -> anyhow::Result<Model> {
    let limits = k.config.verifier.limits();
    load_model(
        k.config.game.archive.as_deref(),
        k.source.as_ref(),
        &limits,
        id,
    )
    .await
}

async fn load_model(
    archive: Option<&std::path::Path>,
    source: Option<&Source>,
    limits: &content::Limits,
    id: B256,
) -> anyhow::Result<Model> {
    let mut bytes = match archive {
        Some(dir) => Archive::new(dir).capped(limits.max_bytes).model(id)?,
        None => None,
    };
    if bytes.is_none()
        && let Some(s) = source
    {
        bytes = s.get(id, limits).await?;
    }
    let bytes =
        bytes.with_context(|| format!("model {id} is in neither the archive nor the source"))?;
    let model = tokio::task::spawn_blocking(move || Model::from_bytes(&bytes)).await??;
    anyhow::ensure!(
        B256::from(model.id()) == id,
        "the file named {id} is another model"
    );
    Ok(model)
}

/// The node records and model trees of model `id` (computed once).
pub async fn opener(k: &mut Keeper, id: B256) -> anyhow::Result<Arc<Opener>> {
    if let Some(o) = k.players.openers.get(&id) {
        return Ok(o.clone());
    }
    let model = model(k, id).await?;
    let o = Arc::new(tokio::task::spawn_blocking(move || Opener::new(&model)).await?);
    k.players.openers.insert(id, o.clone());
    Ok(o)
}

/// The agent's archived job committed to `root`.
async fn agent_job(k: &mut Keeper, root: B256) -> anyhow::Result<Arc<JobTensors>> {
    if let Some(j) = k.players.jobs.get(&root) {
        return Ok(j.clone());
    }
    let dir = k
        .config
        .game
        .archive
        .clone()
        .context("game.archive is not set: this keeper cannot answer for the orchestrator")?;
    let cap = k.config.verifier.limits().max_bytes;
    let job = tokio::task::spawn_blocking(move || Archive::new(&dir).capped(cap).load(root))
        .await??
        .with_context(|| format!("no archived job for commitment {root}"))?;
    let job = Arc::new(job);
    k.players.jobs.insert(root, job.clone());
    Ok(job)
}

/// The agent's tree of the disputed output (leaf `layer + 1` of its archived job).
async fn agent_tree(
    k: &mut Keeper,
    game: &GameRecord,
    root: B256,
) -> anyhow::Result<Arc<TensorTree>> {
    let leaf = game.layer as usize + 1;
    if let Some(t) = k.players.trees.get(&(root, leaf)) {
        return Ok(t.clone());
    }
    let job = agent_job(k, root).await?;
    let tree = tokio::task::spawn_blocking(move || job.tensor(leaf).map(TensorTree::new))
        .await?
        .with_context(|| format!("the archived job has no tensor at leaf {leaf}"))?;
    let tree = Arc::new(tree);
    k.players.trees.insert((root, leaf), tree.clone());
    Ok(tree)
}

/// Until when this tick may wait for background work (one deadline for the whole tick).
pub(crate) fn wait_until(k: &mut Keeper) -> tokio::time::Instant {
    *k.players
        .deadline
        .get_or_insert_with(|| k.judges.deadline())
}

/// Where the challenger's re-run of a job stands.
pub enum Rerun {
    Ready(Arc<Reference>),
    /// Running in the judges' pool (or waiting for a slot): ask again next tick.
    Running,
    /// The job's model or input is not fetchable yet.
    Unavailable,
}

/// The challenger's re-run of the job (model `model_id`, input `input_hash`), computed once, in
/// the judges' bounded pool (`verifier.max_concurrent`, `judge_timeout_secs`): a tick waits for
/// it at most `judge_wait_ms`, so a big model or a hanging source never holds the tick's duties
/// and moves.
pub async fn reference(k: &mut Keeper, model_id: B256, input_hash: B256) -> anyhow::Result<Rerun> {
    let key = (model_id, input_hash);
    k.players.used.push(key);
    if let Some(r) = k.players.references.get(&key) {
        return Ok(Rerun::Ready(r.clone()));
    }
    let deadline = wait_until(k);
    let (judges, config) = (&k.judges, &k.config);
    let source = k.source.clone();
    let polled = k
        .players
        .runs
        .poll(&key, deadline, || {
            let source = source.context("verifier.source is not set: the job cannot be fetched")?;
            let (limits, archive) = (config.verifier.limits(), config.game.archive.clone());
            Ok(judges.spawn(rerun(source, limits, archive, model_id, input_hash)))
        })
        .await;
    let Some(done) = polled else {
        info!(model = %model_id, input = %input_hash, "still re-running the job");
        return Ok(Rerun::Running);
    };
    let Some(reference) = done? else {
        return Ok(Rerun::Unavailable);
    };
    let reference = Arc::new(reference);
    k.players.references.insert(key, reference.clone());
    Ok(Rerun::Ready(reference))
}

/// Fetches the job and re-runs it on the CPU reference, keeping every op's output (`None`: the
/// model or input is not fetchable yet).
async fn rerun(
    source: Source,
    limits: content::Limits,
    archive: Option<std::path::PathBuf>,
    model_id: B256,
    input_hash: B256,
) -> anyhow::Result<Option<Reference>> {
    let Some(input) = source.get_hashed(input_hash, &limits).await? else {
        return Ok(None);
    };
    let model = match load_model(archive.as_deref(), Some(&source), &limits, model_id).await {
        Ok(m) => m,
        Err(e) => {
            info!(error = %format!("{e:#}"), "the job's model is not available yet");
            return Ok(None);
        }
    };
    let run = tokio::task::spawn_blocking(move || -> verifier::Result<Reference> {
        let outputs = verifier::CpuExecutor.layer_outputs(&model, &input)?;
        let exec = verifier::Execution::new(&model, &input, &outputs);
        let output_leaf = outputs
            .iter()
            .rposition(|o| verifier::keccak(o) == exec.output_hash)
            .map_or(0, |k| k + 1);
        Ok(Reference {
            tensors: JobTensors::new(input, outputs),
            output_hash: B256::from(exec.output_hash),
            output_leaf,
        })
    });
    Ok(Some(run.await??))
}

/// The challenger's own tree of the disputed output.
async fn challenger_tree(
    k: &mut Keeper,
    game: &GameRecord,
    input_hash: B256,
) -> anyhow::Result<Arc<TensorTree>> {
    let r = match reference(k, game.model_id, input_hash).await? {
        Rerun::Ready(r) => r,
        Rerun::Running => anyhow::bail!("the job is still being re-run"),
        Rerun::Unavailable => {
            anyhow::bail!("the job's model or input is not available to re-run it")
        }
    };
    let root = B256::from(r.tensors.commitment());
    let leaf = game.layer as usize + 1;
    if let Some(t) = k.players.trees.get(&(root, leaf)) {
        return Ok(t.clone());
    }
    let tree = tokio::task::spawn_blocking(move || r.tensors.tensor(leaf).map(TensorTree::new))
        .await?
        .with_context(|| format!("the re-run has no tensor at leaf {leaf}"))?;
    let tree = Arc::new(tree);
    k.players.trees.insert((root, leaf), tree.clone());
    Ok(tree)
}

/// Once per round, removes the archived jobs past their liability window (an agent's only).
async fn prune(k: &mut Keeper, round: u64) -> anyhow::Result<()> {
    let Some(dir) = k.config.game.archive.clone() else {
        return Ok(());
    };
    if k.players.pruned_round == Some(round) {
        return Ok(());
    }
    let dm = k.addresses.disputes;
    let statute = call(&k.chain, dm, DisputeManager::statuteOfLimitationsCall {}).await?;
    let window: u64 = call(&k.chain, game_address(k)?, ProofGame::moveWindowCall {})
        .await?
        .saturating_to();
    let round_length: u64 = call(
        &k.chain,
        k.addresses.rounds,
        bindings::RoundsManager::roundLengthCall {},
    )
    .await?
    .saturating_to();
    let oldest = archive::oldest_liable_round(
        round,
        u64::from(statute),
        window.saturating_mul(GAME_WINDOWS),
        round_length,
    );
    let live: Vec<B256> = k.store.games()?.iter().map(|g| g.commitment_root).collect();
    let removed = Archive::new(&dir).prune(oldest, &live)?;
    if removed > 0 {
        info!(
            removed,
            oldest_kept_round = oldest,
            "pruned archived jobs past their liability window"
        );
    }
    k.players.pruned_round = Some(round);
    Ok(())
}

/// Whether the keeper has a game in progress (the daemon then wakes every block).
pub fn live(k: &Keeper) -> bool {
    k.config.game.enabled && k.store.games().is_ok_and(|g| !g.is_empty())
}
