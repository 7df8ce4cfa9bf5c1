//! Rounds as dates: when a future round starts, from the round length and the chain's measured
//! block time (an estimate, printed with `~`).

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use anyhow::Context;
use bindings::RoundsManager;

use crate::chain::Chain;

/// Blocks over which the block time is measured.
const SAMPLE: u64 = 1_000;
/// The block time assumed when the chain's own cannot be measured (Ethereum mainnet's).
const FALLBACK_BLOCK_SECS: f64 = 12.0;

/// The protocol's clock as of the head block.
pub struct Clock {
    pub round: u64,
    pub initialized: bool,
    round_length: u64,
    round_start: u64,
    head: u64,
    head_time: u64,
    block_secs: f64,
}

impl Clock {
    /// Reads the current round and measures the block time.
    pub async fn read(chain: &Chain) -> anyhow::Result<Self> {
        let rounds = RoundsManager::new(chain.d.rounds, &chain.provider);
        let head_block = block(chain, BlockNumberOrTag::Latest).await?;
        let head = head_block.header.number;
        let back = head.saturating_sub(SAMPLE);
        let old = block(chain, back.into()).await?;
        let span = head - back;
        let measured = (span > 0)
            .then(|| {
                head_block
                    .header
                    .timestamp
                    .saturating_sub(old.header.timestamp) as f64
                    / span as f64
            })
            .filter(|s| *s > 0.0);
        Ok(Self {
            round: rounds.currentRound().call().await?.to(),
            initialized: rounds.currentRoundInitialized().call().await?,
            round_length: rounds.roundLength().call().await?.to(),
            round_start: rounds.currentRoundStartBlock().call().await?.to(),
            head,
            head_time: head_block.header.timestamp,
            block_secs: measured.unwrap_or(FALLBACK_BLOCK_SECS),
        })
    }

    /// When round `round` starts: "now" if it has, else "in N rounds, ~date".
    pub fn when(&self, round: u64) -> String {
        if round <= self.round {
            return "now".into();
        }
        let start = self.round_start + (round - self.round) * self.round_length;
        let secs = (start.saturating_sub(self.head) as f64 * self.block_secs) as u64;
        let n = round - self.round;
        format!(
            "in {n} round{}, ~{}",
            if n == 1 { "" } else { "s" },
            date(self.head_time + secs)
        )
    }
}

async fn block(chain: &Chain, at: BlockNumberOrTag) -> anyhow::Result<alloy::rpc::types::Block> {
    chain
        .provider
        .get_block_by_number(at)
        .await
        .with_context(|| format!("reading block {at}"))?
        .with_context(|| format!("the node has no block {at}"))
}

/// A unix time as "YYYY-MM-DD HH:MM UTC".
pub fn date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let (h, m) = ((unix % 86_400) / 3_600, (unix % 3_600) / 60);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::date(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::date(1_709_210_096), "2024-02-29 12:34 UTC");
    }
}
