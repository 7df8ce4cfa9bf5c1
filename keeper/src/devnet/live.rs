//! `keeper devnet --keep-running`: the chain stays up after the story, with what a user needs to
//! explore it: the addresses, the deployment file and `lpt` commands (a delegator's key in a file
//! the commands read, never typed on a command line).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::world::World;

pub async fn keep_running(
    world: &World,
    out: &Path,
    deployment: &Path,
    delegator: usize,
) -> anyhow::Result<()> {
    let d = world.d;
    println!("\n▸ the chain keeps running");
    for (name, address) in [
        ("LivepeerToken", d.token),
        ("BondingManager", d.bonding),
        ("BondingLens", d.lens),
        ("RoundsManager", d.rounds),
        ("Minter", d.minter),
        ("TicketBroker", d.broker),
        ("CapabilityRegistry", d.registry),
        ("Reputation", d.reputation),
        ("DisputeManager", d.disputes),
        ("BondingVotes", d.votes),
        ("LivepeerGovernor", d.governor),
        ("TimelockController", d.timelock),
        ("AccessManager", d.manager),
        ("ProofGame", d.proof_game),
    ] {
        println!("  {name:<19} {address}");
    }
    let key = out.join("delegator.key");
    write_secret(
        &key,
        &format!(
            "0x{}",
            alloy::hex::encode(world.signer(delegator).to_bytes())
        ),
    )?;
    let lpt = format!(
        "{} --rpc-url {} --deployment {}",
        lpt_path().display(),
        world.url(),
        deployment.display()
    );
    let me = world.address(delegator);
    println!(
        "\n  try (the delegator {me}'s key is in {}):",
        key.display()
    );
    println!("    {lpt} orchestrators");
    println!("    {lpt} position {me}");
    println!("    {lpt} proposals");
    println!(
        "    LPT_PRIVATE_KEY=$(cat {}) {lpt} unbond 100",
        key.display()
    );
    println!(
        "\n  anvil keeps running at {} (chain {}); Ctrl-C stops it",
        world.url(),
        world.chain_id
    );
    stopped().await
}

/// The `lpt` binary beside this one (the same build), relative to the working directory.
fn lpt_path() -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("lpt")));
    match beside {
        Some(path) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            path.strip_prefix(&cwd)
                .map(Path::to_path_buf)
                .unwrap_or(path)
        }
        None => PathBuf::from("lpt"),
    }
}

/// Writes a key readable by its owner only.
fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
async fn stopped() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("listening for Ctrl-C")?,
        _ = term.recv() => {}
    }
    Ok(())
}
