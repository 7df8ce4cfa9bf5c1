//! The whole dispute story on anvil, driven from Rust: an orchestrator and a delegator bond, the
//! orchestrator serves a job from the verifier crate's demo model but publishes a cheated output
//! (the `cheat` patch), signs the receipt with k256 in Rust, a challenger disputes it, one verifier
//! votes directly and another through a keeper's batch of EIP-712-signed verdicts, the veto window
//! passes, anyone executes the slash, and every balance moves as the contract promises.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use bindings::{
    BondingLens, BondingManager, DeployConfig, DisputeManager, LPT, LivepeerToken, RoundsManager,
    deploy,
    enums::Status,
    no_hints,
    receipt::{Receipt, Verdict, dispute_domain},
};
use testkit::{next_round, send, signer, spawn_anvil};
use verifier::{CpuExecutor, Model, demo};

const ROUND_LENGTH: u64 = 20;

#[tokio::test]
async fn cheat_dispute_verdicts_slash_on_anvil() {
    let anvil = spawn_anvil();
    let url = anvil.endpoint_url();
    let wallet = |index: usize| {
        ProviderBuilder::new()
            .wallet(signer(&anvil, index))
            .connect_http(url.clone())
    };
    let (admin, orch, delegator, challenger) = (wallet(0), wallet(1), wallet(2), wallet(3));
    let admin_address = anvil.addresses()[0];
    let orch_key = signer(&anvil, 1);
    let orch_address = orch_key.address();
    assert_eq!(orch_address, anvil.addresses()[1]);
    let (delegator_address, challenger_address) = (anvil.addresses()[2], anvil.addresses()[3]);
    let verifier_keys: Vec<PrivateKeySigner> = (4..7).map(|i| signer(&anvil, i)).collect();

    // The admin keeps its keys here to approve verifiers directly; tests/governance.rs covers the
    // hand-over, after which only a proposal can.
    let config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        handOverToGovernance: false,
        ..DeployConfig::defaults(&admin, admin_address).await.unwrap()
    };
    let d = deploy(&admin, &config).await.expect("deploy");
    let token = LivepeerToken::new(d.token, &admin);
    let disputes = DisputeManager::new(d.disputes, &admin);

    // Governance approves three verifiers (quorum 2 by default).
    for k in &verifier_keys {
        send!(disputes.setVerifier(k.address(), true));
    }
    // Stake: the orchestrator self-bonds 1,000 LPT, a delegator 3,000; a challenger holds 1,000.
    for (to, amount) in [
        (orch_address, 1_000u64),
        (delegator_address, 3_000),
        (challenger_address, 1_000),
    ] {
        send!(token.transfer(to, U256::from(amount) * LPT));
    }
    let orch_bonding = BondingManager::new(d.bonding, &orch);
    send!(LivepeerToken::new(d.token, &orch).approve(d.bonding, U256::MAX));
    send!(orch_bonding.registerOrchestrator(U256::ZERO, U256::ZERO));
    send!(orch_bonding.bond(U256::from(1_000u64) * LPT, orch_address, no_hints()));
    send!(LivepeerToken::new(d.token, &delegator).approve(d.bonding, U256::MAX));
    send!(BondingManager::new(d.bonding, &delegator).bond(
        U256::from(3_000u64) * LPT,
        orch_address,
        no_hints()
    ));
    next_round(&admin, d.rounds).await;

    // The job: the demo model on the demo prompt; the orchestrator publishes a cheated image.
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    let input = demo::job_input(demo::DEMO_PROMPT).unwrap();
    let honest = CpuExecutor.run(&model, &input).unwrap();
    let mut cheated = honest.clone();
    demo::cheat(&model, &mut cheated).unwrap();
    assert_ne!(honest.output_hash, cheated.output_hash);

    let round = RoundsManager::new(d.rounds, &admin)
        .currentRound()
        .call()
        .await
        .unwrap();
    let receipt = Receipt {
        orchestrator: orch_address,
        jobId: keccak256("job-1"),
        modelId: B256::from(model.id()),
        inputHash: keccak256(&input),
        paramsHash: keccak256(format!("prompt={}", demo::DEMO_PROMPT)),
        outputHash: B256::from(cheated.output_hash),
        commitmentRoot: B256::from(cheated.commitment),
        round,
    };

    // The Rust hashes are the contract's, bit for bit, for this and pseudo-random receipts.
    let chain_id = admin.get_chain_id().await.unwrap();
    let domain = dispute_domain(chain_id, d.disputes);
    for i in 0u64..8 {
        let r = if i == 0 {
            receipt.clone()
        } else {
            let h = |tag: &str| keccak256(format!("{tag}{i}"));
            Receipt {
                orchestrator: Address::from_word(h("o")),
                jobId: h("j"),
                modelId: h("m"),
                inputHash: h("i"),
                paramsHash: h("p"),
                outputHash: h("out"),
                commitmentRoot: h("c"),
                round: U256::from_be_bytes(h("r").0),
            }
        };
        let onchain = (&r).into();
        assert_eq!(
            disputes.receiptHash(onchain).call().await.unwrap(),
            r.struct_hash()
        );
        let onchain = (&r).into();
        assert_eq!(
            disputes.receiptDigest(onchain).call().await.unwrap(),
            r.digest(&domain)
        );
    }

    // The orchestrator signs in Rust (k256); the challenger disputes.
    let signature = receipt.sign(&orch_key, &domain).unwrap();
    assert!(receipt.is_signed_by(&signature, orch_address, &domain));
    let supply_before = token.totalSupply().call().await.unwrap();
    let challenger_disputes = DisputeManager::new(d.disputes, &challenger);
    send!(LivepeerToken::new(d.token, &challenger).approve(d.disputes, U256::MAX));
    send!(challenger_disputes.openDispute((&receipt).into(), signature.clone()));
    let id = disputes.disputeCount().call().await.unwrap();
    assert_eq!(id, U256::from(1));
    let dispute = disputes.getDispute(id).call().await.unwrap();
    assert_eq!(dispute.snapshotStake, 4_000u128 * 10u128.pow(18));
    assert_eq!(Status::of(dispute.status), Status::Open);

    // Verifiers re-run the job on the CPU reference and find the first diverging layer.
    let verdict = verifier::verify(
        &model,
        &input,
        cheated.output_hash,
        Some(&cheated.layer_roots),
    )
    .unwrap();
    assert!(!verdict.matches);
    let layer = verdict.first_diverging_layer.unwrap() as u64;
    assert_eq!(layer as usize, honest.layer_roots.len() - 1);
    let reference = B256::from(verdict.reference_output_hash);

    // One votes itself...
    let first = wallet(4);
    send!(DisputeManager::new(d.disputes, &first).submitVerdict(id, reference, U256::from(layer)));
    // ...another signs its verdict and a keeper (here the admin account) submits it.
    let signed = Verdict::new(id, reference, layer);
    assert_eq!(
        disputes
            .verdictDigest(id, signed.to_call())
            .call()
            .await
            .unwrap(),
        signed.digest(&domain)
    );
    let verdict_sig = signed.sign(&verifier_keys[1], &domain).unwrap();
    send!(disputes.submitVerdicts(id, vec![signed.to_call()], vec![verdict_sig]));
    let dispute = disputes.getDispute(id).call().await.unwrap();
    assert_eq!(Status::of(dispute.status), Status::Guilty);
    assert_eq!(dispute.guiltyVotes, 2);

    // Inside the veto window, execution reverts; after it, anyone executes.
    let early = disputes
        .executeSlash(id, Address::ZERO, Address::ZERO)
        .call()
        .await;
    assert!(early.is_err(), "the veto window is open");
    for _ in 0..config.disputes.vetoWindow.to::<u64>() {
        next_round(&admin, d.rounds).await;
    }
    let executed = send!(DisputeManager::new(d.disputes, &delegator).executeSlash(
        id,
        Address::ZERO,
        Address::ZERO
    ));
    println!("executeSlash gas used: {}", executed.gas_used);

    // 10% of 4,000 LPT: the orchestrator and the delegator lose pro rata. The challenger gets its
    // deposit back, less the guilty deposit burn (a share of the deposit, burned), plus half of the
    // orchestrator's own cut (100 LPT), never of its delegator's (issue 14): 50 LPT; the other 350
    // LPT are burned with the fee.
    let lpt = |n: u64| U256::from(n) * LPT;
    let fee = (config.disputes.deposit * config.disputes.guiltyDepositBurnPpb)
        .div_ceil(U256::from(1_000_000_000u64));
    assert!(fee > U256::ZERO, "the default burns a share of the deposit");
    let lens = BondingLens::new(d.lens, &admin);
    assert_eq!(
        lens.pendingStake(orch_address).call().await.unwrap(),
        lpt(900)
    );
    assert_eq!(
        lens.pendingStake(delegator_address).call().await.unwrap(),
        lpt(2_700)
    );
    assert_eq!(
        token.balanceOf(challenger_address).call().await.unwrap(),
        lpt(1_050) - fee
    );
    assert_eq!(
        token.totalSupply().call().await.unwrap(),
        supply_before - lpt(350) - fee
    );
    assert_eq!(
        Status::of(disputes.getDispute(id).call().await.unwrap().status),
        Status::Executed
    );
}
