//! Deploys the suite through the bindings onto a real anvil node, initializes rounds by mining
//! blocks, and checks the Minter's numbers against the formulas, computed here in Rust.

use alloy::{primitives::U256, providers::ProviderBuilder, sol_types::SolCall};
use bindings::{AccessManager, DeployConfig, LPT, LivepeerToken, Minter, RoundsManager, deploy};
use testkit::{mine_to_next_round, send, signer, spawn_anvil};

const ROUND_LENGTH: u64 = 50;
const PPB: u64 = 1_000_000_000;

#[tokio::test]
async fn rounds_and_minter_on_anvil() {
    let anvil = spawn_anvil();
    let admin = signer(&anvil, 0);
    let admin_address = admin.address();
    let treasury = anvil.addresses()[1];
    let provider = ProviderBuilder::new()
        .wallet(admin)
        .connect_http(anvil.endpoint_url());

    let config = DeployConfig {
        treasury,
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(&provider, admin_address)
            .await
            .unwrap()
    };
    let d = deploy(&provider, &config).await.expect("deploy");

    let token = LivepeerToken::new(d.token, &provider);
    let minter = Minter::new(d.minter, &provider);
    let rounds = RoundsManager::new(d.rounds, &provider);
    assert_eq!(
        token.totalSupply().call().await.unwrap(),
        U256::from(10_000_000u64) * LPT
    );
    assert_eq!(
        rounds.roundLength().call().await.unwrap(),
        U256::from(ROUND_LENGTH)
    );
    // The round the RoundsManager was deployed in (round 0: it is the fourth transaction, one block
    // each) counts as initialized. The rest of the deployment may run into the next round.
    assert_eq!(
        rounds.lastInitializedRound().call().await.unwrap(),
        U256::ZERO
    );

    // Nothing is bonded yet, so inflation rises one step every round.
    let mut expected_inflation = config.inflation;
    let mut treasury_total = U256::ZERO;
    for _ in 0..3 {
        mine_to_next_round(&provider, d.rounds).await;
        let supply = token.totalSupply().call().await.unwrap() + treasury_total;
        let receipt = send!(rounds.initializeRound());
        println!("initializeRound gas used: {}", receipt.gas_used);

        expected_inflation += config.inflationChange;
        let total = supply * expected_inflation / U256::from(PPB);
        let treasury_share = total * config.treasuryRewardCut / U256::from(PPB);
        treasury_total += treasury_share;

        let round = rounds.currentRound().call().await.unwrap();
        assert_eq!(minter.currentRound().call().await.unwrap(), round);
        assert_eq!(minter.inflation().call().await.unwrap(), expected_inflation);
        assert_eq!(
            minter.currentRewardTokens().call().await.unwrap(),
            total - treasury_share
        );
        assert_eq!(minter.treasuryOwed().call().await.unwrap(), treasury_total);
        assert_eq!(minter.totalMinted().call().await.unwrap(), U256::ZERO);
        assert_ne!(
            rounds.blockHashForRound(round).call().await.unwrap(),
            [0u8; 32]
        );
    }

    // Anyone mints what the treasury is owed (the timelock since the hand-over to governance);
    // supply then grows by exactly that.
    assert_eq!(minter.treasury().call().await.unwrap(), d.timelock);
    let supply = token.totalSupply().call().await.unwrap();
    send!(minter.mintTreasury());
    assert_eq!(
        token.balanceOf(d.timelock).call().await.unwrap(),
        treasury_total
    );
    assert_eq!(
        token.totalSupply().call().await.unwrap(),
        supply + treasury_total
    );
    assert_eq!(minter.totalMinted().call().await.unwrap(), treasury_total);
}

#[tokio::test]
async fn bad_input_reverts_with_named_errors() {
    let anvil = spawn_anvil();
    let admin = signer(&anvil, 0);
    let admin_address = admin.address();
    let provider = ProviderBuilder::new()
        .wallet(admin)
        .connect_http(anvil.endpoint_url());
    let config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(&provider, admin_address)
            .await
            .unwrap()
    };
    let d = deploy(&provider, &config).await.expect("deploy");

    // A second initializeRound in the same round.
    mine_to_next_round(&provider, d.rounds).await;
    let rounds = RoundsManager::new(d.rounds, &provider);
    send!(rounds.initializeRound());
    let err = rounds
        .initializeRound()
        .call()
        .await
        .expect_err("second initialization reverts");
    let decoded = err
        .as_decoded_interface_error::<RoundsManager::RoundsManagerErrors>()
        .expect("a RoundsManager error");
    let round = rounds.currentRound().call().await.unwrap();
    match decoded {
        RoundsManager::RoundsManagerErrors::RoundAlreadyInitialized(e) => {
            assert_eq!(e.round, round)
        }
        other => panic!("unexpected error {other:?}"),
    }

    // A mint from anyone but the Minter, including the admin.
    let token = LivepeerToken::new(d.token, &provider);
    let err = token
        .mint(admin_address, U256::from(1))
        .call()
        .await
        .expect_err("mint reverts");
    let decoded = err
        .as_decoded_interface_error::<LivepeerToken::LivepeerTokenErrors>()
        .expect("a LivepeerToken error");
    assert!(
        matches!(decoded, LivepeerToken::LivepeerTokenErrors::AccessManagedUnauthorized(ref e) if e.caller == admin_address),
        "unexpected error {decoded:?}"
    );

    // The authority reports the same: only the Minter can call mint.
    let manager = AccessManager::new(d.manager, &provider);
    let can_admin = manager.canCall(
        admin_address,
        d.token,
        LivepeerToken::mintCall::SELECTOR.into(),
    );
    assert!(!can_admin.call().await.unwrap().immediate);
    let can_minter = manager.canCall(d.minter, d.token, LivepeerToken::mintCall::SELECTOR.into());
    assert!(can_minter.call().await.unwrap().immediate);
}
