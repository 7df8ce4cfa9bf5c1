//! Tickets signed in Rust (`bindings::ticket`, k256) and redeemed by the TicketBroker on anvil,
//! the fee landing in the real BondingManager: shared between the orchestrator and its delegator
//! by its fee share and their stake.

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use bindings::{
    BondingManager, DeployConfig, Deployment, LPT, LivepeerToken, RoundsManager, TicketBroker,
    bonding_manager::IBondingManager::Hints,
    deploy,
    ticket::{self, Ticket},
    toolchain,
};
use k256::ecdsa::SigningKey;

const ROUND_LENGTH: u64 = 10;
/// The orchestrator's fee share: half of every fee goes to its delegators (itself included).
const FEE_SHARE: u64 = 500_000;

fn spawn_anvil() -> AnvilInstance {
    Anvil::new()
        .path(toolchain::anvil_bin())
        .try_spawn()
        .expect("anvil starts (run `npm ci` to install it)")
}

fn no_hints() -> Hints {
    Hints {
        oldPrev: Address::ZERO,
        oldNext: Address::ZERO,
        newPrev: Address::ZERO,
        newNext: Address::ZERO,
    }
}

/// Mines to the next round's first block and initializes it.
async fn next_round(provider: &impl Provider, d: &Deployment) {
    let rounds = RoundsManager::new(d.rounds, provider);
    let start = rounds
        .currentRoundStartBlock()
        .call()
        .await
        .unwrap()
        .to::<u64>();
    let head = provider.get_block_number().await.unwrap();
    let target = start + ROUND_LENGTH - 1;
    if target > head {
        provider
            .anvil_mine(Some(target - head), None)
            .await
            .unwrap();
    }
    let receipt = rounds
        .initializeRound()
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
}

/// Bonds `amount` LPT (sent by the admin) from `signer` to `to`.
async fn bond(
    admin: &impl Provider,
    d: &Deployment,
    anvil: &AnvilInstance,
    key: usize,
    to: Address,
    amount: U256,
) {
    let signer: PrivateKeySigner = anvil.keys()[key].clone().into();
    let account = signer.address();
    let receipt = LivepeerToken::new(d.token, admin)
        .transfer(account, amount)
        .send()
        .await
        .unwrap();
    assert!(receipt.get_receipt().await.unwrap().status());
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url());
    let token = LivepeerToken::new(d.token, &provider);
    assert!(
        token
            .approve(d.bonding, amount)
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap()
            .status()
    );
    let bonding = BondingManager::new(d.bonding, &provider);
    if to == account {
        let registered = bonding
            .registerOrchestrator(U256::ZERO, U256::from(FEE_SHARE))
            .send()
            .await
            .unwrap();
        assert!(registered.get_receipt().await.unwrap().status());
    }
    let bonded = bonding.bond(amount, to, no_hints()).send().await.unwrap();
    assert!(bonded.get_receipt().await.unwrap().status());
}

/// Deploys the suite, registers `orchestrator` (anvil key 1) with 1,000 LPT of its own and a
/// delegator (anvil key 3) with 3,000, and starts the next round, in which the orchestrator is
/// active.
async fn setup(
    provider: &(impl Provider + Clone),
    anvil: &AnvilInstance,
    admin: Address,
) -> Deployment {
    let config = DeployConfig {
        round_length: ROUND_LENGTH,
        ..DeployConfig::defaults_for(admin)
    };
    let d = deploy(provider, admin, &config).await.expect("deploy");
    let orchestrator = anvil.addresses()[1];
    bond(
        provider,
        &d,
        anvil,
        1,
        orchestrator,
        U256::from(1_000) * LPT,
    )
    .await;
    bond(
        provider,
        &d,
        anvil,
        3,
        orchestrator,
        U256::from(3_000) * LPT,
    )
    .await;
    next_round(provider, &d).await;
    let bonding = BondingManager::new(d.bonding, provider);
    assert!(
        bonding
            .isActiveOrchestrator(orchestrator)
            .call()
            .await
            .unwrap()
    );
    d
}

