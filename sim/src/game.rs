//! `sim dispute` on a proof dispute (issue 19; the game: `docs/proof-game.md`): the game's moves
//! as the chain recorded them (`ProofGame`'s events, each with its transaction's sender and gas),
//! then the rest played to the end on the fork by two honest sides: the challenger picks from its
//! re-run of the job, the orchestrator reveals and finishes from its committed layer outputs (its
//! job archive, `*<commitment root>.job`, when the files hold it).

use std::path::Path;

use alloy::{
    primitives::{Address, B256, Log, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context as _, Result, bail};
use bindings::{
    ProofGame,
    enums::{Ending, Phase},
    proof_game::IProofGame,
};
use revm::{Database, DatabaseCommit, primitives::TxKind};
use serde::Serialize;
use verifier::{
    Model,
    game::{JobTensors, Position, TensorTree, Word},
    opening::Opener,
};

use crate::evm::Chain;

/// One move: a transaction of the game.
#[derive(Clone, Debug, Serialize)]
pub struct GameMove {
    /// "challenger", "orchestrator" or "anyone" (a timeout).
    pub by: &'static str,
    pub account: Address,
    /// The move in words.
    pub what: String,
    pub gas: u64,
    /// The block it was mined in; `None`: played on the fork by the simulator.
    pub block: Option<u64>,
}

/// How the game ended.
#[derive(Clone, Debug, Serialize)]
pub struct GameEnd {
    pub guilty: bool,
    /// The `Ending` in words ("recomputed", "orchestrator silent", ...).
    pub ending: &'static str,
}

/// The game of a proof dispute: its moves, recorded and simulated, and its end.
#[derive(Clone, Debug, Serialize)]
pub struct GameReplay {
    pub game: Address,
    /// The disputed op (execution order) and its LiteRT name, when the model was loaded.
    pub layer: u32,
    pub op: Option<String>,
    pub depth: u8,
    pub claimed_root: B256,
    pub reference_root: B256,
    /// Every move, the recorded ones (with a block) first.
    pub moves: Vec<GameMove>,
    /// The end, recorded or simulated; `None` if the game could not be played to its end.
    pub end: Option<GameEnd>,
    /// Why the simulation stopped before the end.
    pub stopped: Option<String>,
}

impl GameReplay {
    /// Moves recorded on chain.
    pub fn recorded(&self) -> usize {
        self.moves.iter().filter(|m| m.block.is_some()).count()
    }

    /// Gas of every move, recorded and simulated.
    pub fn gas(&self) -> u64 {
        self.moves.iter().map(|m| m.gas).sum()
    }
}

/// The ending in words.
fn ending_name(e: Ending) -> &'static str {
    match e {
        Ending::Recomputed => "recomputed",
        Ending::OrchestratorSilent => "orchestrator silent",
        Ending::ChallengerSilent => "challenger silent",
        Ending::WrongDepth => "wrong depth",
        Ending::InputRootMismatch => "input root mismatch",
        Ending::OutputRootMismatch => "output root mismatch",
        Ending::None | Ending::__Invalid => "unknown",
    }
}

fn short(h: &[u8]) -> String {
    format!("0x{}…", alloy::hex::encode(&h[..4]))
}

/// Turns a game's transactions into moves in words, tracking the node in dispute and the last
/// revealed words as the contract does.
#[derive(Clone)]
pub struct Narrator {
    pub replay: GameReplay,
    orchestrator: Address,
    challenger: Address,
    /// How the final step names the orchestrator ("the orchestrator", or a story's name).
    orchestrator_name: String,
    node: B256,
    /// The last reveal: its level above the chunks and its words.
    revealed: Option<(u64, Vec<Word>)>,
}

impl Narrator {
    fn new(
        game: Address,
        opened: &ProofGame::GameOpened,
        op: Option<String>,
        orchestrator_name: &str,
    ) -> Self {
        Self {
            replay: GameReplay {
                game,
                layer: opened.layer.saturating_to(),
                op,
                depth: opened.depth.saturating_to(),
                claimed_root: opened.claimedRoot,
                reference_root: opened.referenceRoot,
                moves: Vec::new(),
                end: None,
                stopped: None,
            },
            orchestrator: opened.orchestrator,
            challenger: opened.challenger,
            orchestrator_name: orchestrator_name.to_string(),
            node: opened.claimedRoot,
            revealed: None,
        }
    }

    /// The words of the last reveal (what a pick repeats).
    pub fn last_words(&self) -> Option<&[Word]> {
        self.revealed.as_ref().map(|(_, w)| w.as_slice())
    }

    fn op(&self) -> String {
        match &self.replay.op {
            Some(name) => format!("op {} ({name})", self.replay.layer),
            None => format!("op {}", self.replay.layer),
        }
    }

