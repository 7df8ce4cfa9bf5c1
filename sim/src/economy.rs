//! The economy: deploys the suite into an in-memory revm database, sets up the scenario's
//! orchestrators, delegators and broadcasters, and runs rounds in which each acts by its habits,
//! driven by one seeded random stream (so a seed gives the same run, byte for byte). Invariants
//! are checked and metrics taken at the end of each round.

use std::collections::{BTreeMap, HashMap};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol_types::SolEvent,
};
use anyhow::{Context as _, Result, anyhow};
use bindings::{
    BondingLens, BondingManager, Deployment, DisputeManager, LPT, LivepeerToken, Minter,
    RoundsManager, TicketBroker, no_hints, receipt, ticket,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    actors::{self, ADMIN, Broadcaster, Delegator, Flows, KEEPER, Lock, Orchestrator},
    evm::{CHAIN_ID, Chain, MemDb},
    invariants::{self, Observed},
    metrics::{self, RoundStats, Row},
    scenario::{Scenario, inclusive},
};

/// First block's timestamp (a fixed date: runs are reproducible).
const GENESIS_TIMESTAMP: u64 = 1_767_225_600;

/// ETH each broadcaster starts with (wei).
const BROADCASTER_ETH: u128 = 1_000_000 * 10u128.pow(18);

/// A dispute waiting for its veto window to pass.
struct PendingDispute {
    id: U256,
    executable_round: u64,
}

/// A running economy.
pub struct Economy {
    pub scenario: Scenario,
    pub chain: Chain<MemDb>,
    pub deployment: Deployment,
    rng: ChaCha8Rng,
    pub orchestrators: Vec<Orchestrator>,
    pub delegators: Vec<Delegator>,
    broadcasters: Vec<Broadcaster>,
    verifiers: Vec<Address>,
    challenger: Address,
    /// LPT each account bonded, unbonded and withdrew.
    pub flows: BTreeMap<Address, Flows>,
    /// LPT burned so far (transfers to the zero address).
    pub burned: U256,
    /// LPT minted at genesis.
    pub genesis_supply: U256,
    /// The current round.
    pub round: u64,
    /// The round the economy started in (after the set-up).
    pub start_round: u64,
    /// Next ticket nonce per (broadcaster, orchestrator).
    nonces: HashMap<(Address, Address), U256>,
    disputes: Vec<PendingDispute>,
    /// This round's counters.
    pub stats: RoundStats,
    /// Net LPT bonded (+) and unbonded (-) per class since the last observation, in wei.
    class_flow: Vec<i128>,
    /// Each class's stake at the last observation (the last entry: the orchestrators).
    class_stake: Option<Vec<U256>>,
    /// Each class's claimable fees at the last observation, and the fees it withdrew since (wei).
    class_fees: Vec<U256>,
    class_fees_withdrawn: Vec<U256>,
    /// A row per round.
    pub rows: Vec<Row>,
}

impl Economy {
    /// Deploys the suite and sets up the scenario's actors; the economy then stands at the first
    /// round in which the initial stake is active.
    pub fn new(scenario: Scenario) -> Result<Self> {
        Self::with_recording(scenario, false)
    }

    /// Like [`Economy::new`]; with `record`, every transaction from the deployment on is kept in
    /// `chain.record` and gets a block of its own, as on a node with automine (to replay there;
    /// rounds must then be longer than their transactions).
    pub fn with_recording(scenario: Scenario, record: bool) -> Result<Self> {
        scenario.validate()?;
        let length = scenario.protocol.round_length;
        let mut chain = Chain::in_memory(length, GENESIS_TIMESTAMP + length * scenario.block_time);
        if record {
            chain.record = Some(Vec::new());
            chain.block_per_tx = Some(scenario.block_time);
        }
        chain.set_balance(ADMIN, U256::from(10u128.pow(24)));
        let deployment = chain
            .deploy(&scenario.deploy_config(ADMIN))
            .context("deploying the suite in revm")?;
        let rng = ChaCha8Rng::seed_from_u64(scenario.seed);
        let round = chain.block_number() / length;
        let classes = scenario.delegator_classes.len();
        let mut economy = Self {
            genesis_supply: U256::from(scenario.protocol.genesis_supply_lpt) * LPT,
            scenario,
            chain,
            deployment,
            rng,
            orchestrators: Vec::new(),
            delegators: Vec::new(),
            broadcasters: Vec::new(),
            verifiers: Vec::new(),
            challenger: actors::address("challenger"),
            flows: BTreeMap::new(),
            burned: U256::ZERO,
            round,
            start_round: round,
            nonces: HashMap::new(),
            disputes: Vec::new(),
            stats: RoundStats::default(),
            class_flow: vec![0; classes + 1],
            class_stake: None,
            class_fees: vec![U256::ZERO; classes + 1],
            class_fees_withdrawn: vec![U256::ZERO; classes + 1],
            rows: Vec::new(),
        };
        economy.set_up().context("setting up the actors")?;
        economy.round = economy.chain.block_number() / length;
        economy.next_round().context("starting the first round")?;
        economy.start_round = economy.round;
        economy.stats = RoundStats::default();
        let observed = invariants::check(&mut economy).context("after the set-up")?;
        economy.class_stake = Some(economy.class_stakes(&observed));
        economy.class_fees = economy.class_fees(&observed);
        economy.class_flow.iter_mut().for_each(|f| *f = 0);
        economy.class_fees_withdrawn.fill(U256::ZERO);
        Ok(economy)
    }

