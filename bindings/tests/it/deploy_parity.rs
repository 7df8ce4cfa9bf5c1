//! `script/Deploy.s.sol` (forge) and `bindings::deploy` (Rust) execute the same plan
//! (`script/DeployPlan.sol`): on two fresh anvil nodes, from the same key, they send the very same
//! transactions in the same order (target and full input, creations included), and so create the
//! same contracts at the same addresses with the same code.

use std::{process::Command, time::Duration};

use alloy::{
    primitives::{Address, Bytes},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use bindings::{
    AccessManager, DeployConfig, Deployment, PlannedTx, deadline::output_within, deploy, plan,
    roles, toolchain,
};
use serde_json::Value;
use testkit::spawn_anvil;

/// A cold compile through solc-js takes minutes on 2 cores; a stuck broadcast must not take longer.
const FORGE_DEADLINE: Duration = Duration::from_secs(480);

/// One broadcast transaction: `to` (`None` for a creation), input, and the created address.
#[derive(Debug)]
struct Sent {
    to: Option<Address>,
    input: Bytes,
    created: Option<Address>,
}

/// Runs the forge script against `rpc_url`, one transaction at a time (`--slow`), and reads what it
/// broadcast from `broadcast/Deploy.s.sol/<chain id>/run-latest.json`.
fn forge_deploy(rpc_url: &str, key_hex: &str, chain_id: u64) -> Vec<Sent> {
    let root = toolchain::repo_root();
    let output = output_within(
        Command::new(toolchain::forge_bin())
            .current_dir(&root)
            .env_remove("ROUND_LENGTH")
            .args(["script", "script/Deploy.s.sol", "--broadcast", "--slow"])
            .args(["--rpc-url", rpc_url, "--private-key", key_hex]),
        FORGE_DEADLINE,
    );
    assert!(
        output.status.success(),
        "forge script failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = root.join(format!("broadcast/Deploy.s.sol/{chain_id}/run-latest.json"));
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let address = |v: &Value| v.as_str().map(|s| s.parse::<Address>().unwrap());
    run["transactions"]
        .as_array()
        .expect("a transactions array")
        .iter()
        .map(|tx| Sent {
            to: address(&tx["transaction"]["to"]),
            input: tx["transaction"]["input"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
            created: (tx["transactionType"] == "CREATE")
                .then(|| address(&tx["contractAddress"]).unwrap()),
        })
        .collect()
}

/// Where two transactions part: the selector (or creation) and the first differing byte.
fn difference(forge: &Sent, rust: &PlannedTx) -> Option<String> {
    if forge.to == rust.to && forge.input == rust.input {
        return None;
    }
    let at = forge
        .input
        .iter()
        .zip(rust.input.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(forge.input.len().min(rust.input.len()));
    let head = |input: &Bytes| Bytes::copy_from_slice(&input[..input.len().min(4)]);
    Some(format!(
        "`{}`: forge sends to {:?} {} ({} bytes), Rust to {:?} {} ({} bytes); inputs part at byte {at}",
        rust.label,
        forge.to,
        head(&forge.input),
        forge.input.len(),
        rust.to,
        head(&rust.input),
        rust.input.len(),
    ))
}

fn contracts(d: &Deployment) -> [Address; 13] {
    [
        d.manager,
        d.token,
        d.minter,
        d.rounds,
        d.bonding,
        d.lens,
        d.broker,
        d.registry,
        d.reputation,
        d.disputes,
        d.votes,
        d.governor,
        d.timelock,
    ]
}

#[tokio::test]
async fn forge_script_and_rust_deploy_send_the_same_transactions() {
    let forge_chain = spawn_anvil();
    let rust_chain = spawn_anvil();
    let key = forge_chain.keys()[0].clone();
    let key_hex = format!("0x{}", alloy::hex::encode(key.to_bytes()));
    let forge_sent = forge_deploy(&forge_chain.endpoint(), &key_hex, forge_chain.chain_id());

    let signer: PrivateKeySigner = rust_chain.keys()[0].clone().into();
    let admin = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(rust_chain.endpoint_url());
    let config = DeployConfig::defaults(&provider, admin).await.unwrap();
    let planned = plan(&provider, &config).await.expect("plan");

    let differences: Vec<String> = forge_sent
        .iter()
        .zip(&planned.txs)
        .filter_map(|(forge, rust)| difference(forge, rust))
        .collect();
    assert!(
        differences.is_empty(),
        "forge and Rust send different transactions:\n{}",
        differences.join("\n")
    );
    assert_eq!(
        forge_sent.len(),
        planned.txs.len(),
        "forge sent {} transactions, the Rust plan has {}",
        forge_sent.len(),
        planned.txs.len()
    );
    let forge_created: Vec<Address> = forge_sent.iter().filter_map(|tx| tx.created).collect();
    let rust_created: Vec<Address> = planned.txs.iter().filter_map(|tx| tx.creates).collect();
    assert_eq!(forge_created, rust_created, "created addresses");

    let deployment = deploy(&provider, &config).await.expect("rust deploy");
    assert_eq!(deployment, planned.deployment);
    let forge_provider = ProviderBuilder::new().connect_http(forge_chain.endpoint_url());
    for address in contracts(&deployment) {
        let code = provider.get_code_at(address).await.unwrap();
        assert!(!code.is_empty(), "no code at {address}");
        assert_eq!(
            forge_provider.get_code_at(address).await.unwrap(),
            code,
            "code at {address}"
        );
    }

    // The hand-over: the deployer keeps no privilege, the timelock holds the authority's admin.
    let manager = AccessManager::new(deployment.manager, &provider);
    let is_admin = async |account| {
        let member = manager.hasRole(roles::ADMIN, account).call().await;
        member.unwrap().isMember
    };
    assert!(!is_admin(admin).await, "the deployer renounced the admin");
    assert!(is_admin(deployment.timelock).await);
}
