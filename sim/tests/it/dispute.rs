//! `sim dispute` on anvil: a cheated job is disputed; the simulator replays the job with the
//! verifier from content-addressed files (the claim differs: guilty), and its guilty verdict's
//! effects on every account are what executing the slash on anvil then does.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
};
use bindings::{
    BondingLens, BondingManager, DeployConfig, DisputeManager, LPT, LivepeerToken, RoundsManager,
    deploy, no_hints,
    receipt::{Receipt, dispute_domain},
};
use testkit::{next_round, send, signer, spawn_anvil, wallet};
use verifier::{CpuExecutor, Model, demo};

const ROUND_LENGTH: u64 = 20;

#[tokio::test]
async fn dispute_verdicts_simulated_match_anvil() {
    let anvil = spawn_anvil();
    let admin = wallet(&anvil, 0);
    let admin_address = anvil.addresses()[0];
    let config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        handOverToGovernance: false,
        ..DeployConfig::defaults(&admin, admin_address).await.unwrap()
    };
    let d = deploy(&admin, &config).await.expect("deploy");
    let token = LivepeerToken::new(d.token, &admin);
    let disputes = DisputeManager::new(d.disputes, &admin);
    for i in 4..7 {
        send!(disputes.setVerifier(anvil.addresses()[i], true));
    }
    let (orch, delegator, challenger) = (
        anvil.addresses()[1],
        anvil.addresses()[2],
        anvil.addresses()[3],
    );
    for (to, amount) in [(orch, 1_000u64), (delegator, 3_000), (challenger, 1_000)] {
        send!(token.transfer(to, U256::from(amount) * LPT));
    }
    let hints = no_hints();
    let o = wallet(&anvil, 1);
    send!(LivepeerToken::new(d.token, &o).approve(d.bonding, U256::MAX));
    send!(BondingManager::new(d.bonding, &o).registerOrchestrator(U256::ZERO, U256::ZERO));
    send!(BondingManager::new(d.bonding, &o).bond(U256::from(1_000u64) * LPT, orch, hints.clone()));
    let del = wallet(&anvil, 2);
    send!(LivepeerToken::new(d.token, &del).approve(d.bonding, U256::MAX));
    send!(BondingManager::new(d.bonding, &del).bond(U256::from(3_000u64) * LPT, orch, hints));
    next_round(&admin, d.rounds).await;

    // The job and its cheated output; the files the auditor holds, named by their hashes.
    let model_bytes = demo::demo_model_bytes().unwrap();
    let model = Model::from_bytes(&model_bytes).unwrap();
    let input = demo::job_input(demo::DEMO_PROMPT).unwrap();
    let mut cheated = CpuExecutor.run(&model, &input).unwrap();
    demo::cheat(&model, &mut cheated).unwrap();
    let cheated_hash = cheated.output_hash;
    let input_bytes = input.clone();
    let files = std::env::temp_dir().join(format!("sim-dispute-{}", std::process::id()));
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join(format!("{}.safetensors", B256::from(model.id()))),
        &model_bytes,
    )
    .unwrap();
    std::fs::write(
        files.join(alloy::hex::encode(keccak256(&input_bytes))),
        &input_bytes,
    )
    .unwrap();

    let round = RoundsManager::new(d.rounds, &admin)
        .currentRound()
        .call()
        .await
        .unwrap();
    let receipt = Receipt {
        orchestrator: orch,
        jobId: keccak256("job-1"),
        modelId: B256::from(model.id()),
        inputHash: keccak256(&input_bytes),
        paramsHash: keccak256(format!("prompt={}", demo::DEMO_PROMPT)),
        outputHash: B256::from(cheated_hash),
        commitmentRoot: B256::from(cheated.commitment),
        round,
    };
    let chain_id = admin.get_chain_id().await.unwrap();
    let key = signer(&anvil, 1);
    assert_eq!(key.address(), orch);
    let signature = receipt
        .sign(&key, &dispute_domain(chain_id, d.disputes))
        .unwrap();
    let c = wallet(&anvil, 3);
    send!(LivepeerToken::new(d.token, &c).approve(d.disputes, U256::MAX));
    send!(DisputeManager::new(d.disputes, &c).openDispute((&receipt).into(), signature));
    let id = disputes.disputeCount().call().await.unwrap();

    // The simulation, on a fork of anvil now.
    let url = anvil.endpoint();
    let (disputes_address, timelock) = (d.disputes, admin_address);
    let dir = files.clone();
    let (report, unknown) = tokio::task::spawn_blocking(move || {
        let report =
            sim::dispute::simulate(&url, None, disputes_address, id, Some(&dir), Some(timelock))
                .unwrap();
        // An id never opened is refused, not reported as an empty dispute.
        let unknown =
            sim::dispute::simulate(&url, None, disputes_address, id + U256::ONE, None, None);
        (report, unknown)
    })
    .await
    .unwrap();
    let why = format!(
        "{:#}",
        unknown.expect_err("an unknown dispute id is an error")
    );
    assert!(why.contains("no dispute"), "{why}");
    // The command line says so and exits 1.
    let out = bindings::deadline::output_within(
        std::process::Command::new(env!("CARGO_BIN_EXE_sim")).args([
            "dispute",
            "--rpc-url",
            &anvil.endpoint(),
            "--disputes",
            &d.disputes.to_string(),
            "--dispute-id",
            &(id + U256::ONE).to_string(),
        ]),
        std::time::Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("no dispute {}", id + U256::ONE)),
        "{err}"
    );
    print!("{}", sim::report::dispute(&report));
    std::fs::remove_dir_all(&files).unwrap();
    assert_eq!(report.status, "open");
    let replay = report.replay.as_ref().expect("the job was replayed");
    assert!(
        !replay.matches,
        "the cheated output differs from the reference"
    );
    let verdict = |name: &str| report.verdicts.iter().find(|v| v.verdict == name).unwrap();
    let guilty = verdict("guilty");
    assert_eq!(guilty.result, Ok("executed"));
    assert_eq!(verdict("innocent").result, Ok("innocent"));
    assert_eq!(verdict("draw").result, Ok("draw"));
    assert_eq!(verdict("vetoed").result, Ok("vetoed"));
    let effect = |who: Address| guilty.accounts.iter().find(|a| a.account == who).unwrap();
    let lpt = |n: u64| U256::from(n) * LPT;
    assert_eq!(
        (effect(orch).stake_before, effect(orch).stake_after),
        (lpt(1_000), lpt(900))
    );
    assert_eq!(
        (
            effect(delegator).stake_before,
            effect(delegator).stake_after
        ),
        (lpt(3_000), lpt(2_700))
    );
    // The guilty fee: a share of the challenger's deposit, rounded up, burned with the slash.
    let ppb = U256::from(1_000_000_000u64);
    let fee = (U256::from(config.disputes.deposit)
        * U256::from(config.disputes.guiltyDepositBurnPpb))
    .div_ceil(ppb);
    assert!(fee > U256::ZERO);
    assert_eq!(
        guilty.supply_before - guilty.supply_after,
        lpt(350) + fee,
        "the slash less half of the orchestrator's own cut is burned, and the guilty fee"
    );

    // The same verdict on anvil: two verifiers vote guilty, the veto window passes, the slash runs.
    let reference = B256::from(replay.reference_output_hash);
    for i in 4..6 {
        send!(
            DisputeManager::new(d.disputes, wallet(&anvil, i)).submitVerdict(
                id,
                reference,
                U256::from(1)
            )
        );
    }
    for _ in 0..config.disputes.vetoWindow.to::<u64>() {
        next_round(&admin, d.rounds).await;
    }
    send!(disputes.executeSlash(id, Address::ZERO, Address::ZERO));
    assert_as_predicted(&admin, d.lens, d.token, &guilty.accounts).await;
    assert_eq!(
        token.totalSupply().call().await.unwrap(),
        guilty.supply_after
    );
}

/// Every account's stake and LPT on the chain are what the simulator predicted after its verdict.
pub(crate) async fn assert_as_predicted(
    admin: &impl Provider,
    lens: Address,
    token: Address,
    accounts: &[sim::dispute::AccountEffect],
) {
    let lens = BondingLens::new(lens, admin);
    let token = LivepeerToken::new(token, admin);
    for a in accounts {
        assert_eq!(
            lens.pendingStake(a.account).call().await.unwrap(),
            a.stake_after,
            "{} ({})",
            a.account,
            a.role
        );
        assert_eq!(
            token.balanceOf(a.account).call().await.unwrap(),
            a.lpt_after,
            "{} ({})",
            a.account,
            a.role
        );
    }
}
