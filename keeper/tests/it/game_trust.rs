//! The challenger keeper's intake under hostile or slow input (issue 20's keeper-trust rules): a
//! spot check's re-run runs in the judges' pool, so duties and game moves go on while it hangs;
//! hostile inbox files are refused (moved to `refused/`, with the reason logged and reported)
//! before anything big is read, a bounded number per tick; so is the agent's archive.

use std::{path::Path, sync::Arc, time::Duration};

use alloy::primitives::Bytes;
use bindings::enums::Phase;
use keeper::{
    Keeper,
    devnet::job,
    metrics::Metrics,
    spot::{SpotCheck, SpotReceipt},
};

use crate::{
    games::{
        agent, agent_with, challenger_config, drop_spot_check, game, game_world, mine_to, phase,
        serve,
    },
    support::*,
};

/// The challenger keeper with rewards on (it is keeper A, funded).
async fn rewarding_challenger(
    world: &keeper::devnet::world::World,
    dir: &Path,
) -> anyhow::Result<Keeper> {
    world.fund(world.address(KEEPER_A), 1_000).await?;
    let mut config = challenger_config(world, dir, "challenger.redb");
    config.rewards.enabled = true;
    config.verifier.judge_wait_ms = 200;
    config.verifier.fetch_connect_timeout_secs = 1;
    config.verifier.fetch_timeout_secs = 3;
    Ok(Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        config,
        Arc::new(Metrics::default()),
    )
    .await?)
}

