//! The simulator's deployment is `bindings::deploy`'s: the same planner, so the same defaults,
//! addresses, code and wiring.

use alloy::{providers::Provider, sol_types::SolValue};
use bindings::{DeployConfig, deploy};
use sim::evm::{Chain, deploy_defaults};
use testkit::{spawn_anvil, wallet};

#[tokio::test]
async fn revm_deployment_matches_anvil() {
    let anvil = spawn_anvil();
    let admin = anvil.addresses()[0];
    let provider = wallet(&anvil, 0);
    let config = DeployConfig::defaults(&provider, admin).await.unwrap();
    assert_eq!(
        config.abi_encode(),
        deploy_defaults(admin).abi_encode(),
        "the planner's defaults, read over RPC and in revm"
    );
    let on_anvil = deploy(&provider, &config).await.expect("deploy on anvil");

    let mut chain = Chain::in_memory(1, 1);
    let in_revm = chain.deploy(&config).expect("deploy in revm");
    assert_eq!(on_anvil, in_revm);

    for address in [
        in_revm.manager,
        in_revm.token,
        in_revm.minter,
        in_revm.rounds,
        in_revm.bonding,
        in_revm.lens,
        in_revm.broker,
        in_revm.registry,
        in_revm.reputation,
        in_revm.disputes,
        in_revm.votes,
        in_revm.governor,
        in_revm.timelock,
    ] {
        let code = provider.get_code_at(address).await.unwrap();
        assert!(!code.is_empty());
        assert_eq!(chain.code(address).unwrap(), code, "code at {address}");
    }
}
