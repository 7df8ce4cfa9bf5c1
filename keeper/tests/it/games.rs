//! Keepers play the proof game (issue 19 item 4) on anvil with the real contracts: the
//! challenger keeper takes a spot check from its inbox, re-runs it and opens a game on the first
//! diverging op; the orchestrator's agent keeper answers from its job archive. Liars are played by
//! the test itself with `verifier::game`.

use std::{path::Path, sync::Arc};

use alloy::{
    primitives::{B256, Bytes, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
};
use anyhow::Context;
use bindings::{
    LivepeerToken, ProofGame, RoundsManager,
    enums::{Phase, Status},
    proof_game::{IDisputeManager, IProofGame},
    receipt::{Receipt, dispute_domain},
};
use keeper::{
    Keeper,
    archive::Archive,
    devnet::job::{self, Job},
    metrics::Metrics,
    send,
    spot::{SpotCheck, SpotReceipt},
};
use verifier::{
    ClaimFile, CpuExecutor, Execution,
    game::{JobTensors, Position, TensorTree, depth_of, node_opening, root_proof},
    opening::Opener,
};

use crate::support::*;

/// Blocks per move in these games: a few ticks of both keepers.
const WINDOW: u64 = 12;
const HONEST: usize = 3;
const LIAR: usize = CHALLENGER;

/// A world whose games have a short move window, and a fresh test directory.
pub(crate) async fn game_world(
    name: &str,
) -> anyhow::Result<(keeper::devnet::world::World, std::path::PathBuf)> {
    let world = world(10).await?;
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("content"))?;
    send!(ProofGame::new(world.d.proof_game, world.admin()).setMoveWindow(U256::from(WINDOW)));
    Ok((world, dir))
}

/// `orchestrator` serves `prompt` in the current round (a cheater delivers another picture).
pub(crate) async fn serve(
    world: &keeper::devnet::world::World,
    orchestrator: usize,
    seed: u64,
    cheat: bool,
) -> anyhow::Result<Job> {
    let round: u64 = RoundsManager::new(world.d.rounds, world.admin())
        .currentRound()
        .call()
        .await?
        .to();
    job::serve(
        &world.signer(orchestrator),
        world.address(orchestrator),
        round,
        seed,
        "a red square",
        cheat,
        false,
        world.chain_id,
        world.d.disputes,
    )
}

/// The tensors the orchestrator committed to: the reference run, with the delivered output in
/// place of the output layer's for a cheater.
fn served_tensors(job: &Job) -> JobTensors {
    let t = verifier::demo::committed_tensors(&job.model, &job.input, &job.served).unwrap();
    assert_eq!(B256::from(t.commitment()), job.receipt.commitmentRoot);
    t
}

/// The orchestrator's agent: its key, its archive holding `jobs`, playing games.
pub(crate) async fn agent(
    world: &keeper::devnet::world::World,
    dir: &Path,
    orchestrator: usize,
    jobs: &[&Job],
) -> anyhow::Result<(Keeper, usize)> {
    agent_with(world, dir, orchestrator, jobs, |_| {}).await
}

/// [`agent`], its config changed by `tweak` first.
pub(crate) async fn agent_with(
    world: &keeper::devnet::world::World,
    dir: &Path,
    orchestrator: usize,
    jobs: &[&Job],
    tweak: impl FnOnce(&mut keeper::Config),
) -> anyhow::Result<(Keeper, usize)> {
    let archive = Archive::new(&dir.join("archive"));
    let mut size = 0;
    for job in jobs {
        size = archive
            .write(job.receipt.round.to(), &served_tensors(job))?
            .1;
        archive.write_model(job.receipt.modelId, &job.model_bytes)?;
    }
    let mut config = world.keeper_config(&dir.join(format!("agent{orchestrator}.redb")), None);
    config.rewards.enabled = false;
    config.game.enabled = true;
    config.game.archive = Some(dir.join("archive"));
    tweak(&mut config);
    let k = Keeper::connect(
        world.url(),
        world.signer(orchestrator),
        config,
        Arc::new(Metrics::default()),
    )
    .await?;
    Ok((k, size))
}

/// The challenger keeper (keeper A, funded): jobs from `content`, spot checks from `inbox/`.
pub(crate) fn challenger_config(
    world: &keeper::devnet::world::World,
    dir: &Path,
    store: &str,
) -> keeper::Config {
    let mut config = world.keeper_config(&dir.join(store), Some(&dir.join("content")));
    config.verifier.enabled = false;
    config.rewards.enabled = false;
    config.game.enabled = true;
    config.game.inbox = Some(dir.join("inbox"));
    config
}

