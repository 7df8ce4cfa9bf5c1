//! The devnet story, told step by step with a per-round table.

use std::sync::Arc;

use alloy::{
    primitives::{Address, U256, keccak256, utils::format_units},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use anyhow::Context;
use bindings::{
    BondingLens, BondingManager, CapabilityRegistry, DeploymentFile, DisputeManager, LivepeerToken,
    Reputation, RoundsManager, TicketBroker,
    capability_registry::CapabilityRegistry::Capability,
    ticket::{self, Ticket},
};

use super::{DevnetArgs, governance, job, live, proof, world::World};
use crate::{Keeper, TickReport, metrics::Metrics, send};

const ETH: u128 = 1_000_000_000_000_000_000;

/// Account indexes on the devnet.
const KEEPER_A: usize = 1;
const KEEPER_B: usize = 2;
const ORCHESTRATORS: [(usize, &str, u64, u64, u64); 3] = [
    // (account, name, self-stake LPT, reward cut ppm, fee share ppm)
    (3, "alice", 50_000, 100_000, 500_000),
    (4, "bob", 40_000, 50_000, 700_000),
    (5, "carol", 30_000, 150_000, 400_000),
];
const DELEGATORS: [(usize, usize, u64); 3] = [(6, 0, 20_000), (7, 1, 15_000), (8, 2, 12_000)];
/// A third verifier that attests spot-checked jobs (its own key: the keepers' nonces are theirs).
const SPOT_CHECKER: usize = 10;
const GATEWAY: usize = 9;
const CHEATER: usize = 2; // carol
/// Receives the governance chapter's treasury grant.
const GRANTEE: usize = 11;

/// The devnet's chain and its actors, as the story's chapters share them.
pub struct Cast {
    pub world: World,
    orchestrators: Vec<Address>,
    /// Keeper a (also the spot checks' challenger) and keeper b.
    pub(super) keepers: Vec<Keeper>,
    ticket_nonce: u64,
}

pub async fn tell(args: &DevnetArgs) -> anyhow::Result<()> {
    step("starting anvil and deploying the suite");
    let world = World::start(Some(args.port), 12, args.round_length).await?;
    let d = world.d;
    println!(
        "  anvil {} (chain {}), round length {} blocks",
        world.url(),
        world.chain_id,
        args.round_length
    );
    println!(
        "  BondingManager {}  TicketBroker {}  DisputeManager {}",
        d.bonding, d.broker, d.disputes
    );

    step("orchestrators register and bond, delegators delegate, AI capabilities published");
    let mut orchestrators = Vec::new();
    let model_id = alloy::primitives::B256::from(
        verifier::Model::from_bytes(&verifier::demo::demo_model_bytes()?)?.id(),
    );
    for (account, name, stake, cut, share) in ORCHESTRATORS {
        let o = world.orchestrator(account, stake, cut, share).await?;
        let registry = CapabilityRegistry::new(d.registry, world.wallet(account));
        let price = U256::from(1_000u64 * (account as u64));
        send!(registry.register(
            format!("https://{name}.devnet.example"),
            vec![Capability {
                pipelineId: keccak256("text-to-image"),
                modelId: model_id,
                pricePerUnit: price.to(),
                unit: alloy::primitives::FixedBytes::right_padding_from(b"image"),
            }]
        ));
        println!(
            "  {name:<6} {o}  self-bond {stake:>6} LPT  reward cut {:>4.1}%  fee share {:>4.1}%",
            cut as f64 / 1e4,
            share as f64 / 1e4
        );
        orchestrators.push(o);
    }
    for (account, to, stake) in DELEGATORS {
        world.delegate(account, orchestrators[to], stake).await?;
        println!(
            "  delegator {} bonds {stake:>6} LPT to {}",
            world.address(account),
            ORCHESTRATORS[to].1
        );
    }
    let gateway = world.wallet(GATEWAY);
    send!(
        TicketBroker::new(d.broker, &gateway)
            .fundDepositAndReserve(U256::from(5 * ETH), U256::from(5 * ETH))
            .value(U256::from(10 * ETH))
    );
    println!(
        "  gateway {} funds a 5 ETH deposit and a 5 ETH reserve",
        world.address(GATEWAY)
    );

    step(
        "two keepers start; both are approved verifiers (quorum 2, the committee's fallback); keeper a also takes spot checks",
    );
    let content = args.out.join("content");
    let inbox = args.out.join("spot-checks");
    let _ = std::fs::remove_dir_all(&inbox);
    let mut keepers = Vec::new();
    for (index, label) in [(KEEPER_A, "a"), (KEEPER_B, "b")] {
        world.approve_verifier(world.address(index)).await?;
        let store = args.out.join(format!("keeper-{label}.redb"));
        let _ = std::fs::remove_file(&store);
        std::fs::create_dir_all(&content)?;
        let mut config = world.keeper_config(&store, Some(&content));
        if index == KEEPER_A {
            // The challenger: re-runs the receipts the gateway drops here, plays the games.
            config.game.enabled = true;
            config.game.inbox = Some(inbox.clone());
            world.fund(world.address(index), 1_000).await?;
        }
        let keeper = Keeper::connect(
            world.url(),
            world.signer(index),
            config,
            Arc::new(Metrics::default()),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("  keeper {label} {}", keeper.address());
        keepers.push(keeper);
    }
    world.approve_verifier(world.address(SPOT_CHECKER)).await?;
    println!(
        "  spot checker {} (a third verifier) attests jobs it re-ran",
        world.address(SPOT_CHECKER)
    );
    let mut cast = Cast {
        world,
        orchestrators,
        keepers,
        ticket_nonce: 0,
    };

    step(&format!(
        "{} rounds: the keepers initialize and reward, the gateway pays tickets",
        args.rounds
    ));
    let mut table = Table::new();
    for _ in 0..args.rounds {
        let round = cast.world.mine_to_next_round().await?;
        let reports = cast.tick_all().await?;
        println!("  round {round}: {}", describe(&reports));
        cast.pay_tickets(round).await?;
        cast.attest_jobs().await?;
        table.row(&cast, round).await?;
    }
    table.print();

    step("an image job: alice serves honestly, carol delivers another prompt's picture");
    let round = cast.world.mine_to_next_round().await?;
    let reports = cast.tick_all().await?;
    println!("  round {round}: {}", describe(&reports));
    let chain_id = cast.world.chain_id;
    let prompt = args.prompt.as_str();
    println!("  prompt: \"{prompt}\" (text2img, a LiteRT int8 model; 32x32 RGB)");
    let honest_key = cast.world.signer(ORCHESTRATORS[0].0);
    let cheat_key = cast.world.signer(ORCHESTRATORS[CHEATER].0);
    let alice_job = job::serve(
        &honest_key,
        cast.orchestrators[0],
        round,
        42,
        prompt,
        false,
        !args.cpu,
        chain_id,
        d.disputes,
    )?;
    let carol_job = job::serve(
        &cheat_key,
        cast.orchestrators[CHEATER],
        round,
        42,
        prompt,
        true,
        !args.cpu,
        chain_id,
        d.disputes,
    )?;
    let (honest_png, cheat_png) = (
        args.out.join("orchestrator.png"),
        args.out.join("cheater.png"),
    );
    verifier::write_png(&alice_job.served.output, &honest_png)?;
    verifier::write_png(&carol_job.served.output, &cheat_png)?;
    alice_job.publish(&content)?;
    carol_job.publish(&content)?;
    println!("  executor: {}", alice_job.executor);
    println!(
        "  alice's image {} (output {})",
        honest_png.display(),
        alice_job.receipt.outputHash
    );
    println!(
        "  carol's image {} (output {}): the picture of \"{}\"",
        cheat_png.display(),
        carol_job.receipt.outputHash,
        carol_job.delivered_prompt.unwrap_or_default()
    );
    println!(
        "  both sign receipts; inputs, model and layer roots published under {}",
        content.display()
    );

    step("carol's agent keeps her job's layer outputs; the gateway spot-checks her receipt");
    let (mut agent, archive, size) =
        proof::agent(&cast.world, &args.out, ORCHESTRATORS[CHEATER].0, &carol_job).await?;
    println!(
        "  carol's agent {} (a keeper with her key) answers her games from {} ({size} bytes: the input and every op's output)",
        agent.address(),
        archive.display()
    );
    proof::drop_spot_check(&inbox, &carol_job)?;
    println!(
        "  the gateway drops carol's signed receipt in keeper a's inbox {}",
        inbox.display()
    );

    step(
        "keeper a re-runs the job, opens a proof game on the first op whose root differs; carol's agent answers every move; the chain recomputes one byte",
    );
    let challenger = cast.world.address(KEEPER_A);
    let carol = cast.orchestrators[CHEATER];
    let carol_delegator = cast.world.address(DELEGATORS[CHEATER].0);
    let played = proof::play(&mut cast, &mut agent, &carol_job).await?;
    drop(agent);
    if played.status != bindings::enums::Status::Guilty {
        anyhow::bail!(
            "dispute {}: the game ended {}, not guilty",
            played.id,
            played.status.name()
        );
    }
    println!(
        "  no vote was needed: the committee (two verifier votes) decides only what the game cannot (an op the judge refuses, a job whose input nobody has, a receipt's params or model not what was asked)"
    );

    step("the veto window passes; a keeper executes the slash");
    let mut executed = false;
    let mut before = Snapshot::take(&cast, carol, carol_delegator, challenger).await?;
    while !executed {
        let round = cast.world.mine_to_next_round().await?;
        before = Snapshot::take(&cast, carol, carol_delegator, challenger).await?;
        let reports = cast.tick_all().await?;
        println!("  round {round}: {}", describe(&reports));
        executed = reports.iter().any(|r| !r.disputes.executed.is_empty());
        if round > u64::from(played.veto_end_round) + 1 {
            anyhow::bail!("the slash was not executed by round {round}");
        }
    }
    let after = Snapshot::take(&cast, carol, carol_delegator, challenger).await?;
    print_slash(&cast, &before, &after).await?;
    table.row(&cast, cast.current_round().await?).await?;
    table.print();

    governance::tell(
        &mut cast,
        governance::Voters {
            proposer: (ORCHESTRATORS[0].0, ORCHESTRATORS[0].1),
            second: (ORCHESTRATORS[1].0, ORCHESTRATORS[1].1),
            delegator: DELEGATORS[0].0,
            grantee: GRANTEE,
        },
    )
    .await?;

    step("done");
    println!(
        "  images: {} (honest) and {} (altered)",
        honest_png.display(),
        cheat_png.display()
    );
    let deployment = args.out.join("deployment.json");
    DeploymentFile {
        chain_id: cast.world.chain_id,
        deploy_block: cast.world.deploy_block,
        contracts: d,
    }
    .write(&deployment)?;
    println!("  deployment: {}", deployment.display());
    if args.keep_running {
        live::keep_running(&cast.world, &args.out, &deployment, DELEGATORS[0].0).await?;
    }
    drop(cast);
    println!("  anvil stopped");
    Ok(())
}

pub(super) fn step(what: &str) {
    println!("\n▸ {what}");
}

pub(super) fn lpt(v: U256) -> String {
    let s = format_units(v, 18).unwrap_or_else(|_| v.to_string());
    match s.split_once('.') {
        Some((whole, frac)) => format!("{whole}.{}", &format!("{frac:0<2}")[..2]),
        None => s,
    }
}

fn eth(v: U256) -> String {
    let s = format_units(v, 18).unwrap_or_else(|_| v.to_string());
    match s.split_once('.') {
        Some((whole, frac)) => format!("{whole}.{}", &format!("{frac:0<4}")[..4]),
        None => s,
    }
}

pub(super) fn describe(reports: &[TickReport]) -> String {
    let mut parts = Vec::new();
    for (label, r) in ["a", "b"].iter().zip(reports) {
        let mut did = Vec::new();
        if r.rounds.initialized {
            did.push("initialized the round".to_string());
        }
        if !r.rounds.rewarded.is_empty() {
            did.push(format!("rewarded {}", r.rounds.rewarded.len()));
        }
        if !r.disputes.executed.is_empty() {
            did.push(format!("executed slash {:?}", r.disputes.executed));
        }
        if did.is_empty() {
            did.push("nothing left to do".into());
        }
        parts.push(format!("keeper {label} {}", did.join(", ")));
    }
    parts.join("; ")
}

impl Cast {
    pub(super) async fn tick_all(&mut self) -> anyhow::Result<Vec<TickReport>> {
        let mut out = Vec::new();
        for k in &mut self.keepers {
            out.push(k.tick().await?);
        }
        Ok(out)
    }

    async fn current_round(&self) -> anyhow::Result<u64> {
        Ok(RoundsManager::new(self.world.d.rounds, self.world.admin())
            .currentRound()
            .call()
            .await?
            .to())
    }

    /// The gateway pays each orchestrator one winning ticket (a sure win, to keep the story
    /// short; real tickets win with a small probability).
    async fn pay_tickets(&mut self, round: u64) -> anyhow::Result<()> {
        let d = self.world.d;
        let rounds = RoundsManager::new(d.rounds, self.world.admin());
        let block_hash = rounds.blockHashForRound(U256::from(round)).call().await?;
        let sender_key = self.world.signer(GATEWAY);
        for (i, &o) in self.orchestrators.iter().enumerate() {
            self.ticket_nonce += 1;
            let rand = U256::from_be_bytes(keccak256(format!("{o}:{round}")).0);
            let t = Ticket {
                recipient: o,
                sender: self.world.address(GATEWAY),
                faceValue: U256::from(ETH / 20 * (i as u128 + 1)),
                winProb: U256::MAX,
                senderNonce: U256::from(self.ticket_nonce),
                recipientRandHash: ticket::rand_commitment(rand),
                creationRound: U256::from(round),
                creationRoundBlockHash: block_hash,
            };
            let sig = t.sign(&sender_key, self.world.chain_id, d.broker)?;
            let face_value = t.faceValue;
            let orchestrator = self.world.wallet(ORCHESTRATORS[i].0);
            let receipt = send!(
                TicketBroker::new(d.broker, &orchestrator).redeemWinningTicket(t.into(), sig, rand)
            );
            let paid = receipt
                .inner
                .logs()
                .iter()
                .find_map(|l| TicketBroker::WinningTicketRedeemed::decode_log(&l.inner).ok())
                .context("redeemWinningTicket emitted no WinningTicketRedeemed")?;
            println!(
                "    ticket {} → {:<5}: face value {} ETH, wins (probability 100%), redeemed {} ETH ({} from the deposit, {} from the reserve)",
                self.ticket_nonce,
                ORCHESTRATORS[i].1,
                eth(face_value),
                eth(paid.fromDeposit + paid.fromReserve),
                eth(paid.fromDeposit),
                eth(paid.fromReserve)
            );
        }
        Ok(())
    }

    /// The spot checker attests the round's re-run jobs (reputation rises).
    async fn attest_jobs(&self) -> anyhow::Result<()> {
        let w = self.world.wallet(SPOT_CHECKER);
        send!(
            DisputeManager::new(self.world.d.disputes, &w)
                .attestSpotChecks(self.orchestrators.clone())
        );
        Ok(())
    }
}

/// The per-round table: each orchestrator's stake, the round's reward and any slash apart (from
/// the BondingManager's Reward and Slashed events), its unclaimed fees and its reputation.
struct Table {
    rows: Vec<String>,
    /// Each orchestrator's slashed LPT so far, to show a row's slash alone.
    slashed: Vec<U256>,
}

impl Table {
    fn new() -> Self {
        Self {
            rows: Vec::new(),
            slashed: Vec::new(),
        }
    }

    async fn row(&mut self, cast: &Cast, round: u64) -> anyhow::Result<()> {
        let p = cast.world.admin();
        let d = cast.world.d;
        let bonding = BondingManager::new(d.bonding, &p);
        let lens = BondingLens::new(d.lens, &p);
        let reputation = Reputation::new(d.reputation, &p);
        for (i, &o) in cast.orchestrators.iter().enumerate() {
            let stake = bonding.delegatedStake(o).call().await?;
            let rewards = events::<BondingManager::Reward>(
                &cast.world,
                BondingManager::Reward::SIGNATURE_HASH,
                o,
            )
            .await?;
            let reward = rewards
                .iter()
                .filter(|r| r.round == U256::from(round))
                .fold(U256::ZERO, |a, r| a + r.amount);
            let slashed_total = events::<BondingManager::Slashed>(
                &cast.world,
                BondingManager::Slashed::SIGNATURE_HASH,
                o,
            )
            .await?
            .iter()
            .fold(U256::ZERO, |a, s| a + s.amount);
            if self.slashed.len() <= i {
                self.slashed.push(U256::ZERO);
            }
            let slashed = slashed_total - self.slashed[i];
            self.slashed[i] = slashed_total;
            let fees = lens.pendingFees(o).call().await?;
            let score = reputation.scoreOf(o).call().await?;
            let show = |v: U256, sign: &str| {
                if v.is_zero() {
                    "-".to_string()
                } else {
                    format!("{sign}{}", lpt(v))
                }
            };
            self.rows.push(format!(
                "| {round:>5} | {:<6} | {:>12} | {:>10} | {:>11} | {:>10} | {:>10} |",
                ORCHESTRATORS[i].1,
                lpt(stake),
                show(reward, "+"),
                show(slashed, "-"),
                eth(fees),
                lpt(score)
            ));
        }
        Ok(())
    }

    fn print(&self) {
        println!(
            "\n| round | orch.  | stake (LPT)  | reward     | slashed     | fees (ETH) | reputation |"
        );
        println!(
            "|------:|--------|-------------:|-----------:|------------:|-----------:|-----------:|"
        );
        for r in &self.rows {
            println!("{r}");
        }
        println!(
            "(reward: the pool's LPT minted that round, commission included; slashed: LPT cut that round; fees: unclaimed, to date)"
        );
    }
}

/// The BondingManager's events of type `E` about `orchestrator` (its first indexed topic).
async fn events<E: SolEvent>(
    world: &World,
    signature: alloy::primitives::B256,
    orchestrator: Address,
) -> anyhow::Result<Vec<E>> {
    let logs = world
        .admin()
        .get_logs(
            &Filter::new()
                .address(world.d.bonding)
                .event_signature(signature)
                .topic1(orchestrator.into_word())
                .from_block(world.deploy_block),
        )
        .await?;
    Ok(logs
        .iter()
        .filter_map(|l| E::decode_log(&l.inner).ok().map(|l| l.data))
        .collect())
}

struct Snapshot {
    orchestrator_stake: U256,
    delegator_stake: U256,
    challenger_lpt: U256,
    reputation: U256,
}

impl Snapshot {
    async fn take(
        cast: &Cast,
        o: Address,
        delegator: Address,
        challenger: Address,
    ) -> anyhow::Result<Self> {
        let p: DynProvider = cast.world.admin();
        let d = cast.world.d;
        let lens = BondingLens::new(d.lens, &p);
        let token = LivepeerToken::new(d.token, &p);
        Ok(Self {
            orchestrator_stake: lens.pendingStake(o).call().await?,
            delegator_stake: lens.pendingStake(delegator).call().await?,
            challenger_lpt: token.balanceOf(challenger).call().await?,
            reputation: Reputation::new(d.reputation, &p).scoreOf(o).call().await?,
        })
    }
}

async fn print_slash(cast: &Cast, before: &Snapshot, after: &Snapshot) -> anyhow::Result<()> {
    let p = cast.world.admin();
    let logs = p
        .get_logs(
            &Filter::new()
                .address(cast.world.d.disputes)
                .event_signature(DisputeManager::SlashExecuted::SIGNATURE_HASH)
                .from_block(cast.world.deploy_block),
        )
        .await?;
    let e = DisputeManager::SlashExecuted::decode_log(
        &logs.last().context("a SlashExecuted event")?.inner,
    )?;
    println!(
        "  slashed {} LPT ({:.1}% of carol's pool): {} LPT to the challenger, {} LPT burned",
        lpt(e.slashed),
        e.fractionPpb.to::<u64>() as f64 / 1e7,
        lpt(e.challengerReward),
        lpt(e.burned)
    );
    println!("  (stakes before the round's tick, after it: the round's reward is included)");
    println!(
        "  carol's own stake      {:>12} → {:>12} LPT",
        lpt(before.orchestrator_stake),
        lpt(after.orchestrator_stake)
    );
    println!(
        "  her delegator's stake  {:>12} → {:>12} LPT",
        lpt(before.delegator_stake),
        lpt(after.delegator_stake)
    );
    println!(
        "  challenger's LPT       {:>12} → {:>12} (deposit less the guilty fee, plus reward)",
        lpt(before.challenger_lpt),
        lpt(after.challenger_lpt)
    );
    println!(
        "  carol's reputation     {:>12} → {:>12}",
        lpt(before.reputation),
        lpt(after.reputation)
    );
    Ok(())
}