    fn set_up(&mut self) -> Result<()> {
        let d = self.deployment;
        let s = self.scenario.clone();
        for i in 0..s.orchestrators.count {
            let key = actors::key(&format!("orchestrator-{i}"));
            let address = key.address();
            let stake = self.lpt_in(s.orchestrators.self_stake_lpt);
            let reward_cut = self
                .rng
                .random_range(inclusive(s.orchestrators.reward_cut_ppm));
            let fee_share = self
                .rng
                .random_range(inclusive(s.orchestrators.fee_share_ppm));
            self.give_lpt(address, stake)?;
            self.approve_bonding(address)?;
            self.chain.send(
                address,
                d.bonding,
                BondingManager::registerOrchestratorCall {
                    rewardCut: U256::from(reward_cut),
                    feeShare: U256::from(fee_share),
                },
            )?;
            self.orchestrators.push(Orchestrator { address, key });
            self.bond(address, address, stake)?;
        }
        for (class, c) in s.delegator_classes.iter().enumerate() {
            for i in 0..c.count {
                let address = actors::address(&format!("delegator-{}-{i}", c.name));
                let stake = self.lpt_in(c.stake_lpt);
                let to =
                    self.orchestrators[self.rng.random_range(0..s.orchestrators.count)].address;
                self.give_lpt(address, stake * U256::from(2))?;
                self.approve_bonding(address)?;
                self.delegators.push(Delegator {
                    address,
                    class,
                    delegate: to,
                    liquid: stake * U256::from(2),
                    locks: Vec::new(),
                });
                let index = self.delegators.len() - 1;
                self.delegator_bond(index, stake)?;
            }
        }
        for i in 0..s.fees.broadcasters {
            let key = actors::key(&format!("broadcaster-{i}"));
            let address = key.address();
            self.chain.set_balance(address, U256::from(BROADCASTER_ETH));
            self.broadcasters.push(Broadcaster { address, key });
            self.fund_broadcaster(i)?;
        }
        if s.disputes.probability > 0.0 {
            for i in 0..s.disputes.verifiers {
                let verifier = actors::address(&format!("verifier-{i}"));
                // Governance approves verifiers: the timelock executes the call, as a proposal would.
                self.chain.send(
                    d.timelock,
                    d.disputes,
                    DisputeManager::setVerifierCall {
                        verifier,
                        approved: true,
                    },
                )?;
                self.verifiers.push(verifier);
            }
            let deposits = U256::from(1_000_000u64) * LPT;
            self.chain.send(
                ADMIN,
                d.token,
                LivepeerToken::transferCall {
                    to: self.challenger,
                    value: deposits,
                },
            )?;
            self.chain.send(
                self.challenger,
                d.token,
                LivepeerToken::approveCall {
                    spender: d.disputes,
                    value: U256::MAX,
                },
            )?;
        }
        Ok(())
    }

    /// Runs one round: the clock moves on, the round starts, everyone acts, then the invariants
    /// are checked (an error names the round and the invariant) and the round's row is taken.
    pub fn step(&mut self) -> Result<()> {
        self.stats = RoundStats::default();
        self.next_round()?;
        let round = self.round;
        self.act().with_context(|| format!("round {round}"))?;
        self.observe()
    }

