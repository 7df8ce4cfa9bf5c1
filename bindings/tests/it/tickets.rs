//! Tickets signed in Rust (`bindings::ticket`, k256) and redeemed by the TicketBroker on anvil,
//! the fee landing in the real BondingManager: shared between the orchestrator and its delegator
//! by its fee share and their stake.

use alloy::{
    node_bindings::AnvilInstance,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use bindings::{
    BondingLens, BondingManager, DeployConfig, Deployment, LPT, RoundsManager, TicketBroker,
    deploy,
    ticket::{self, Ticket},
};
use testkit::{next_round, send, spawn_anvil};

use crate::support::bond;

const ROUND_LENGTH: u64 = 10;
/// The orchestrator's fee share: half of every fee goes to its delegators (itself included).
const FEE_SHARE: u64 = 500_000;

/// Deploys the suite, registers `orchestrator` (anvil key 1) with 1,000 LPT of its own and a
/// delegator (anvil key 3) with 3,000, and starts the next round, in which the orchestrator is
/// active.
async fn setup(
    provider: &(impl Provider + Clone),
    anvil: &AnvilInstance,
    admin: Address,
) -> Deployment {
    let config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(provider, admin).await.unwrap()
    };
    let d = deploy(provider, &config).await.expect("deploy");
    let orchestrator = anvil.addresses()[1];
    bond(
        provider,
        anvil,
        &d,
        1,
        orchestrator,
        U256::from(1_000) * LPT,
        (0, FEE_SHARE),
    )
    .await;
    bond(
        provider,
        anvil,
        &d,
        3,
        orchestrator,
        U256::from(3_000) * LPT,
        (0, FEE_SHARE),
    )
    .await;
    next_round(provider, d.rounds).await;
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
    let sender_key: PrivateKeySigner = anvil.keys()[2].clone().into();
    let sender_address = sender_key.address();
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
    let receipt = send!(
        TicketBroker::new(d.broker, &sender_provider)
            .fundDepositAndReserve(one_eth, one_eth)
            .value(one_eth * U256::from(2))
    );
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
    let receipt = send!(
        TicketBroker::new(d.broker, &orchestrator_provider).redeemWinningTicket(
            t.clone().into(),
            sig,
            recipient_rand
        )
    );
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
    let lens = BondingLens::new(d.lens, &provider);
    let shared = face_value * U256::from(FEE_SHARE) / U256::from(1_000_000);
    let delegator_fees = lens.pendingFees(anvil.addresses()[3]).call().await.unwrap();
    let orchestrator_fees = lens.pendingFees(orchestrator_address).call().await.unwrap();
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
    let config = DeployConfig::defaults(&provider, admin_address)
        .await
        .unwrap();
    let d = deploy(&provider, &config).await.expect("deploy");
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