#[tokio::test]
async fn duties_go_on_while_a_spot_check_re_run_hangs() {
    let (world, dir) = game_world("game-slow-spot").await.unwrap();
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    let mut a = rewarding_challenger(&world, &dir).await.unwrap();
    let (mut o, _) = agent(&world, &dir, CHEATER, &[&cheat]).await.unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    // The re-run may take a few ticks of `judge_wait_ms` (200 ms) each.
    let mut opened = 0;
    for _ in 0..100 {
        opened += a.tick().await.unwrap().games.spot.opened.len();
        if opened > 0 {
            break;
        }
    }
    assert_eq!(opened, 1);

    // From now on the content source hangs: one new spot check (the same input, so its re-run
    // is at hand) waits for its layer list, another (a new prompt) for its input.
    a.source = Some(content::Source::parse(&crate::trust::hanging_server().await).unwrap());
    for (name, prompt) in [
        ("slow-list", "a red square"),
        ("slow-input", "a blue circle"),
    ] {
        let honest = job::serve(
            &world.signer(ORCHESTRATORS[0]),
            world.address(ORCHESTRATORS[0]),
            cheat.receipt.round.to(),
            2,
            prompt,
            false,
            false,
            world.chain_id,
            world.d.disputes,
        )
        .unwrap();
        let check = SpotCheck {
            receipt: SpotReceipt::from(&honest.receipt),
            signature: honest.signature.clone(),
            output: None,
        };
        let path = dir.join(format!("inbox/{name}.json"));
        std::fs::write(path, serde_json::to_vec(&check).unwrap()).unwrap();
    }

    o.tick().await.unwrap();
    let id = crate::games::dispute_count(&world).await.unwrap();
    assert_eq!(phase(&game(&world, id).await.unwrap()), Phase::Pick);
    // A deadline, not a speed check: a tick awaiting the hanging re-run would take the fetch's
    // whole timeout (3 s), or never end.
    let r = tokio::time::timeout(Duration::from_secs(2), a.tick())
        .await
        .expect("a tick never waits out a spot check's re-run")
        .unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["pick"],
        "{r:?}"
    );
    assert!(r.games.spot.opened.is_empty() && r.games.spot.honest.is_empty());
    assert_eq!(a.players.rerunning(), 2, "both in the judges' pool");
    assert_eq!(a.blocks_until_work(), None, "watched every interval");
    // The operator sees the game and the waiting spot checks.
    let (games, spots) = keeper::games::views(&a);
    assert_eq!(games.len(), 1, "{games:?}");
    let g = &games[0];
    assert_eq!(
        (g.role.as_str(), g.phase.as_str()),
        ("challenger", "Reveal")
    );
    assert_eq!((g.moves, g.to_move.as_deref()), (1, Some("agent")));
    let head = a.gate.head.unwrap();
    assert!(!g.this_keeper_to_move && g.deadline_block > head, "{g:?}");
    let waiting: Vec<(&str, &str)> = spots
        .iter()
        .map(|s| (s.file.as_str(), s.state.as_str()))
        .collect();
    assert_eq!(
        waiting,
        [
            ("slow-input.json", "the job is being re-run"),
            ("slow-list.json", "fetching the published layer list")
        ]
    );

    world.mine_to_next_round().await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(2), a.tick())
        .await
        .expect("a tick never waits out a spot check's re-run")
        .unwrap();
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    for name in ["slow-list", "slow-input"] {
        let path = dir.join(format!("inbox/{name}.json"));
        assert!(path.exists(), "the spot check waits: {:?}", r.games.spot);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn hostile_inbox_and_archive_files_are_refused_unread_and_the_real_spot_check_is_taken() {
    let (world, dir) = game_world("game-hostile-inbox").await.unwrap();
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    world.fund(world.address(KEEPER_A), 1_000).await.unwrap();
    let mut config = challenger_config(&world, &dir, "challenger.redb");
    config.game.spot_max_bytes = 4096;
    config.game.spots_per_tick = 8;
    let mut a = Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    let inbox = dir.join("inbox");
    let check = |job: &job::Job, signature: Bytes| {
        serde_json::to_vec(&SpotCheck {
            receipt: SpotReceipt::from(&job.receipt),
            signature,
            output: None,
        })
        .unwrap()
    };
    let write = |name: &str, bytes: &[u8]| std::fs::write(inbox.join(name), bytes).unwrap();
    write("huge.json", &vec![b' '; 1 << 20]);
    write("garbage.json", b"\x00not json");
    std::fs::create_dir(inbox.join("dir.json")).unwrap();
    write("elsewhere", &check(&cheat, cheat.signature.clone()));
    std::os::unix::fs::symlink(inbox.join("elsewhere"), inbox.join("link.json")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(inbox.join("fifo.json"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut bad = cheat.signature.to_vec();
    bad[10] ^= 1;
    write("bad-signature.json", &check(&cheat, bad.into()));
    // The same receipt signed for another chain's DisputeManager.
    let other = job::serve(
        &world.signer(CHEATER),
        world.address(CHEATER),
        cheat.receipt.round.to(),
        1,
        "a red square",
        true,
        false,
        world.chain_id + 1,
        world.d.disputes,
    )
    .unwrap();
    write("other-chain.json", &check(&other, other.signature.clone()));
    for i in 0..30 {
        write(&format!("junk-{i:02}.json"), b"{}");
    }
    let hostile = 37;

    let mut refused = Vec::new();
    let mut opened = Vec::new();
    // No block is mined: a backlog keeps the keeper ticking (not idle) until it is taken.
    for _ in 0..10 {
        let r = tokio::time::timeout(Duration::from_secs(2), a.tick())
            .await
            .expect("no file stalls a tick")
            .unwrap();
        let taken = r.games.spot.refused.len() + r.games.spot.opened.len();
        assert!(taken <= 8, "a batch per tick: {r:?}");
        refused.extend(r.games.spot.refused);
        opened.extend(r.games.spot.opened);
        if !opened.is_empty() && refused.len() == hostile {
            break;
        }
    }
    assert_eq!(opened.len(), 1, "the real spot check is taken: {opened:?}");
    assert_eq!(refused.len(), hostile, "{refused:?}");
    let why = |name: &str| {
        refused
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n == name))
            .map(|(_, why)| why.clone())
            .unwrap_or_else(|| panic!("{name} not refused: {refused:?}"))
    };
    assert!(why("huge.json").contains("over the 4096-byte cap"));
    assert!(why("garbage.json").contains("not a spot check"));
    assert!(why("dir.json").contains("directory"));
    assert!(why("link.json").contains("symlink"));
    assert!(why("fifo.json").contains("special file"));
    let bad = why("bad-signature.json");
    assert!(
        bad.contains("signed by") || bad.contains("bad signature"),
        "{bad}"
    );
    assert!(why("other-chain.json").contains("another chain"));
    let moved = std::fs::read_dir(inbox.join("refused")).unwrap().count();
    assert_eq!(moved, hostile);
    assert!(
        inbox.join("elsewhere").exists(),
        "a symlink's target is untouched"
    );

    // The orchestrator's agent whose archived job is over the size cap (or not a file): it reads
    // nothing, logs that it cannot answer, and ticks on.
    let (mut o, _) = agent_with(&world, &dir, CHEATER, &[&cheat], |c| {
        c.verifier.max_object_mib = 1
    })
    .await
    .unwrap();
    let job = std::fs::read_dir(dir.join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "job"))
        .unwrap();
    std::fs::write(&job, vec![0u8; 2 << 20]).unwrap();
    let r = o.tick().await.unwrap();
    assert!(r.games.moves.is_empty(), "{r:?}");
    std::fs::remove_file(&job).unwrap();
    std::fs::create_dir(&job).unwrap();
    world.mine(1).await.unwrap();
    let r = o.tick().await.unwrap();
    assert!(r.games.moves.is_empty(), "{r:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn moves_mine_by_the_deadline_block_never_after_and_a_timeout_comes_at_deadline_plus_one() {
    let (world, dir) = game_world("game-deadline-edge").await.unwrap();
    let cheat = serve(&world, CHEATER, 1, true).await.unwrap();
    world.fund(world.address(KEEPER_A), 1_000).await.unwrap();
    // Neither keeper initializes a round (a block of its own in the middle of a window).
    let quiet = |c: &mut keeper::Config| c.rewards.act_after_blocks = 1_000;
    let mut config = challenger_config(&world, &dir, "challenger.redb");
    quiet(&mut config);
    let mut a = Keeper::connect(
        world.url(),
        world.signer(KEEPER_A),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .unwrap();
    let (mut o, _) = agent_with(&world, &dir, CHEATER, &[&cheat], quiet)
        .await
        .unwrap();
    drop_spot_check(&dir, &cheat).unwrap();
    assert_eq!(a.tick().await.unwrap().games.spot.opened.len(), 1);
    let id = crate::games::dispute_count(&world).await.unwrap();

    // At head deadline - 1 the reveal is sent: it mines in the deadline block itself.
    let deadline: u64 = game(&world, id).await.unwrap().deadline.to();
    mine_to(&world, deadline - 1).await;
    let r = o.tick().await.unwrap();
    assert!(!r.rounds.initialized, "{r:?}");
    assert_eq!(r.games.moves.len(), 1, "{r:?}");
    let g = game(&world, id).await.unwrap();
    assert_eq!(
        phase(&g),
        Phase::Pick,
        "the reveal mined at block {deadline}"
    );

    // At head == the pick's deadline no pick is sent (it would mine after the window), and no
    // timeout either: it is sent once the head is past the deadline.
    let deadline: u64 = g.deadline.to();
    mine_to(&world, deadline).await;
    let r = a.tick().await.unwrap();
    assert!(
        r.games.moves.is_empty(),
        "no move in the window's last block: {r:?}"
    );
    let r = o.tick().await.unwrap();
    assert!(
        r.games.moves.is_empty(),
        "no timeout before deadline + 1: {r:?}"
    );

    // At head deadline + 1 the agent times the silent challenger out.
    world.mine(1).await.unwrap();
    let r = a.tick().await.unwrap();
    assert!(
        r.games.moves.is_empty(),
        "the challenger's window passed: {r:?}"
    );
    let r = o.tick().await.unwrap();
    assert_eq!(
        r.games.moves.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["timeout"]
    );
    assert_eq!(
        crate::support::status(&world, id).await.unwrap(),
        bindings::enums::Status::Innocent
    );
    std::fs::remove_dir_all(dir).unwrap();
}
