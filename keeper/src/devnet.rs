//! The devnet story: a fresh anvil, the suite deployed through the bindings, a round initialized.

use std::net::{Ipv4Addr, TcpListener};

use alloy::{
    node_bindings::Anvil,
    primitives::{U256, utils::format_units},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use bindings::{DeployConfig, LivepeerToken, Minter, RoundsManager, deploy, toolchain};

#[derive(clap::Args)]
pub struct DevnetArgs {
    /// Port for the local anvil node.
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// Blocks per round on the devnet.
    #[arg(long, default_value_t = 20)]
    round_length: u64,
}

pub async fn run(args: DevnetArgs) -> anyhow::Result<()> {
    ensure_port_free(args.port)?;
    if args.round_length == 0 {
        bail!("--round-length must be at least 1 block");
    }
    let anvil_bin = toolchain::anvil_bin();
    let anvil = Anvil::new()
        .path(&anvil_bin)
        .port(args.port)
        .try_spawn()
        .with_context(|| format!("starting anvil from {} (run `npm ci`)", anvil_bin.display()))?;
    println!(
        "anvil listening on {} (chain id {})",
        anvil.endpoint(),
        anvil.chain_id()
    );

    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let admin = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url());
    let config = DeployConfig {
        round_length: args.round_length,
        treasury: anvil.addresses()[1],
        ..DeployConfig::defaults_for(admin)
    };
    let d = deploy(&provider, admin, &config)
        .await
        .context("deploying the suite")?;

    println!("\ndeployed (by {admin}; governance, the timelock, is the only admin now):");
    println!("  AccessManager  {}", d.manager);
    println!("  LivepeerToken  {}", d.token);
    println!("  Minter         {}", d.minter);
    println!("  RoundsManager  {}", d.rounds);
    println!("  BondingManager {}", d.bonding);
    println!("  Governor       {}", d.governor);
    println!("  Timelock       {}", d.timelock);

    let rounds = RoundsManager::new(d.rounds, &provider);
    let minter = Minter::new(d.minter, &provider);
    let token = LivepeerToken::new(d.token, &provider);

    // Mine to the next round boundary and initialize the round as a keeper would.
    let start = rounds.currentRoundStartBlock().call().await?.to::<u64>();
    let head = provider.get_block_number().await?;
    let next_start = start + args.round_length;
    if next_start > head + 1 {
        provider
            .anvil_mine(Some(next_start - head - 1), None)
            .await?;
    }
    let receipt = rounds.initializeRound().send().await?.get_receipt().await?;
    if !receipt.status() {
        bail!("initializeRound reverted in {}", receipt.transaction_hash);
    }

    let round = rounds.currentRound().call().await?;
    let lpt = |v: U256| format_units(v, 18).unwrap_or_else(|_| v.to_string());
    println!(
        "\nround {round} initialized at block {} (gas {})",
        receipt.block_number.unwrap_or_default(),
        receipt.gas_used
    );
    println!(
        "  round length        {} blocks",
        rounds.roundLength().call().await?
    );
    println!(
        "  round start block   {}",
        rounds.currentRoundStartBlock().call().await?
    );
    println!(
        "  round block hash    {}",
        rounds.blockHashForRound(round).call().await?
    );
    println!(
        "  inflation           {} ppb per round",
        minter.inflation().call().await?
    );
    println!(
        "  bonding rate        {} ppb",
        minter.bondingRate().call().await?
    );
    println!(
        "  reward tokens       {} LPT",
        lpt(minter.currentRewardTokens().call().await?)
    );
    println!(
        "  treasury owed       {} LPT",
        lpt(minter.treasuryOwed().call().await?)
    );
    println!(
        "  total supply        {} LPT",
        lpt(token.totalSupply().call().await?)
    );

    drop(anvil);
    println!("\nanvil stopped");
    Ok(())
}

/// Fails with a clear message when something already listens on the port anvil would take.
fn ensure_port_free(port: u16) -> anyhow::Result<()> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} is already in use (another anvil or node?): stop it or pass --port <free port>"
        ),
        Err(err) => Err(err).with_context(|| format!("checking that port {port} is free")),
    }
}
