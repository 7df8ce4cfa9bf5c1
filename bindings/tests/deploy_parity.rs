//! `script/Deploy.s.sol` (forge) and `bindings::deploy` (Rust) must deploy the same suite: on two
//! fresh anvil nodes they give the same addresses, the same runtime code and the same wiring.

use std::process::Command;

use alloy::{
    node_bindings::Anvil,
    primitives::{Address, Bytes, FixedBytes, keccak256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use bindings::{
    AccessManager, BondingManager, DeployConfig, Deployment, DisputeManager, LivepeerGovernor,
    LivepeerToken, Minter, Reputation, TicketBroker, TimelockController, deploy, roles, toolchain,
};

/// Runs the forge script against `rpc_url` and reads the addresses it prints.
fn forge_deploy(rpc_url: &str, key_hex: &str) -> Deployment {
    let output = Command::new(toolchain::forge_bin())
        .current_dir(toolchain::repo_root())
        .args([
            "script",
            "script/Deploy.s.sol",
            "--rpc-url",
            rpc_url,
            "--broadcast",
        ])
        .args(["--private-key", key_hex])
        .output()
        .expect("forge runs (run `npm ci` to install it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "forge script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let address_of = |name: &str| -> Address {
        stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("forge printed no address for {name}:\n{stdout}"))
    };
    Deployment {
        manager: address_of("AccessManager"),
        token: address_of("LivepeerToken"),
        minter: address_of("Minter"),
        rounds: address_of("RoundsManager"),
        bonding: address_of("BondingManager"),
        broker: address_of("TicketBroker"),
        registry: address_of("CapabilityRegistry"),
        reputation: address_of("Reputation"),
        disputes: address_of("DisputeManager"),
        votes: address_of("BondingVotes"),
        governor: address_of("LivepeerGovernor"),
        timelock: address_of("TimelockController"),
    }
}

/// Everything that tells two deployments apart: runtime code and the authority's wiring.
async fn fingerprint(provider: &impl Provider, d: &Deployment, admin: Address) -> Vec<String> {
    let mut out = Vec::new();
    let all = [
        d.manager,
        d.token,
        d.minter,
        d.rounds,
        d.bonding,
        d.broker,
        d.registry,
        d.reputation,
        d.disputes,
        d.votes,
        d.governor,
        d.timelock,
    ];
    for address in all {
        let code: Bytes = provider.get_code_at(address).await.unwrap();
        assert!(!code.is_empty(), "no code at {address}");
        out.push(format!("{address}: {code}"));
    }
    let manager = AccessManager::new(d.manager, provider);
    let restricted = [
        (d.token, LivepeerToken::mintCall::SELECTOR),
        (d.minter, Minter::startRoundCall::SELECTOR),
        (d.minter, Minter::mintRewardCall::SELECTOR),
        (d.minter, Minter::setTreasuryCall::SELECTOR),
        (d.bonding, BondingManager::creditFeesCall::SELECTOR),
        (d.bonding, BondingManager::slashCall::SELECTOR),
        (d.bonding, BondingManager::freezeMovesCall::SELECTOR),
        (d.bonding, BondingManager::setUnbondingPeriodCall::SELECTOR),
        (d.broker, TicketBroker::setFeeCreditorCall::SELECTOR),
        (d.broker, TicketBroker::setReserveSharesCall::SELECTOR),
        (d.reputation, Reputation::recordPassesCall::SELECTOR),
        (d.reputation, Reputation::penalizeCall::SELECTOR),
        (d.reputation, Reputation::setPriceOracleCall::SELECTOR),
        (d.disputes, DisputeManager::vetoCall::SELECTOR),
        (d.disputes, DisputeManager::setVerifierCall::SELECTOR),
        (d.disputes, DisputeManager::setSlashRateLimitCall::SELECTOR),
    ];
    for (target, selector) in restricted {
        let role = manager
            .getTargetFunctionRole(target, selector.into())
            .call()
            .await
            .unwrap();
        out.push(format!("role of {target}.{selector:?}: {role}"));
    }
    for role in [
        roles::ADMIN,
        roles::MINTER,
        roles::ROUND_INITIALIZER,
        roles::REWARDER,
        roles::FEE_CREDITOR,
        roles::SLASHER,
        roles::ARBITRATOR,
        roles::REPUTATION_WRITER,
    ] {
        for account in all.into_iter().chain([admin]) {
            let member = manager
                .hasRole(role, account)
                .call()
                .await
                .unwrap()
                .isMember;
            out.push(format!("role {role} held by {account}: {member}"));
        }
    }
    let minter = Minter::new(d.minter, provider);
    out.push(format!(
        "stake totals: {}",
        minter.stakeTotals().call().await.unwrap()
    ));
    out.push(format!(
        "treasury: {}",
        minter.treasury().call().await.unwrap()
    ));
    let timelock = TimelockController::new(d.timelock, provider);
    for role in ["", "PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"] {
        let id = if role.is_empty() {
            FixedBytes::ZERO
        } else {
            keccak256(role)
        };
        for account in all.iter().chain([&Address::ZERO]) {
            let member = timelock.hasRole(id, *account).call().await.unwrap();
            out.push(format!(
                "timelock role {role:?} held by {account}: {member}"
            ));
        }
    }
    let governor = LivepeerGovernor::new(d.governor, provider);
    out.push(format!(
        "governor: token {}, timelock {}, delay {}, period {}, threshold {}, quorum {}, quota {}",
        governor.token().call().await.unwrap(),
        governor.timelock().call().await.unwrap(),
        governor.votingDelay().call().await.unwrap(),
        governor.votingPeriod().call().await.unwrap(),
        governor.proposalThreshold().call().await.unwrap(),
        governor.quorumNumerator_1().call().await.unwrap(),
        governor.quota().call().await.unwrap(),
    ));
    let broker = TicketBroker::new(d.broker, provider);
    out.push(format!(
        "broker: rounds {}, unlock {}, validity {}, shares {}, creditor {}",
        broker.rounds().call().await.unwrap(),
        broker.unlockPeriod().call().await.unwrap(),
        broker.ticketValidityPeriod().call().await.unwrap(),
        broker.reserveShares().call().await.unwrap(),
        broker.feeCreditor().call().await.unwrap(),
    ));
    let disputes = DisputeManager::new(d.disputes, provider);
    out.push(format!(
        "disputes: deposit {} statute {} verdict period {} veto window {} quorum {} max cut {} \
         reward cut {} rate limit {} per {} reputation {}",
        disputes.deposit().call().await.unwrap(),
        disputes.statuteOfLimitations().call().await.unwrap(),
        disputes.verdictPeriod().call().await.unwrap(),
        disputes.vetoWindow().call().await.unwrap(),
        disputes.quorum().call().await.unwrap(),
        disputes.maxSlashCutPpb().call().await.unwrap(),
        disputes.challengerRewardCutPpb().call().await.unwrap(),
        disputes.rateLimitAmount().call().await.unwrap(),
        disputes.rateLimitWindow().call().await.unwrap(),
        disputes.reputation().call().await.unwrap(),
    ));
    let reputation = Reputation::new(d.reputation, provider);
    out.push(format!(
        "reputation: decay {} pass points {} penalty {} bonding {}",
        reputation.decayPpb().call().await.unwrap(),
        reputation.passPoints().call().await.unwrap(),
        reputation.penaltyPpb().call().await.unwrap(),
        reputation.bonding().call().await.unwrap(),
    ));
    out
}

#[tokio::test]
async fn forge_script_and_rust_deploy_match() {
    let forge_chain = Anvil::new()
        .path(toolchain::anvil_bin())
        .try_spawn()
        .expect("anvil");
    let rust_chain = Anvil::new()
        .path(toolchain::anvil_bin())
        .try_spawn()
        .expect("anvil");

    let key = forge_chain.keys()[0].clone();
    let key_hex = format!("0x{}", alloy::hex::encode(key.to_bytes()));
    let forge_deployment = forge_deploy(&forge_chain.endpoint(), &key_hex);

    let signer: PrivateKeySigner = rust_chain.keys()[0].clone().into();
    let admin = signer.address();
    let rust_provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(rust_chain.endpoint_url());
    let rust_deployment = deploy(&rust_provider, admin, &DeployConfig::defaults_for(admin))
        .await
        .expect("rust deploy");

    assert_eq!(forge_deployment, rust_deployment, "same addresses");
    let forge_provider = ProviderBuilder::new().connect_http(forge_chain.endpoint_url());
    let forge_print = fingerprint(&forge_provider, &forge_deployment, admin).await;
    let rust_print = fingerprint(&rust_provider, &rust_deployment, admin).await;
    let short = |s: &String| s.chars().take(120).collect::<String>();
    let differences: Vec<String> = forge_print
        .iter()
        .zip(&rust_print)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("forge: {}\n rust: {}", short(a), short(b)))
        .collect();
    assert_eq!(forge_print.len(), rust_print.len());
    assert!(
        differences.is_empty(),
        "code or wiring differs:\n{}",
        differences.join("\n")
    );

    // The hand-over: the deployer keeps no privilege, the timelock holds the authority's admin.
    let manager = AccessManager::new(rust_deployment.manager, &rust_provider);
    let is_admin = |account| {
        let manager = &manager;
        async move {
            manager
                .hasRole(roles::ADMIN, account)
                .call()
                .await
                .unwrap()
                .isMember
        }
    };
    assert!(!is_admin(admin).await, "the deployer renounced the admin");
    assert!(is_admin(rust_deployment.timelock).await);
    let timelock = TimelockController::new(rust_deployment.timelock, &rust_provider);
    assert!(
        !timelock
            .hasRole(FixedBytes::ZERO, admin)
            .call()
            .await
            .unwrap()
    );
}
