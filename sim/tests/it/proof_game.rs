//! `sim dispute` on a proof dispute, against anvil: a cheater's receipt is challenged by a proof
//! game; after the opening and one bisection step on anvil the simulator shows those moves as
//! recorded and plays the rest on its fork (guilty by the recomputed byte, then the slash). The
//! rest is then played on anvil: every move and its gas is what the simulator played, and the
//! slash's effect on every account is what it predicted.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
};
use bindings::{
    BondingManager, DeployConfig, DisputeManager, LPT, LivepeerToken, ProofGame, RoundsManager,
    deploy,
    enums::Phase,
    no_hints,
    proof_game::IProofGame,
    receipt::{Receipt, dispute_domain},
};
use testkit::{next_round, send, signer, spawn_anvil, temp_dir, wallet};
use verifier::{
    CpuExecutor, Model, demo,
    game::{JobTensors, Position, TensorTree, depth_of, node_opening},
    opening::Opener,
};

/// The two sides' data and the game's place.
struct Sides {
    claimed: JobTensors,
    reference: JobTensors,
    opener: Opener,
    layer: usize,
}

/// Makes the next move of game `id` on anvil, each side from its own data; `true` once settled.
async fn next_move(
    game: Address,
    id: U256,
    orchestrator: &impl Provider,
    challenger: &impl Provider,
    s: &Sides,
) -> bool {
    let g = ProofGame::new(game, orchestrator)
        .getGame(id)
        .call()
        .await
        .unwrap();
    let at = Position {
        levels_left: u32::from(g.levelsLeft),
        index: u64::from(g.chunkIndex),
    };
    let theirs = TensorTree::new(s.claimed.tensor(s.layer + 1).unwrap());
    let words = || -> Vec<B256> {
        theirs
            .reveal(at)
            .unwrap()
            .into_iter()
            .map(B256::from)
            .collect()
    };
    match Phase::try_from(g.phase).unwrap() {
        Phase::Reveal => {
            send!(ProofGame::new(game, orchestrator).reveal(id, words()));
        }
        Phase::Pick => {
            let revealed = theirs.reveal(at).unwrap();
            let ours = TensorTree::new(s.reference.tensor(s.layer + 1).unwrap());
            let pick = ours.pick(at, &revealed).unwrap();
            send!(ProofGame::new(game, challenger).pick(
                id,
                words(),
                U256::from(pick.child),
                U256::from(pick.byte)
            ));
        }
        Phase::Final => {
            let element = u64::from(g.chunkIndex) * 32 + u64::from(g.byteIndex);
            let step = s.claimed.final_step(&s.opener, s.layer, element).unwrap();
            send!(
                ProofGame::new(game, orchestrator).finish(
                    id,
                    IProofGame::FinalStep {
                        opening: step.opening.into(),
                        rootProofs: step
                            .root_proofs
                            .iter()
                            .map(|p| p.iter().map(|h| B256::from(*h)).collect())
                            .collect(),
                    }
                )
            );
        }
        _ => return true,
    }
    false
}

