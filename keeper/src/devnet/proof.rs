//! The story's dispute, decided by the proof game (docs/proof-game.md): the gateway drops carol's
//! receipt in keeper a's spot-check inbox; keeper a re-runs the job and opens a game on the first
//! op whose root differs; carol's agent (a keeper with her key) answers every reveal from her job
//! archive; the chain recomputes one byte. Each move is told from the chain's record (the
//! simulator's narrator: the game's events and their transactions' gas).

use std::{path::Path, sync::Arc};

use alloy::{primitives::U256, providers::Provider};
use anyhow::Context;
use bindings::{DisputeManager, RoundsManager, enums::Status};

use super::{job::Job, story::Cast, world::World};
use crate::{
    Keeper,
    archive::Archive,
    metrics::Metrics,
    spot::{SpotCheck, SpotReceipt},
};

/// Turns of both sides before a game that has not ended is an error: a game on the demo model
/// is a dozen moves.
const MAX_TURNS: usize = 40;

/// Carol's agent: her key, her job archive (every tensor her receipt commits to) and the model,
/// playing the games against her. Returns the agent and the archive file's size.
pub async fn agent(
    world: &World,
    out: &Path,
    account: usize,
    job: &Job,
) -> anyhow::Result<(Keeper, std::path::PathBuf, usize)> {
    let dir = out.join("carol-agent");
    let _ = std::fs::remove_dir_all(&dir);
    let archive = Archive::new(&dir);
    let tensors = verifier::demo::committed_tensors(&job.model, &job.input, &job.served)?;
    let (path, size) = archive.write(job.receipt.round.to(), &tensors)?;
    archive.write_model(job.receipt.modelId, &job.model_bytes)?;
    let mut config = world.keeper_config(&out.join("carol-agent.redb"), None);
    let _ = std::fs::remove_file(&config.keeper.store);
    config.rewards.enabled = false;
    config.game.enabled = true;
    config.game.archive = Some(dir);
    let keeper = Keeper::connect(
        world.url(),
        world.signer(account),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((keeper, path, size))
}

/// The gateway hands `job`'s signed receipt to the challenger keeper for a spot check.
pub fn drop_spot_check(inbox: &Path, job: &Job) -> anyhow::Result<()> {
    std::fs::create_dir_all(inbox).with_context(|| format!("creating {}", inbox.display()))?;
    let check = SpotCheck {
        receipt: SpotReceipt::from(&job.receipt),
        signature: job.signature.clone(),
        // The picture the gateway was delivered.
        output: Some(
            job.served
                .output
                .data
                .iter()
                .map(|&v| v as u8)
                .collect::<Vec<u8>>()
                .into(),
        ),
    };
    let path = inbox.join(format!("{}.json", job.receipt.jobId));
    std::fs::write(&path, serde_json::to_vec_pretty(&check)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// What the game came to.
pub struct Played {
    pub id: U256,
    pub status: Status,
    pub veto_end_round: u32,
}

/// Keeper a (`cast.keepers[0]`) takes the spot check and opens the game; then carol's `agent`
/// and keeper a move in turn until the dispute is decided. Prints each move.
pub async fn play(cast: &mut Cast, agent: &mut Keeper, job: &Job) -> anyhow::Result<Played> {
    let d = cast.world.d;
    let from = cast.world.admin().get_block_number().await?;
    let opened = cast.keepers[0].tick().await?;
    let Some((_, kind, _)) = opened.games.spot.opened.first() else {
        anyhow::bail!(
            "keeper a opened nothing on carol's spot check ({} refused: {:?})",
            opened.games.spot.refused.len(),
            opened.games.spot.refused
        );
    };
    anyhow::ensure!(
        *kind == "game",
        "keeper a opened a {kind} dispute, not a game"
    );
    let disputes = DisputeManager::new(d.disputes, cast.world.admin());
    let id = disputes.disputeCount().call().await?;
    let mut turns = 0;
    while Status::of(disputes.getDispute(id).call().await?.status) == Status::Open {
        turns += 1;
        anyhow::ensure!(
            turns <= MAX_TURNS,
            "dispute {id}'s game not over after {MAX_TURNS} turns"
        );
        agent.tick().await?;
        cast.keepers[0].tick().await?;
    }
    let to = cast.world.admin().get_block_number().await?;
    let narrator = sim::game::recorded(
        &cast.world.admin(),
        d.proof_game,
        id,
        (from, to),
        Some(&job.model),
        "carol",
    )
    .await?
    .context("no GameOpened event for the dispute keeper a opened")?;
    let game = &narrator.replay;
    let name = |by: &str| match by {
        "orchestrator" => "carol",
        "challenger" => "keeper a",
        _ => "anyone",
    };
    for (i, m) in game.moves.iter().enumerate() {
        let gas = thousands(m.gas);
        match m.what.strip_prefix("final step: ") {
            Some(what) => println!(
                "  final step (move {}, sent by {}): {what} ({gas} gas)",
                i + 1,
                name(m.by)
            ),
            None => println!("  move {}: {} {} ({gas} gas)", i + 1, name(m.by), m.what),
        }
    }
    let dispute = disputes.getDispute(id).call().await?;
    let status = Status::of(dispute.status);
    let blocks = |i: usize| game.moves.get(i).and_then(|m| m.block).unwrap_or_default();
    let round = RoundsManager::new(d.rounds, cast.world.admin())
        .currentRound()
        .call()
        .await?;
    println!(
        "  dispute {id}: {} by proof after {} moves in {} blocks of round {round} ({} turns of each side), {} gas in all; the veto window ends at round {}",
        status.name(),
        game.moves.len(),
        blocks(game.moves.len() - 1) - blocks(0) + 1,
        turns,
        thousands(game.gas()),
        dispute.vetoEndRound
    );
    Ok(Played {
        id,
        status,
        veto_end_round: dispute.vetoEndRound,
    })
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