pub(crate) async fn challenger(
    world: &keeper::devnet::world::World,
    dir: &Path,
) -> anyhow::Result<Keeper> {
    world.fund(world.address(KEEPER_A), 1_000).await?;
    Ok(Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        challenger_config(world, dir, "challenger.redb"),
        Arc::new(Metrics::default()),
    )
    .await?)
}

/// Publishes the job for the challenger and drops its spot check in the inbox.
pub(crate) fn drop_spot_check(dir: &Path, job: &Job) -> anyhow::Result<()> {
    job.publish(&dir.join("content"))?;
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox)?;
    let check = SpotCheck {
        receipt: SpotReceipt::from(&job.receipt),
        signature: job.signature.clone(),
        output: None,
    };
    std::fs::write(
        inbox.join(format!("{}.json", job.receipt.jobId)),
        serde_json::to_vec(&check)?,
    )?;
    Ok(())
}

pub(crate) async fn dispute_count(world: &keeper::devnet::world::World) -> anyhow::Result<U256> {
    Ok(
        bindings::DisputeManager::new(world.d.disputes, world.admin())
            .disputeCount()
            .call()
            .await?,
    )
}

pub(crate) async fn game(
    world: &keeper::devnet::world::World,
    id: U256,
) -> anyhow::Result<IProofGame::Game> {
    Ok(ProofGame::new(world.d.proof_game, world.admin())
        .getGame(id)
        .call()
        .await?)
}

pub(crate) fn phase(g: &IProofGame::Game) -> Phase {
    Phase::try_from(g.phase).unwrap_or(Phase::None)
}

/// Mines until the head is `block`.
pub(crate) async fn mine_to(world: &keeper::devnet::world::World, block: u64) {
    let head = world.admin().get_block_number().await.unwrap();
    assert!(head <= block, "head {head} already past {block}");
    world.mine(block - head).await.unwrap();
}

/// Ticks `keepers` in turn until dispute `id` is no longer open (at most `rounds` turns each);
/// returns the moves mined: (kind, gas).
async fn play_out(
    world: &keeper::devnet::world::World,
    keepers: &mut [&mut Keeper],
    id: U256,
    rounds: usize,
) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let mut moves = Vec::new();
    for _ in 0..rounds {
        for k in keepers.iter_mut() {
            let r = k.tick().await?;
            moves.extend(r.games.moves.iter().map(|m| (m.1, m.2)));
        }
        if status(world, id).await? != Status::Open {
            return Ok(moves);
        }
    }
    anyhow::bail!("dispute {id} still open after {rounds} turns; moves {moves:?}")
}