#[tokio::test]
async fn a_proof_game_is_replayed_and_played_out() {
    let anvil = spawn_anvil();
    let admin = wallet(&anvil, 0);
    let admin_address = anvil.addresses()[0];
    let config = DeployConfig {
        roundLength: U256::from(20),
        handOverToGovernance: false,
        ..DeployConfig::defaults(&admin, admin_address).await.unwrap()
    };
    let d = deploy(&admin, &config).await.expect("deploy");
    let token = LivepeerToken::new(d.token, &admin);
    let (orch, delegator, challenger) = (
        anvil.addresses()[1],
        anvil.addresses()[2],
        anvil.addresses()[3],
    );
    for (to, amount) in [(orch, 1_000u64), (delegator, 3_000), (challenger, 1_000)] {
        send!(token.transfer(to, U256::from(amount) * LPT));
    }
    for (i, amount) in [(1, 1_000u64), (2, 3_000)] {
        let w = wallet(&anvil, i);
        send!(LivepeerToken::new(d.token, &w).approve(d.bonding, U256::MAX));
        if i == 1 {
            send!(BondingManager::new(d.bonding, &w).registerOrchestrator(U256::ZERO, U256::ZERO));
        }
        send!(BondingManager::new(d.bonding, &w).bond(U256::from(amount) * LPT, orch, no_hints()));
    }
    next_round(&admin, d.rounds).await;

    // The cheated job: the last op's output replaced; the auditor's files hold the model, the
    // input and the orchestrator's job archive (what its agent answers the game from).
    let model_bytes = demo::demo_model_bytes().unwrap();
    let model = Model::from_bytes(&model_bytes).unwrap();
    let input = demo::job_input(demo::DEMO_PROMPT).unwrap();
    let honest = CpuExecutor.run(&model, &input).unwrap();
    let mut served = honest.clone();
    demo::cheat(&model, &mut served).unwrap();
    let s = Sides {
        claimed: demo::committed_tensors(&model, &input, &served).unwrap(),
        reference: demo::committed_tensors(&model, &input, &honest).unwrap(),
        opener: Opener::new(&model),
        layer: model.layers().len() - 1,
    };
    let files = temp_dir("sim", "proof-game");
    std::fs::write(
        files.join(format!("{}", B256::from(model.id()))),
        &model_bytes,
    )
    .unwrap();
    std::fs::write(files.join(format!("{}", keccak256(&input))), &input).unwrap();
    let archive = files.join(format!("{}.job", B256::from(served.commitment)));
    std::fs::write(&archive, s.claimed.to_archive()).unwrap();

    let round = RoundsManager::new(d.rounds, &admin)
        .currentRound()
        .call()
        .await
        .unwrap();
    let receipt = Receipt {
        orchestrator: orch,
        jobId: keccak256("job-1"),
        modelId: B256::from(model.id()),
        inputHash: keccak256(&input),
        paramsHash: keccak256(format!("prompt={}", demo::DEMO_PROMPT)),
        outputHash: B256::from(served.output_hash),
        commitmentRoot: B256::from(served.commitment),
        round,
    };
    let chain_id = admin.get_chain_id().await.unwrap();
    let signature = receipt
        .sign(&signer(&anvil, 1), &dispute_domain(chain_id, d.disputes))
        .unwrap();

    // The challenger opens on the first diverging op; one reveal and one pick follow on anvil.
    let leaf = s.reference.first_divergence(s.claimed.roots()).unwrap();
    assert_eq!(leaf, s.layer + 1, "the cheat replaces the last op's output");
    let length = s.claimed.tensor(leaf).unwrap().len() as u64;
    let c = wallet(&anvil, 3);
    let o = wallet(&anvil, 1);
    send!(LivepeerToken::new(d.token, &c).approve(d.disputes, U256::MAX));
    send!(
        ProofGame::new(d.proof_game, &c).open(IProofGame::Opening {
            receipt: (&receipt).into(),
            signature: signature.clone(),
            layer: s.layer as u32,
            depth: depth_of(length) as u8,
            claimedRoot: B256::from(s.claimed.roots()[leaf]),
            proof: s
                .claimed
                .root_proof(leaf)
                .unwrap()
                .into_iter()
                .map(B256::from)
                .collect(),
            referenceRoot: B256::from(s.reference.roots()[leaf]),
            nodeOpening: node_opening(&s.opener, s.layer, &s.reference.tensors())
                .unwrap()
                .into(),
        })
    );
    let id = DisputeManager::new(d.disputes, &admin)
        .disputeCount()
        .call()
        .await
        .unwrap();
    for _ in 0..2 {
        assert!(!next_move(d.proof_game, id, &o, &c, &s).await);
    }

    let simulate = |files: std::path::PathBuf| {
        let url = anvil.endpoint();
        let disputes = d.disputes;
        tokio::task::spawn_blocking(move || {
            sim::dispute::simulate(&url, None, disputes, id, Some(&files), Some(admin_address))
                .unwrap()
        })
    };
    let report = simulate(files.clone()).await.unwrap();
    let text = sim::report::dispute(&report);
    print!("{text}");
    assert_eq!(report.status, "open");
    assert!(report.by_proof);
    assert!(
        text.contains("decided by the proof game (no verdicts)")
            && text.contains("3 moves recorded on chain, 7 played here by two honest sides")
            && text.contains("The game played out: the dispute ends executed"),
        "{text}"
    );
    let game = report.game.as_ref().expect("the dispute's game");
    assert_eq!(game.recorded(), 3, "open, reveal, pick");
    assert_eq!(game.op.as_deref(), Some(model.layers()[s.layer].name));
    let whats: Vec<&str> = game.moves.iter().map(|m| m.what.as_str()).collect();
    assert!(whats[0].starts_with("opens a game on op"), "{whats:?}");
    assert!(whats[1].starts_with("reveals 4 nodes below"), "{whats:?}");
    assert!(whats[2].starts_with("picks child"), "{whats:?}");
    let last = whats.last().unwrap();
    assert!(last.contains("the orchestrator's byte"), "{last}");
    assert!(
        last.starts_with("final step: element") && last.ends_with(": guilty (recomputed)"),
        "{last}"
    );
    assert_eq!(
        game.moves.len(),
        3 + 2 * (depth_of(length) as usize).div_ceil(2) - 1,
        "each step after the first reveals and picks, then the final step"
    );
    for m in &game.moves[1..game.moves.len() - 1] {
        assert!(m.gas > 21_000 && m.gas <= 60_000, "{m:?}");
    }
    let end = game.end.as_ref().unwrap();
    assert!(end.guilty);
    let verdict = |r: &sim::dispute::DisputeReport, name: &str| {
        r.verdicts
            .iter()
            .find(|v| v.verdict == name)
            .unwrap()
            .clone()
    };
    let played = verdict(&report, "game");
    assert_eq!(played.result, Ok("executed"));
    assert_eq!(verdict(&report, "vetoed").result, Ok("vetoed"));

    // Without the orchestrator's archive, the simulator says what is missing.
    let bare = temp_dir("sim", "proof-game-bare");
    for f in std::fs::read_dir(&files).unwrap() {
        let p = f.unwrap().path();
        if p != archive {
            std::fs::copy(&p, bare.join(p.file_name().unwrap())).unwrap();
        }
    }
    let partial = simulate(bare.clone()).await.unwrap();
    let stopped = partial.game.as_ref().unwrap().stopped.clone().unwrap();
    assert!(stopped.contains("no job archive"), "{stopped}");
    assert!(verdict(&partial, "game").result.is_err());

    // The rest on anvil: the same moves, the same gas.
    while !next_move(d.proof_game, id, &o, &c, &s).await {}
    let after = simulate(files.clone()).await.unwrap();
    assert_eq!(after.status, "guilty");
    let recorded = after.game.as_ref().unwrap();
    assert_eq!(recorded.recorded(), game.moves.len());
    for (a, b) in recorded.moves.iter().zip(&game.moves) {
        assert_eq!((&a.what, a.gas, a.by), (&b.what, b.gas, b.by));
    }
    std::fs::remove_dir_all(&files).unwrap();
    std::fs::remove_dir_all(&bare).unwrap();

    // The veto window passes; the slash does what the simulator predicted.
    for _ in 0..config.disputes.vetoWindow.to::<u64>() {
        next_round(&admin, d.rounds).await;
    }
    send!(DisputeManager::new(d.disputes, &admin).executeSlash(id, Address::ZERO, Address::ZERO));
    assert!(played.orchestrator_pool_after < played.orchestrator_pool_before);
    crate::dispute::assert_as_predicted(&admin, d.lens, d.token, &played.accounts).await;
}