    /// Checks the invariants (when due) and records this round's row.
    pub fn observe(&mut self) -> Result<()> {
        let round = self.round;
        let due = round.is_multiple_of(self.scenario.checks.every);
        let observed = if due {
            Some(
                invariants::check(self)
                    .with_context(|| format!("round {round}: invariant check failed"))?,
            )
        } else {
            None
        };
        // Fees first: they are measured against the stake at the last observation.
        let fee_returns = observed.as_ref().map(|o| self.class_fee_returns(o));
        let returns = observed.as_ref().map(|o| self.class_returns(o));
        let mut row = Row::take(self, observed.as_ref(), returns, fee_returns)
            .with_context(|| format!("round {round}: metrics"))?;
        metrics::trailing(&self.rows, &mut row, self.scenario.rounds_per_year());
        self.rows.push(row);
        Ok(())
    }

    /// Runs the scenario's rounds, calling `progress` after each.
    pub fn run(&mut self, mut progress: impl FnMut(u64)) -> Result<()> {
        for i in 0..self.scenario.rounds {
            self.step()?;
            progress(i + 1);
        }
        Ok(())
    }

    fn act(&mut self) -> Result<()> {
        let d = self.deployment;
        self.chain
            .send(KEEPER, d.minter, Minter::mintTreasuryCall {})?;
        self.execute_disputes()?;
        let active = self
            .chain
            .view(d.bonding, BondingManager::activeSetCall {})?;
        let s = self.scenario.clone();
        for &o in &active {
            if self.rng.random_bool(s.orchestrators.reward_probability) {
                self.chain.send(
                    o,
                    d.bonding,
                    BondingManager::rewardCall {
                        orchestrator: o,
                        prevHint: Address::ZERO,
                        nextHint: Address::ZERO,
                    },
                )?;
                self.stats.rewards += 1;
            }
        }
        if !active.is_empty() {
            for _ in 0..s.fees.tickets_per_round {
                let b = self.rng.random_range(0..self.broadcasters.len());
                let o = active[self.rng.random_range(0..active.len())];
                let face = U256::from(
                    self.rng
                        .random_range(inclusive(s.fees.face_value_milli_eth)),
                ) * U256::from(10u64.pow(15));
                self.redeem_ticket(b, o, face)?;
            }
        }
        for i in 0..self.delegators.len() {
            self.delegator_acts(i)?;
        }
        for i in 0..self.orchestrators.len() {
            if self
                .rng
                .random_bool(s.orchestrators.withdraw_fees_probability)
            {
                let address = self.orchestrators[i].address;
                let orchestrators = self.class_fees.len() - 1;
                self.withdraw_fees(address, orchestrators)?;
            }
        }
        if !active.is_empty() && self.rng.random_bool(s.disputes.probability) {
            let o = active[self.rng.random_range(0..active.len())];
            self.dispute(o)?;
        }
        Ok(())
    }