    /// Adds the move made by `from`'s transaction (its game logs `logs`, `gas`).
    fn record(&mut self, from: Address, gas: u64, block: Option<u64>, logs: &[Log]) {
        let mut parts = Vec::new();
        for log in logs {
            if let Ok(e) = ProofGame::GameOpened::decode_log(log) {
                parts.push(format!(
                    "opens a game on {}, depth {}: {}'s root {} against the reference {}",
                    self.op(),
                    e.depth,
                    self.orchestrator_name,
                    short(e.claimedRoot.as_slice()),
                    short(e.referenceRoot.as_slice())
                ));
            } else if let Ok(e) = ProofGame::Revealed::decode_log(log) {
                let level: u64 = e.levelsLeft.saturating_to();
                let words: Vec<Word> = e.words.iter().map(|w| w.0).collect();
                parts.push(format!(
                    "reveals {} {} below {}(level {level})",
                    words.len(),
                    if level <= 2 { "chunks" } else { "nodes" },
                    short(self.node.as_slice())
                ));
                self.revealed = Some((level, words));
            } else if let Ok(e) = ProofGame::Picked::decode_log(log) {
                let child: usize = e.child.saturating_to();
                let level = self.revealed.as_ref().map_or(0, |(l, _)| *l);
                if let Some(w) = self.last_words().and_then(|w| w.get(child)) {
                    self.node = B256::from(*w);
                }
                parts.push(if level <= 2 {
                    format!(
                        "picks chunk {} and byte {}: element {}",
                        e.chunkIndex,
                        e.byteIndex,
                        e.chunkIndex * U256::from(32) + e.byteIndex
                    )
                } else {
                    format!("picks child {child} ({})", short(self.node.as_slice()))
                });
            } else if let Ok(e) = ProofGame::Recomputed::decode_log(log) {
                parts.push(format!(
                    "final step: element {} of {}: {}'s byte {}, recomputed {}",
                    e.element,
                    self.op(),
                    self.orchestrator_name,
                    e.claimed,
                    e.recomputed
                ));
            } else if let Ok(e) = ProofGame::GameSettled::decode_log(log) {
                let ending = ending_name(Ending::try_from(e.ending).unwrap_or(Ending::__Invalid));
                parts.push(format!(
                    "{} ({ending})",
                    if e.guilty { "guilty" } else { "not guilty" }
                ));
                self.replay.end = Some(GameEnd {
                    guilty: e.guilty,
                    ending,
                });
            }
        }
        if parts.is_empty() {
            return;
        }
        let by = if from == self.orchestrator {
            "orchestrator"
        } else if from == self.challenger {
            "challenger"
        } else {
            "anyone"
        };
        self.replay.moves.push(GameMove {
            by,
            account: from,
            what: parts.join(": "),
            gas,
            block,
        });
    }
}

/// The game's moves on the node up to `to_block`: a narrator holding them, or `None` when the
/// dispute has no game (a whole-tensor proof decides it in the opening transaction, without
/// one). `orchestrator_name` names the orchestrator in the final step.
pub async fn recorded(
    provider: &impl Provider,
    game: Address,
    id: U256,
    (from_block, to_block): (u64, u64),
    model: Option<&Model>,
    orchestrator_name: &str,
) -> Result<Option<Narrator>> {
    let filter = Filter::new()
        .address(game)
        .topic1(B256::from(id))
        .from_block(from_block)
        .to_block(to_block);
    let logs = provider.get_logs(&filter).await?;
    let Some(opened) = logs
        .iter()
        .find_map(|l| ProofGame::GameOpened::decode_log(&l.inner).ok())
    else {
        return Ok(None);
    };
    let layer: usize = opened.layer.saturating_to();
    let op = model.and_then(|m| m.layers().get(layer).map(|o| o.name.to_string()));
    let mut n = Narrator::new(game, &opened.data, op, orchestrator_name);
    // One move per transaction, in order.
    let mut i = 0;
    while i < logs.len() {
        let tx = logs[i].transaction_hash;
        let same = logs[i..]
            .iter()
            .take_while(|l| l.transaction_hash == tx)
            .count();
        let group: Vec<Log> = logs[i..i + same].iter().map(|l| l.inner.clone()).collect();
        let block = logs[i].block_number;
        i += same;
        let hash = tx.context("a log without its transaction")?;
        let receipt = provider
            .get_transaction_receipt(hash)
            .await?
            .with_context(|| format!("no receipt for {hash}"))?;
        n.record(receipt.from, receipt.gas_used, block, &group);
    }
    Ok(Some(n))
}

/// The two sides' data: the challenger's re-run, the orchestrator's committed tensors (if the
/// files hold its archive), and the model's opener for the final step.
pub struct Sides {
    pub reference: JobTensors,
    pub orchestrator: std::result::Result<JobTensors, String>,
    pub opener: Opener,
}

