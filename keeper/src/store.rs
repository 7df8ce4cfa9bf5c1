//! The keeper's memory across restarts, in one redb file: the dispute log cursor, every dispute
//! it has seen (until it is settled on chain), and the transactions it has in flight. Every write
//! is one ACID transaction, so a crash leaves either the old or the new state, never half.

use std::path::Path;

use alloy::{
    primitives::{Address, B256, U256},
    rpc::types::TransactionRequest,
};
use anyhow::Context;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const DISPUTES: TableDefinition<u64, &[u8]> = TableDefinition::new("disputes");
const IN_FLIGHT: TableDefinition<&str, &[u8]> = TableDefinition::new("in_flight");
const CURSOR: &str = "cursor";

/// The last block whose dispute events were read, with its hash to notice a reorg under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub block: u64,
    pub hash: B256,
}

/// What the keeper knows of one dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRecord {
    pub id: u64,
    pub orchestrator: Address,
    pub conflict: bool,
    pub opened_block: u64,
    /// The disputed receipt (from `DisputedReceipt`; conflict disputes have none).
    pub receipt: Option<JobReceipt>,
    /// The keeper's own finding, kept so a restart does not re-run the model.
    pub verdict: Option<Finding>,
}

/// The parts of a receipt a verifier needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobReceipt {
    pub job_id: B256,
    pub model_id: B256,
    pub input_hash: B256,
    pub params_hash: B256,
    pub output_hash: B256,
    pub commitment_root: B256,
    pub round: U256,
}

/// A verifier's finding: the reference output hash (zero: could not reproduce, a draw vote) and
/// the first diverging layer (`U256::MAX`: unknown, no claimed layer list was published).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub reference_output_hash: B256,
    pub first_diverging_layer: U256,
}

/// A transaction sent and not yet known to be mined: enough to wait for it, or re-send it with
/// higher fees, after a restart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    /// What the transaction does (`reward:12:0xab…`): one in flight per key.
    pub key: String,
    pub nonce: u64,
    pub request: TransactionRequest,
    pub max_fee_per_gas: u128,
    pub max_priority_fee_per_gas: u128,
    /// Every hash sent for this nonce (each fee bump is a new hash).
    pub hashes: Vec<B256>,
}

/// The redb database.
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the store. A second keeper on the same file is refused.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the store's directory {}", dir.display()))?;
        }
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => anyhow::anyhow!(
                "store {} is in use by another keeper: give each keeper its own keeper.store",
                path.display()
            ),
            e => anyhow::anyhow!("opening store {}: {e}", path.display()),
        })?;
        let tx = db.begin_write()?;
        tx.open_table(META)?;
        tx.open_table(DISPUTES)?;
        tx.open_table(IN_FLIGHT)?;
        tx.commit()?;
        Ok(Self { db })
    }

    pub fn cursor(&self) -> anyhow::Result<Option<Cursor>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        let value = table.get(CURSOR)?;
        value
            .map(|v| Ok(serde_json::from_slice(v.value())?))
            .transpose()
    }

    /// Records newly seen disputes and moves the cursor past them, atomically: a crash between
    /// the two would otherwise skip or lose a dispute.
    pub fn advance(&self, cursor: Cursor, seen: &[DisputeRecord]) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut disputes = tx.open_table(DISPUTES)?;
            for record in seen {
                // An event re-read after a rewind keeps what the keeper already learned.
                let merged = match disputes.get(record.id)? {
                    Some(old) => {
                        let old: DisputeRecord = serde_json::from_slice(old.value())?;
                        DisputeRecord {
                            receipt: record.receipt.clone().or(old.receipt),
                            verdict: old.verdict,
                            ..record.clone()
                        }
                    }
                    None => record.clone(),
                };
                disputes.insert(record.id, serde_json::to_vec(&merged)?.as_slice())?;
            }
            let mut meta = tx.open_table(META)?;
            meta.insert(CURSOR, serde_json::to_vec(&cursor)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves the cursor back (after a reorg below it).
    pub fn rewind(&self, cursor: Option<Cursor>) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(META)?;
            match cursor {
                Some(c) => {
                    meta.insert(CURSOR, serde_json::to_vec(&c)?.as_slice())?;
                }
                None => {
                    meta.remove(CURSOR)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Disputes not yet settled, oldest first.
    pub fn disputes(&self) -> anyhow::Result<Vec<DisputeRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DISPUTES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            out.push(serde_json::from_slice(value.value())?);
        }
        Ok(out)
    }

    pub fn put_dispute(&self, record: &DisputeRecord) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(DISPUTES)?
            .insert(record.id, serde_json::to_vec(record)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a dispute that is settled on chain (or vanished in a reorg).
    pub fn remove_dispute(&self, id: u64) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(DISPUTES)?.remove(id)?;
        tx.commit()?;
        Ok(())
    }

    pub fn in_flight(&self) -> anyhow::Result<Vec<InFlight>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(IN_FLIGHT)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            out.push(serde_json::from_slice(value.value())?);
        }
        Ok(out)
    }

    /// Records transactions as in flight, all or none.
    pub fn put_in_flight(&self, txs: &[&InFlight]) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(IN_FLIGHT)?;
            for t in txs {
                table.insert(t.key.as_str(), serde_json::to_vec(t)?.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn remove_in_flight(&self, key: &str) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(IN_FLIGHT)?.remove(key)?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> DisputeRecord {
        DisputeRecord {
            id,
            orchestrator: Address::repeat_byte(1),
            conflict: false,
            opened_block: 10,
            receipt: None,
            verdict: None,
        }
    }

    #[test]
    fn survives_reopening_and_merges_rereads() {
        let dir = std::env::temp_dir().join(format!("keeper-store-{}", std::process::id()));
        let path = dir.join("state.redb");
        let _ = std::fs::remove_file(&path);
        let cursor = Cursor {
            block: 42,
            hash: B256::repeat_byte(7),
        };
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.cursor().unwrap(), None);
            store.advance(cursor, &[record(1), record(2)]).unwrap();
            let mut with_verdict = record(1);
            with_verdict.verdict = Some(Finding {
                reference_output_hash: B256::repeat_byte(9),
                first_diverging_layer: U256::from(3),
            });
            store.put_dispute(&with_verdict).unwrap();
            assert!(Store::open(&path).is_err(), "a second opener is refused");
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.cursor().unwrap(), Some(cursor));
        // Re-reading the event (after a rewind) keeps the finding.
        store.advance(cursor, &[record(1)]).unwrap();
        let disputes = store.disputes().unwrap();
        assert_eq!(disputes.len(), 2);
        assert!(disputes[0].verdict.is_some());
        store.remove_dispute(2).unwrap();
        assert_eq!(store.disputes().unwrap().len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