    fn delegator_acts(&mut self, i: usize) -> Result<()> {
        let class = self.scenario.delegator_classes[self.delegators[i].class].clone();
        let address = self.delegators[i].address;
        let round = self.round;
        // Matured locks are withdrawn.
        let due: Vec<U256> = self.delegators[i]
            .locks
            .iter()
            .filter(|l| l.withdraw_round <= round)
            .map(|l| l.id)
            .collect();
        for id in due {
            self.withdraw_lock(i, id)?;
        }
        if self.rng.random_bool(class.bond_probability) && !self.delegators[i].liquid.is_zero() {
            let share = self.rng.random_range(1..=100u64);
            let amount = self.delegators[i].liquid * U256::from(share) / U256::from(100u64);
            if !amount.is_zero() {
                self.delegator_bond(i, amount)?;
            }
        }
        if self.rng.random_bool(class.unbond_probability) {
            let stake = self.chain.view(
                self.deployment.lens,
                BondingLens::pendingStakeCall { delegator: address },
            )?;
            let amount = fraction(stake, class.unbond_fraction);
            if !amount.is_zero() {
                self.unbond(i, amount)?;
            }
        }
        if self.rng.random_bool(class.claim_probability) {
            self.chain.send(
                address,
                self.deployment.bonding,
                BondingManager::claimEarningsCall {},
            )?;
            self.stats.claims += 1;
        }
        if self.rng.random_bool(class.withdraw_fees_probability) {
            let class = self.delegators[i].class;
            self.withdraw_fees(address, class)?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- actions

    /// Moves the clock to the next round's first block and initializes the round.
    pub fn next_round(&mut self) -> Result<()> {
        let length = self.scenario.protocol.round_length;
        let block = (self.round + 1) * length;
        anyhow::ensure!(
            self.chain.block_number() <= block,
            "round {} used more blocks than a round has ({length}): use longer rounds",
            self.round
        );
        self.chain
            .set_block(block, GENESIS_TIMESTAMP + block * self.scenario.block_time);
        self.round += 1;
        self.chain
            .send(
                KEEPER,
                self.deployment.rounds,
                RoundsManager::initializeRoundCall {},
            )
            .with_context(|| format!("initializing round {}", self.round))?;
        Ok(())
    }

    /// A delegator bonds `amount` of its liquid LPT to its orchestrator.
    pub fn delegator_bond(&mut self, i: usize, amount: U256) -> Result<()> {
        let (address, to) = (self.delegators[i].address, self.delegators[i].delegate);
        self.bond(address, to, amount)?;
        self.delegators[i].liquid -= amount;
        self.class_flow[self.delegators[i].class] += wei_i128(amount);
        Ok(())
    }

    fn bond(&mut self, account: Address, to: Address, amount: U256) -> Result<()> {
        self.chain.send(
            account,
            self.deployment.bonding,
            BondingManager::bondCall {
                amount,
                to,
                hints: no_hints(),
            },
        )?;
        self.flows.entry(account).or_default().bonded += amount;
        self.stats.bonds += 1;
        Ok(())
    }

    /// A delegator unbonds `amount` into a new lock.
    pub fn unbond(&mut self, i: usize, amount: U256) -> Result<()> {
        let address = self.delegators[i].address;
        let id = self.chain.send(
            address,
            self.deployment.bonding,
            BondingManager::unbondCall {
                amount,
                prevHint: Address::ZERO,
                nextHint: Address::ZERO,
            },
        )?;
        let withdraw_round = self.round + self.scenario.protocol.unbonding_period;
        self.delegators[i].locks.push(Lock {
            id,
            amount,
            withdraw_round,
        });
        self.flows.entry(address).or_default().unbonded += amount;
        self.class_flow[self.delegators[i].class] -= wei_i128(amount);
        self.stats.unbonds += 1;
        Ok(())
    }

    /// A delegator withdraws lock `id` (whether or not the simulator still lists it) and is paid
    /// what the contract pays.
    pub fn withdraw_lock(&mut self, i: usize, id: U256) -> Result<U256> {
        let address = self.delegators[i].address;
        let (_, logs) = self.chain.send_logs(
            address,
            self.deployment.bonding,
            BondingManager::withdrawStakeCall { lockId: id },
        )?;
        self.tally_burns(&logs);
        let paid = logs
            .iter()
            .find_map(|log| BondingManager::StakeWithdrawn::decode_log(log).ok())
            .map(|e| e.data.amount)
            .ok_or_else(|| anyhow!("withdrawStake emitted no StakeWithdrawn"))?;
        self.delegators[i].locks.retain(|l| l.id != id);
        self.delegators[i].liquid += paid;
        self.flows.entry(address).or_default().withdrawn += paid;
        self.stats.withdrawals += 1;
        Ok(paid)
    }

    /// Withdraws `account`'s fees; `class` is its delegator class (the orchestrators: the last).
    fn withdraw_fees(&mut self, account: Address, class: usize) -> Result<()> {
        let bonding = self.deployment.bonding;
        let fees = self.chain.view(
            self.deployment.lens,
            BondingLens::pendingFeesCall { delegator: account },
        )?;
        if fees.is_zero() {
            return Ok(());
        }
        self.chain.send(
            account,
            bonding,
            BondingManager::withdrawFeesCall {
                recipient: account,
                amount: fees,
            },
        )?;
        self.stats.fee_withdrawals += 1;
        self.class_fees_withdrawn[class] += fees;
        Ok(())
    }

    fn fund_broadcaster(&mut self, b: usize) -> Result<()> {
        let fees = &self.scenario.fees;
        let deposit = eth(fees.deposit_eth);
        let reserve = eth(fees.reserve_eth);
        self.chain.send_value(
            self.broadcasters[b].address,
            self.deployment.broker,
            TicketBroker::fundDepositAndReserveCall {
                depositAmount: deposit,
                reserveAmount: reserve,
            },
            deposit + reserve,
        )?;
        Ok(())
    }

    /// Broadcaster `b` pays orchestrator `o` a winning ticket of `face` wei, which `o` redeems.
    fn redeem_ticket(&mut self, b: usize, o: Address, face: U256) -> Result<()> {
        let d = self.deployment;
        let sender = self.broadcasters[b].address;
        let info = self
            .chain
            .view(d.broker, TicketBroker::getSenderInfoCall { sender })?;
        if info.deposit < face {
            self.fund_broadcaster(b)?;
        }
        let round = U256::from(self.round);
        let block_hash = self
            .chain
            .view(d.rounds, RoundsManager::blockHashForRoundCall { round })?;
        let nonce = self.nonces.entry((sender, o)).or_insert(U256::ZERO);
        let sender_nonce = *nonce;
        *nonce += U256::from(1);
        let recipient_rand = U256::from_be_bytes(self.rng.random::<[u8; 32]>());
        let t = ticket::Ticket {
            recipient: o,
            sender,
            faceValue: face,
            // Every ticket wins: the simulator models the expected payments, not the lottery.
            winProb: U256::MAX,
            senderNonce: sender_nonce,
            recipientRandHash: ticket::rand_commitment(recipient_rand),
            creationRound: round,
            creationRoundBlockHash: block_hash,
        };
        let sig = t
            .sign(&self.broadcasters[b].key, CHAIN_ID, d.broker)
            .context("signing a ticket")?;
        self.chain.send(
            o,
            d.broker,
            TicketBroker::redeemWinningTicketCall {
                ticket: t.into(),
                sig,
                recipientRand: recipient_rand,
            },
        )?;
        self.stats.tickets += 1;
        self.stats.fees += face;
        Ok(())
    }

    /// Orchestrator `o` serves a job with a cheated output; a challenger disputes the receipt
    /// and two verifiers find it guilty. The slash executes once the veto window has passed.
    fn dispute(&mut self, o: Address) -> Result<()> {
        let d = self.deployment;
        let key = &self
            .orchestrators
            .iter()
            .find(|x| x.address == o)
            .ok_or_else(|| anyhow!("{o} is not a simulated orchestrator"))?
            .key;
        let job = self.rng.random::<[u8; 32]>();
        let r = receipt::Receipt {
            orchestrator: o,
            jobId: B256::from(job),
            modelId: keccak256("sim-model"),
            inputHash: keccak256([&job[..], b"input"].concat()),
            paramsHash: keccak256("sim-params"),
            outputHash: keccak256([&job[..], b"cheated"].concat()),
            commitmentRoot: keccak256([&job[..], b"layers"].concat()),
            round: U256::from(self.round),
        };
        let domain = receipt::dispute_domain(CHAIN_ID, d.disputes);
        let signature = r.sign(key, &domain).context("signing a receipt")?;
        let id = self.chain.send(
            self.challenger,
            d.disputes,
            DisputeManager::openDisputeCall {
                receipt: (&r).into(),
                signature,
            },
        )?;
        let reference = keccak256([&job[..], b"honest"].concat());
        for &v in self.verifiers.iter().take(2) {
            self.chain.send(
                v,
                d.disputes,
                DisputeManager::submitVerdictCall {
                    disputeId: id,
                    referenceOutputHash: reference,
                    firstDivergingLayer: U256::from(1),
                },
            )?;
        }
        let dispute = self
            .chain
            .view(d.disputes, DisputeManager::getDisputeCall { disputeId: id })?;
        self.disputes.push(PendingDispute {
            id,
            executable_round: u64::from(dispute.vetoEndRound),
        });
        self.stats.disputes += 1;
        Ok(())
    }

    fn execute_disputes(&mut self) -> Result<()> {
        let round = self.round;
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.disputes)
            .into_iter()
            .partition(|p| p.executable_round <= round);
        self.disputes = waiting;
        for p in due {
            let bonding = self.deployment.bonding;
            let bonded = self
                .chain
                .view(bonding, BondingManager::totalBondedCall {})?;
            let (_, logs) = self.chain.send_logs(
                KEEPER,
                self.deployment.disputes,
                DisputeManager::executeSlashCall {
                    disputeId: p.id,
                    prevHint: Address::ZERO,
                    nextHint: Address::ZERO,
                },
            )?;
            self.tally_burns(&logs);
            self.stats.slashes += 1;
            let after = self
                .chain
                .view(bonding, BondingManager::totalBondedCall {})?;
            self.stats.slashed += bonded.saturating_sub(after);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- helpers

    fn give_lpt(&mut self, to: Address, amount: U256) -> Result<()> {
        self.chain.send(
            ADMIN,
            self.deployment.token,
            LivepeerToken::transferCall { to, value: amount },
        )?;
        Ok(())
    }

    fn approve_bonding(&mut self, account: Address) -> Result<()> {
        self.chain.send(
            account,
            self.deployment.token,
            LivepeerToken::approveCall {
                spender: self.deployment.bonding,
                value: U256::MAX,
            },
        )?;
        Ok(())
    }

    fn lpt_in(&mut self, range: [u64; 2]) -> U256 {
        U256::from(self.rng.random_range(inclusive(range))) * LPT
    }

    fn tally_burns(&mut self, logs: &[alloy::primitives::Log]) {
        for log in logs {
            if log.address != self.deployment.token {
                continue;
            }
            if let Ok(t) = LivepeerToken::Transfer::decode_log(log)
                && t.to == Address::ZERO
            {
                self.burned += t.value;
                self.stats.burned += t.value;
            }
        }
    }

    /// Each class's stake, and the orchestrators' own (last), from an observation.
    fn class_stakes(&self, observed: &Observed) -> Vec<U256> {
        let mut stakes = vec![U256::ZERO; self.scenario.delegator_classes.len() + 1];
        for (d, stake) in self.delegators.iter().zip(&observed.delegator_stake) {
            stakes[d.class] += *stake;
        }
        let last = stakes.len() - 1;
        stakes[last] = observed.orchestrator_stake.iter().copied().sum();
        stakes
    }

    /// Each class's claimable fees, and the orchestrators' (last), from an observation.
    fn class_fees(&self, observed: &Observed) -> Vec<U256> {
        let mut fees = vec![U256::ZERO; self.scenario.delegator_classes.len() + 1];
        let (delegators, orchestrators) = observed.fees.split_at(self.delegators.len());
        for (d, f) in self.delegators.iter().zip(delegators) {
            fees[d.class] += *f;
        }
        let last = fees.len() - 1;
        fees[last] = orchestrators.iter().copied().sum();
        fees
    }

    /// Each class's fees earned per round since the last observation (claimable now, less
    /// claimable then, plus withdrawn), in ETH per LPT of its stake then.
    fn class_fee_returns(&mut self, observed: &Observed) -> Vec<f64> {
        let now = self.class_fees(observed);
        let rounds = self.scenario.checks.every as f64;
        let stakes = self.class_stake.clone().unwrap_or_default();
        let returns = now
            .iter()
            .zip(&self.class_fees)
            .zip(&self.class_fees_withdrawn)
            .zip(stakes.iter().chain(std::iter::repeat(&U256::ZERO)))
            .map(|(((now, before), withdrawn), stake)| {
                let stake = wei_f64(*stake);
                if stake == 0.0 {
                    return 0.0;
                }
                let earned = wei_f64(*now + *withdrawn) - wei_f64(*before);
                earned / stake / rounds
            })
            .collect();
        self.class_fees = now;
        self.class_fees_withdrawn.fill(U256::ZERO);
        returns
    }

    /// Each class's return per round since the last observation (a fraction, not annualised:
    /// see `metrics::trailing`): stake growth not explained by bonding and unbonding, over the
    /// stake before. A slash round's loss shows here as it happened.
    fn class_returns(&mut self, observed: &Observed) -> Vec<f64> {
        let now = self.class_stakes(observed);
        let rounds = self.scenario.checks.every as f64;
        let returns = match &self.class_stake {
            Some(before) => now
                .iter()
                .zip(before)
                .zip(&self.class_flow)
                .map(|((now, before), flow)| {
                    let before = wei_f64(*before);
                    if before == 0.0 {
                        return 0.0;
                    }
                    let growth = wei_f64(*now) - before - *flow as f64;
                    growth / before / rounds
                })
                .collect(),
            None => vec![0.0; now.len()],
        };
        self.class_stake = Some(now);
        self.class_flow.iter_mut().for_each(|f| *f = 0);
        returns
    }
}

/// `value * f`, rounded down, for `0 <= f <= 1`.
fn fraction(value: U256, f: f64) -> U256 {
    let ppm = (f * 1e6).round() as u64;
    value * U256::from(ppm) / U256::from(1_000_000u64)
}

/// Whole or fractional ETH in wei (milli-ETH precision).
fn eth(amount: f64) -> U256 {
    U256::from((amount * 1e3).round() as u64) * U256::from(10u64.pow(15))
}

fn wei_i128(v: U256) -> i128 {
    i128::try_from(v).unwrap_or(i128::MAX)
}

/// Wei as a float (exact enough for rates; totals of LPT fit in 128 bits).
pub fn wei_f64(v: U256) -> f64 {
    u128::try_from(v).map(|x| x as f64).unwrap_or(f64::MAX)
}