#[tokio::test]
async fn rust_signed_ticket_redeems_on_anvil() {
    let anvil = spawn_anvil();
    let admin: PrivateKeySigner = anvil.keys()[0].clone().into();
    let admin_address = admin.address();
    let orchestrator: PrivateKeySigner = anvil.keys()[1].clone().into();
    let orchestrator_address = orchestrator.address();
    let sender_key = SigningKey::from(anvil.keys()[2].clone());
    let sender_address = ticket::address_of(&sender_key);
    assert_eq!(sender_address, anvil.addresses()[2]);

    let provider = ProviderBuilder::new()
        .wallet(admin)
        .connect_http(anvil.endpoint_url());
    let d = setup(&provider, &anvil, admin_address).await;
    let chain_id = provider.get_chain_id().await.unwrap();

    // The sender funds its deposit and reserve.
    let sender_provider = ProviderBuilder::new()
        .wallet(PrivateKeySigner::from(anvil.keys()[2].clone()))
        .connect_http(anvil.endpoint_url());
    let one_eth = U256::from(10u64).pow(U256::from(18));
    let receipt = TicketBroker::new(d.broker, &sender_provider)
        .fundDepositAndReserve(one_eth, one_eth)
        .value(one_eth * U256::from(2))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    println!(
        "fundDepositAndReserve gas used on anvil: {}",
        receipt.gas_used
    );

    // The orchestrator's secret and the sender's ticket, signed in Rust.
    let rounds = RoundsManager::new(d.rounds, &provider);
    let round = rounds.currentRound().call().await.unwrap();
    let recipient_rand = U256::from_be_bytes(keccak256("orchestrator secret").0);
    let face_value = one_eth / U256::from(10);
    let t = Ticket {
        recipient: orchestrator_address,
        sender: sender_address,
        faceValue: face_value,
        winProb: U256::MAX,
        senderNonce: U256::from(1),
        recipientRandHash: ticket::rand_commitment(recipient_rand),
        creationRound: round,
        creationRoundBlockHash: rounds.blockHashForRound(round).call().await.unwrap(),
    };
    let sig = t.sign(&sender_key, chain_id, d.broker).unwrap();
    assert!(ticket::is_winning(&sig, recipient_rand, t.winProb));

    let broker = TicketBroker::new(d.broker, &provider);
    assert_eq!(
        broker.ticketHash(t.clone().into()).call().await.unwrap(),
        t.signing_hash(chain_id, d.broker)
    );
    assert!(
        broker
            .isWinningTicket(sig.clone(), recipient_rand, t.winProb)
            .call()
            .await
            .unwrap()
    );

    let orchestrator_provider = ProviderBuilder::new()
        .wallet(orchestrator)
        .connect_http(anvil.endpoint_url());
    let receipt = TicketBroker::new(d.broker, &orchestrator_provider)
        .redeemWinningTicket(t.clone().into(), sig, recipient_rand)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    println!(
        "redeemWinningTicket gas used on anvil: {}",
        receipt.gas_used
    );

    let event = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| TicketBroker::WinningTicketRedeemed::decode_log(&log.inner).ok())
        .expect("WinningTicketRedeemed emitted");
    assert_eq!(event.ticketHash, t.signing_hash(chain_id, d.broker));
    assert_eq!(event.sender, sender_address);
    assert_eq!(event.recipient, orchestrator_address);
    assert_eq!(event.fromDeposit, face_value);
    assert_eq!(event.fromReserve, U256::ZERO);

    // The fee is in the BondingManager, split by the fee share and then by stake (1:3).
    assert_eq!(provider.get_balance(d.bonding).await.unwrap(), face_value);
    let bonding = BondingManager::new(d.bonding, &provider);
    let shared = face_value * U256::from(FEE_SHARE) / U256::from(1_000_000);
    let delegator_fees = bonding
        .pendingFees(anvil.addresses()[3])
        .call()
        .await
        .unwrap();
    let orchestrator_fees = bonding
        .pendingFees(orchestrator_address)
        .call()
        .await
        .unwrap();
    assert!(delegator_fees <= shared * U256::from(3) / U256::from(4));
    assert!(shared * U256::from(3) / U256::from(4) - delegator_fees <= U256::from(1));
    assert!(orchestrator_fees + delegator_fees <= face_value);
    assert!(face_value - (orchestrator_fees + delegator_fees) <= U256::from(2));
    let info = broker.getSenderInfo(sender_address).call().await.unwrap();
    assert_eq!(info.deposit, one_eth - face_value);
    assert_eq!(info.reserve, one_eth);
    assert_eq!(
        broker
            .nextSenderNonce(sender_address, orchestrator_address)
            .call()
            .await
            .unwrap(),
        U256::from(2)
    );

    // The same ticket again is a replay.
    let err = TicketBroker::new(d.broker, &orchestrator_provider)
        .redeemWinningTicket(
            t.clone().into(),
            t.sign(&sender_key, chain_id, d.broker).unwrap(),
            recipient_rand,
        )
        .call()
        .await
        .expect_err("a replay reverts");
    let decoded = err
        .as_decoded_interface_error::<TicketBroker::TicketBrokerErrors>()
        .expect("a TicketBroker error");
    assert!(
        matches!(
            decoded,
            TicketBroker::TicketBrokerErrors::TicketAlreadyRedeemed(_)
        ),
        "unexpected error {decoded:?}"
    );
}

/// A small deterministic generator: the test needs varied tickets, not cryptographic randomness.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn word(&mut self) -> B256 {
        let mut out = [0u8; 32];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_be_bytes());
        }
        B256::from(out)
    }

    fn address(&mut self) -> Address {
        Address::from_slice(&self.word()[12..])
    }
}

#[tokio::test]
async fn rust_ticket_hash_matches_the_contract_for_random_tickets() {
    let anvil = spawn_anvil();
    let admin: PrivateKeySigner = anvil.keys()[0].clone().into();
    let admin_address = admin.address();
    let provider = ProviderBuilder::new()
        .wallet(admin)
        .connect_http(anvil.endpoint_url());
    let d = deploy(
        &provider,
        admin_address,
        &DeployConfig::defaults_for(admin_address),
    )
    .await
    .expect("deploy");
    let chain_id = provider.get_chain_id().await.unwrap();
    let broker = TicketBroker::new(d.broker, &provider);

    let mut rng = SplitMix(0x5eed);
    for _ in 0..32 {
        let t = Ticket {
            recipient: rng.address(),
            sender: rng.address(),
            faceValue: rng.word().into(),
            winProb: rng.word().into(),
            senderNonce: U256::from(rng.next()),
            recipientRandHash: rng.word(),
            creationRound: U256::from(rng.next()),
            creationRoundBlockHash: rng.word(),
        };
        let on_chain = broker.ticketHash(t.clone().into()).call().await.unwrap();
        assert_eq!(on_chain, t.signing_hash(chain_id, d.broker), "{t:?}");

        let sig: Bytes = rng
            .word()
            .iter()
            .chain(rng.word().iter())
            .copied()
            .chain([27])
            .collect();
        let rand = U256::from_be_bytes(rng.word().0);
        let win_prob = U256::from_be_bytes(rng.word().0);
        assert_eq!(
            broker
                .isWinningTicket(sig.clone(), rand, win_prob)
                .call()
                .await
                .unwrap(),
            ticket::is_winning(&sig, rand, win_prob)
        );
    }
}