/// The orchestrator's job archive in `dir`: a file named `<commitment root>.job` (or, as the
/// keeper's agent names them, `r<round>-<commitment root>.job`), checked against the root.
pub fn archive(dir: &Path, commitment: B256) -> Result<JobTensors> {
    let suffix = format!("{commitment}.job");
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.eq_ignore_ascii_case(&suffix)
            || name
                .to_ascii_lowercase()
                .ends_with(&format!("-{}", suffix.to_ascii_lowercase()))
        {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            return JobTensors::from_archive(&bytes, Some(&commitment.0))
                .with_context(|| format!("the job archive {}", path.display()));
        }
    }
    bail!(
        "no job archive `{suffix}` in {}: the orchestrator's committed layer outputs are missing, so its reveals and final step cannot be played",
        dir.display()
    )
}

/// Sends `call` to the game as `from`, narrates it; the block moves on by one.
fn send<DB: Database + DatabaseCommit, C: SolCall>(
    chain: &mut Chain<DB>,
    n: &mut Narrator,
    from: Address,
    call: C,
) -> Result<()> {
    let outcome = chain
        .execute(
            from,
            TxKind::Call(n.replay.game),
            call.abi_encode().into(),
            U256::ZERO,
        )
        .with_context(|| format!("{} from {from}", C::SIGNATURE))?;
    n.record(from, outcome.gas_used, None, &outcome.logs);
    let (number, timestamp) = (chain.block_number(), chain.timestamp());
    chain.set_block(number + 1, timestamp + 12);
    Ok(())
}

/// Plays game `id` from its state on `chain` to its end: every move an honest side makes, each
/// narrated. Stops with the reason when a side cannot move (its data missing).
pub fn play_out<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    n: &mut Narrator,
    id: U256,
    sides: &Sides,
) -> Result<()> {
    let game = n.replay.game;
    let leaf = n.replay.layer as usize + 1;
    let theirs = sides
        .orchestrator
        .as_ref()
        .ok()
        .and_then(|j| j.tensor(leaf))
        .map(TensorTree::new);
    let ours = TensorTree::new(
        sides
            .reference
            .tensor(leaf)
            .with_context(|| format!("the re-run has no output at leaf {leaf}"))?,
    );
    // Every move halves the node twice: a bounded loop (MAX_DEPTH moves and the final step).
    for _ in 0..=(2 * 32 + 2) {
        let g = chain.view(game, ProofGame::getGameCall { disputeId: id })?;
        let phase = Phase::try_from(g.phase).unwrap_or(Phase::__Invalid);
        if matches!(phase, Phase::Settled | Phase::None) {
            return Ok(());
        }
        if chain.block_number() > g.deadline.to::<u64>() {
            // The side to move missed its window: anyone settles.
            send(
                chain,
                n,
                Address::ZERO,
                ProofGame::timeoutCall { disputeId: id },
            )?;
            continue;
        }
        let at = Position {
            levels_left: u32::from(g.levelsLeft),
            index: u64::from(g.chunkIndex),
        };
        let missing = || {
            sides
                .orchestrator
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_else(|| format!("the orchestrator's archive has no leaf {leaf}"))
        };
        match phase {
            Phase::Reveal => {
                let words = theirs.as_ref().ok_or_else(|| anyhow::anyhow!(missing()))?;
                let words = words.reveal(at)?;
                let call = ProofGame::revealCall {
                    disputeId: id,
                    words: words.iter().map(|w| B256::from(*w)).collect(),
                };
                send(chain, n, g.orchestrator, call)?;
            }
            Phase::Pick => {
                let words = n
                    .last_words()
                    .context("a pick is due but no reveal was seen")?
                    .to_vec();
                let pick = ours.pick(at, &words).context(
                    "the challenger's re-run agrees with every revealed word: it has nothing to pick",
                )?;
                let call = ProofGame::pickCall {
                    disputeId: id,
                    words: words.iter().map(|w| B256::from(*w)).collect(),
                    child: U256::from(pick.child),
                    byteIndex: U256::from(pick.byte),
                };
                send(chain, n, g.challenger, call)?;
            }
            Phase::Final => {
                let job = sides
                    .orchestrator
                    .as_ref()
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let element = u64::from(g.chunkIndex) * 32 + u64::from(g.byteIndex);
                let step = job.final_step(&sides.opener, leaf - 1, element)?;
                let call = ProofGame::finishCall {
                    disputeId: id,
                    step: IProofGame::FinalStep {
                        opening: step.opening.into(),
                        rootProofs: step
                            .root_proofs
                            .iter()
                            .map(|p| p.iter().map(|h| B256::from(*h)).collect())
                            .collect(),
                    },
                };
                send(chain, n, g.orchestrator, call)?;
            }
            _ => bail!("the game is in an unknown phase {}", g.phase),
        }
    }
    bail!("the game did not end within the longest game's moves")
}