#[tokio::test]
async fn a_cheating_orchestrator_loses_the_game_to_the_challenger_keeper_and_is_slashed() {
    let (world, dir) = game_world("game-cheater").await.unwrap();
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    let mut a = challenger(&world, &dir).await.unwrap();
    let (mut o, archive_bytes) = agent(&world, &dir, CHEATER, &[&cheat]).await.unwrap();
    drop_spot_check(&dir, &cheat).unwrap();

    let opened = a.tick().await.unwrap();
    let spot = &opened.games.spot.opened;
    assert_eq!(spot.len(), 1);
    assert_eq!((spot[0].0, spot[0].1), (cheat.receipt.jobId, "game"));
    assert!(dir.join("inbox/done").read_dir().unwrap().next().is_some());
    let id = dispute_count(&world).await.unwrap();
    let g = game(&world, id).await.unwrap();
    assert_eq!(g.challenger, a.address());
    assert_eq!(phase(&g), Phase::Reveal);
    let moves = play_out(&world, &mut [&mut o, &mut a], id, 30)
        .await
        .unwrap();
    assert_eq!(status(&world, id).await.unwrap(), Status::Guilty);
    assert_eq!(
        moves.last().unwrap().0,
        "finish",
        "decided by the recomputation: {moves:?}"
    );
    eprintln!(
        "game: layer {}, depth {}, open {} gas, moves {moves:?}, archive {archive_bytes} bytes per job",
        g.layer, g.depth, spot[0].2
    );
    // 2 moves per two levels, then the final step.
    assert_eq!(moves.len(), 2 * (g.depth as usize).div_ceil(2) + 1);
    let picks = (g.depth as usize).div_ceil(2);
    assert!(
        a.metrics
            .render()
            .contains(&format!("keeper_game_moves_total {picks}\n")),
        "the challenger's moves are counted"
    );
    assert!(
        moves
            .iter()
            .filter(|m| m.0 != "finish")
            .all(|m| m.1 <= 60_000),
        "{moves:?}"
    );

    // After the veto window the challenger keeper's dispute duties execute the slash.
    for _ in 0..world.config.disputes.vetoWindow.to::<u64>() + 2 {
        world.mine_to_next_round().await.unwrap();
        a.tick().await.unwrap();
        if status(&world, id).await.unwrap() == Status::Executed {
            break;
        }
    }
    assert_eq!(status(&world, id).await.unwrap(), Status::Executed);
    assert!(
        a.store.games().unwrap().is_empty(),
        "the game is forgotten once over"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The liar's side: opens a game on `job` naming op `layer` with a made-up reference root.
async fn lie(
    world: &keeper::devnet::world::World,
    job: &Job,
    layer: usize,
) -> anyhow::Result<U256> {
    let t = served_tensors(job);
    let opener = Opener::new(&job.model);
    let w = world.wallet(LIAR);
    world.fund(world.address(LIAR), 1_000).await?;
    send!(LivepeerToken::new(world.d.token, &w).approve(world.d.disputes, U256::MAX));
    let record = opener.record(layer).context("no such op")?;
    let opening = IProofGame::Opening {
        receipt: IDisputeManager::Receipt {
            orchestrator: job.receipt.orchestrator,
            jobId: job.receipt.jobId,
            modelId: job.receipt.modelId,
            inputHash: job.receipt.inputHash,
            paramsHash: job.receipt.paramsHash,
            outputHash: job.receipt.outputHash,
            commitmentRoot: job.receipt.commitmentRoot,
            round: job.receipt.round,
        },
        signature: job.signature.clone(),
        layer: layer as u32,
        depth: depth_of(record.out_length) as u8,
        claimedRoot: t.roots()[layer + 1].into(),
        proof: root_proof(t.roots(), layer + 1)
            .unwrap()
            .into_iter()
            .map(B256::from)
            .collect(),
        referenceRoot: B256::repeat_byte(0x11),
        nodeOpening: node_opening(&opener, layer, &t.tensors())?.into(),
    };
    send!(ProofGame::new(world.d.proof_game, &w).open(opening));
    dispute_count(world).await
}

/// The liar picks the first word and byte of whatever is revealed (the words taken from the
/// honest tree, which the contract checks they are).
async fn liar_picks(
    world: &keeper::devnet::world::World,
    id: U256,
    tree: &TensorTree,
) -> anyhow::Result<bool> {
    let g = game(world, id).await?;
    if phase(&g) != Phase::Pick {
        return Ok(false);
    }
    let at = Position {
        levels_left: u32::from(g.levelsLeft),
        index: u64::from(g.chunkIndex),
    };
    let words = tree.reveal(at)?.into_iter().map(B256::from).collect();
    let pg = ProofGame::new(world.d.proof_game, world.wallet(LIAR));
    send!(pg.pick(id, words, U256::ZERO, U256::ZERO));
    Ok(true)
}

#[tokio::test]
async fn an_honest_orchestrators_agent_beats_a_lying_challenger_and_one_gone_silent() {
    let (world, dir) = game_world("game-honest").await.unwrap();
    let played = serve(&world, HONEST, 1, false).await.unwrap();
    let silent = serve(&world, HONEST, 2, false).await.unwrap();
    let (mut o, _) = agent(&world, &dir, HONEST, &[&played, &silent])
        .await
        .unwrap();
    let layers = played.model.layers().len();
    let last = layers - 1;
    let tree = TensorTree::new(served_tensors(&played).tensor(last + 1).unwrap());

    // A liar that plays every pick loses on the recomputation.
    let id = lie(&world, &played, last).await.unwrap();
    let mut picks = 0;
    for _ in 0..30 {
        o.tick().await.unwrap();
        if liar_picks(&world, id, &tree).await.unwrap() {
            picks += 1;
        }
        if status(&world, id).await.unwrap() != Status::Open {
            break;
        }
    }
    assert_eq!(status(&world, id).await.unwrap(), Status::Innocent);
    assert_eq!(picks, (tree.depth() as usize).div_ceil(2));

    // A liar that goes silent after opening loses by timeout, called by the agent.
    let id = lie(&world, &silent, 0).await.unwrap();
    let r = o.tick().await.unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["reveal"]
    );
    world.mine(WINDOW + 1).await.unwrap();
    let r = o.tick().await.unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["timeout"]
    );
    assert_eq!(status(&world, id).await.unwrap(), Status::Innocent);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_silent_orchestrator_loses_by_timeout_and_honest_receipts_are_left_alone() {
    let (world, dir) = game_world("game-silent").await.unwrap();
    let mut a = challenger(&world, &dir).await.unwrap();
    // An honest receipt in the inbox: re-run, found right, nothing sent.
    let honest = serve(&world, HONEST, 1, false).await.unwrap();
    drop_spot_check(&dir, &honest).unwrap();
    let before = dispute_count(&world).await.unwrap();
    let r = a.tick().await.unwrap();
    assert_eq!(r.games.spot.honest, vec![honest.receipt.jobId]);
    assert!(r.games.spot.opened.is_empty());
    assert_eq!(
        dispute_count(&world).await.unwrap(),
        before,
        "no dispute on an honest receipt"
    );
    assert!(
        dir.join("inbox/honest")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );

    // A cheater with no agent: the challenger opens, waits the window out and calls timeout.
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    a.tick().await.unwrap();
    let id = dispute_count(&world).await.unwrap();
    let g = game(&world, id).await.unwrap();
    assert_eq!(phase(&g), Phase::Reveal);
    // (A tick in the window's last blocks may initialize a new round first: a block of its own.)
    let deadline: u64 = g.deadline.to();
    mine_to(&world, deadline - 1).await;
    a.tick().await.unwrap();
    mine_to(&world, deadline).await;
    let r = a.tick().await.unwrap();
    assert!(r.games.moves.is_empty(), "the window is still open: {r:?}");
    world.mine(1).await.unwrap();
    let r = a.tick().await.unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["timeout"]
    );
    assert_eq!(status(&world, id).await.unwrap(), Status::Guilty);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_restarted_challenger_and_reorgs_of_the_opening_and_mid_game_still_end_guilty() {
    let (world, dir) = game_world("game-restart").await.unwrap();
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    let mut a = challenger(&world, &dir).await.unwrap();
    let (mut o, _) = agent(&world, &dir, CHEATER, &[&cheat]).await.unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    let p = world.admin();

    // A reorg drops the opening: the spot check goes back to the inbox and is opened again.
    let before_open = p.anvil_snapshot().await.unwrap();
    let r = a.tick().await.unwrap();
    assert_eq!(r.games.spot.opened.len(), 1);
    p.anvil_revert(before_open).await.unwrap();
    world.mine(1).await.unwrap();
    assert_eq!(dispute_count(&world).await.unwrap(), U256::ZERO);
    let r = a.tick().await.unwrap();
    assert_eq!(r.games.spot.reopened.len(), 1, "{r:?}");
    assert_eq!(r.games.spot.opened.len(), 1, "opened again: {r:?}");
    let id = dispute_count(&world).await.unwrap();
    assert_eq!(id, U256::from(1));

    // Two moves, then the challenger keeper stops; a new one on the same store takes over.
    o.tick().await.unwrap();
    let r = a.tick().await.unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["pick"]
    );
    // The next tick finds nothing new to read (the dispute was first seen above).
    assert!(a.tick().await.unwrap().games.moves.is_empty());
    assert_eq!(
        a.blocks_until_work(),
        Some(1),
        "a game in progress: the daemon wakes every block"
    );
    drop(a);
    let mut a = Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        challenger_config(&world, &dir, "challenger.redb"),
        Arc::new(Metrics::default()),
    )
    .await
    .unwrap();
    assert_eq!(
        a.store.games().unwrap().len(),
        1,
        "the game is in the store"
    );

    // A reorg drops the next reveal and pick: both keepers see the head go back, re-read the
    // game and make those moves again.
    let snapshot = p.anvil_snapshot().await.unwrap();
    let g0 = game(&world, id).await.unwrap();
    o.tick().await.unwrap();
    a.tick().await.unwrap();
    assert_ne!(game(&world, id).await.unwrap().levelsLeft, g0.levelsLeft);
    p.anvil_revert(snapshot).await.unwrap();
    assert_eq!(game(&world, id).await.unwrap().levelsLeft, g0.levelsLeft);
    // The chain goes on on the new branch.
    world.mine(1).await.unwrap();
    let moves = play_out(&world, &mut [&mut o, &mut a], id, 30)
        .await
        .unwrap();
    assert_eq!(moves.first().map(|m| m.0), Some("reveal"), "{moves:?}");
    assert_eq!(status(&world, id).await.unwrap(), Status::Guilty);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_agent_with_a_wrong_archive_never_reveals_and_a_wrong_proof_game_is_refused() {
    let (world, dir) = game_world("game-wrong-archive").await.unwrap();
    let honest = serve(&world, HONEST, 1, false).await.unwrap();
    // The agent's archive holds tensors under this job's name that are not the committed ones
    // (one byte off): it must not answer from them.
    let (mut o, _) = agent(&world, &dir, HONEST, &[]).await.unwrap();
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let mut bytes = served_tensors(&honest).to_archive();
    let at = bytes.len() - 100;
    bytes[at] ^= 1;
    std::fs::write(
        archive.join(format!("r1-{}.job", honest.receipt.commitmentRoot)),
        bytes,
    )
    .unwrap();
    let id = lie(&world, &honest, 0).await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    for _ in 0..3 {
        let r = o.tick().await.unwrap();
        assert!(r.games.moves.is_empty(), "{r:?}");
    }
    assert_eq!(
        txs_to(&world, o.address(), world.d.proof_game, start)
            .await
            .unwrap(),
        0,
        "no move sent"
    );
    assert_eq!(phase(&game(&world, id).await.unwrap()), Phase::Reveal);

    // A ProofGame address that is not the DisputeManager's is a startup error.
    let mut config = challenger_config(&world, &dir, "wrong.redb");
    config.contracts.proof_game = Some(world.d.token);
    let err = Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("contracts.proof_game"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn broken_input_and_output_links_are_proved_in_one_call_and_the_rest_goes_to_the_committee() {
    let (world, dir) = game_world("game-links").await.unwrap();
    let mut a = challenger(&world, &dir).await.unwrap();
    let content = dir.join("content");
    let domain = dispute_domain(world.chain_id, world.d.disputes);
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let drop = |receipt: &Receipt, signature: Bytes, output: Option<Bytes>| {
        let check = SpotCheck {
            receipt: SpotReceipt::from(receipt),
            signature,
            output,
        };
        std::fs::write(
            inbox.join(format!("{}.json", receipt.jobId)),
            serde_json::to_vec(&check).unwrap(),
        )
        .unwrap();
    };

    // Orchestrator 3 committed a run on another input than the one it signed.
    let job = serve(&world, HONEST, 1, false).await.unwrap();
    job.publish(&content).unwrap();
    let outputs = CpuExecutor.layer_outputs(&job.model, &job.input).unwrap();
    let other = verifier::demo::job_input(verifier::demo::DEMO_PROMPT).unwrap();
    let exec = Execution::new(&job.model, &other, &outputs);
    let mut wrong_input = job.receipt.clone();
    wrong_input.jobId = keccak256("wrong input");
    wrong_input.commitmentRoot = B256::from(exec.commitment);
    std::fs::write(
        content.join(format!("{}", wrong_input.commitmentRoot)),
        serde_json::to_vec(&ClaimFile::new(&job.model, &job.input, &exec)).unwrap(),
    )
    .unwrap();
    let signature = wrong_input.sign(&world.signer(HONEST), &domain).unwrap();
    drop(&wrong_input, signature, None);

    // Orchestrator 4 committed the right run but signed (and delivered) another output.
    let job = serve(&world, ORCHESTRATORS[1], 1, false).await.unwrap();
    job.publish(&content).unwrap();
    let mut delivered: Vec<u8> = job.served.output.data.iter().map(|&v| v as u8).collect();
    delivered[5] ^= 0x10;
    let mut wrong_output = job.receipt.clone();
    wrong_output.outputHash = keccak256(&delivered);
    let signature = wrong_output
        .sign(&world.signer(ORCHESTRATORS[1]), &domain)
        .unwrap();
    drop(&wrong_output, signature, Some(delivered.into()));

    // The cheater published no layer list: the first diverging op cannot be located, so the
    // committee decides.
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    std::fs::remove_file(content.join(format!("{}", cheat.receipt.commitmentRoot))).unwrap();

    let before = dispute_count(&world).await.unwrap();
    let r = a.tick().await.unwrap();
    let mut kinds: Vec<&str> = r.games.spot.opened.iter().map(|o| o.1).collect();
    kinds.sort();
    assert_eq!(kinds, ["committee", "input_root", "output_root"], "{r:?}");
    // (The files are taken in name order: find each dispute by its orchestrator.)
    let dm = bindings::DisputeManager::new(world.d.disputes, world.admin());
    for id in 1..=3u64 {
        let id = before + U256::from(id);
        let d = dm.getDispute(id).call().await.unwrap();
        let committee = d.orchestrator == world.address(CHEATER);
        assert_eq!(d.byProof, !committee, "dispute {id}");
        let expected = if committee {
            Status::Open
        } else {
            Status::Guilty
        };
        assert_eq!(status(&world, id).await.unwrap(), expected, "dispute {id}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
