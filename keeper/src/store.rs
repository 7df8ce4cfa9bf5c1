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
const GAMES: TableDefinition<u64, &[u8]> = TableDefinition::new("games");
const OPENINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("openings");
const CURSOR: &str = "cursor";
const DEPLOYMENT: &str = "deployment";

/// The chain and deployment a store belongs to: written on first open, checked on every open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: u64,
    pub dispute_manager: Address,
}

/// A store that belongs to another chain or deployment: its cursor, disputes and signed
/// transactions mean nothing here (replaying them could send another chain's actions).
#[derive(Debug, thiserror::Error)]
#[error(
    "store {path} belongs to chain {} / DisputeManager {}, not chain {} / DisputeManager {}: \
     point keeper.store at a fresh file for this deployment",
    found.chain_id, found.dispute_manager, expected.chain_id, expected.dispute_manager
)]
pub struct OtherDeployment {
    pub path: String,
    pub found: Deployment,
    pub expected: Deployment,
}

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
    /// Where the `DisputeOpened` event was read: the keeper acts only while the chain still has
    /// this very event (same block, same transaction, same receipt digest).
    #[serde(default)]
    pub block_hash: B256,
    #[serde(default)]
    pub tx_hash: B256,
    #[serde(default)]
    pub receipt_digest: B256,
    #[serde(default)]
    pub challenger: Address,
    #[serde(default)]
    pub offense_round: u64,
    /// The disputed receipt (from `DisputedReceipt`; conflict disputes have none).
    pub receipt: Option<JobReceipt>,
    /// The keeper's own finding, kept so a restart does not re-run the model.
    pub verdict: Option<Finding>,
}

impl DisputeRecord {
    /// Whether `other` was read from the very same event (block, transaction, receipt digest).
    pub fn same_event(&self, other: &DisputeRecord) -> bool {
        self.id == other.id
            && self.block_hash == other.block_hash
            && self.tx_hash == other.tx_hash
            && self.receipt_digest == other.receipt_digest
            && self.receipt == other.receipt
    }
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

/// This keeper's side in a proof game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// It opened the game on a receipt it re-ran: it picks.
    Challenger,
    /// Its key is the orchestrator's: it reveals and finishes.
    Agent,
}

/// A proof game this keeper plays (its dispute is in the disputes table): what it is about and
/// the moves this keeper made. Every move is decided from the game as read on chain right
/// before it; this record only keeps the game across restarts and its move log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameRecord {
    pub id: u64,
    pub role: Role,
    /// The op whose output is bisected, and its tree's depth.
    pub layer: u32,
    pub depth: u8,
    pub model_id: B256,
    pub commitment_root: B256,
    /// The moves this keeper made, oldest first.
    pub moves: Vec<Move>,
}

/// A dispute this keeper opened from a spot check, until it is too deep to be reorged away: if
/// the opening disappears, the spot check goes back to the inbox to be opened again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// The receipt's EIP-712 digest (`DisputeManager.disputedReceipts` key).
    pub digest: B256,
    /// Where the spot check's file went (`done/…`).
    pub file: std::path::PathBuf,
    /// The block the opening was mined in.
    pub block: u64,
}

/// One move sent and mined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// `reveal`, `pick`, `finish`, `timeout`.
    pub kind: String,
    pub block: u64,
    pub gas: u64,
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
    /// Opens the store for `deployment`: a fresh store is bound to it, one bound to another
    /// chain or DisputeManager is refused ([`OtherDeployment`]).
    pub fn open_for(path: &Path, deployment: Deployment) -> anyhow::Result<Self> {
        let store = Self::open(path)?;
        let tx = store.db.begin_write()?;
        {
            let mut meta = tx.open_table(META)?;
            let found: Option<Deployment> = meta
                .get(DEPLOYMENT)?
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?;
            match found {
                Some(found) if found != deployment => {
                    return Err(OtherDeployment {
                        path: path.display().to_string(),
                        found,
                        expected: deployment,
                    }
                    .into());
                }
                Some(_) => {}
                None => {
                    meta.insert(DEPLOYMENT, serde_json::to_vec(&deployment)?.as_slice())?;
                }
            }
        }
        tx.commit()?;
        Ok(store)
    }

    /// The deployment this store is bound to (none before [`Store::open_for`]).
    pub fn deployment(&self) -> anyhow::Result<Option<Deployment>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        let value = table.get(DEPLOYMENT)?;
        value
            .map(|v| Ok(serde_json::from_slice(v.value())?))
            .transpose()
    }

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
        tx.open_table(GAMES)?;
        tx.open_table(OPENINGS)?;
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
                // An event re-read replaces the old record: a verdict is kept only when the
                // event is the very same one (same block, transaction and receipt digest).
                let merged = match disputes.get(record.id)? {
                    Some(old) => {
                        let old: DisputeRecord = serde_json::from_slice(old.value())?;
                        if old.same_event(record) {
                            DisputeRecord {
                                verdict: old.verdict,
                                ..record.clone()
                            }
                        } else {
                            record.clone()
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

    /// Moves the cursor back (after a reorg below it) and drops every dispute opened above it
    /// (all of them when `None`), verdicts included: their events are read again. Returns the
    /// ids dropped.
    pub fn rewind(&self, cursor: Option<Cursor>) -> anyhow::Result<Vec<u64>> {
        let tx = self.db.begin_write()?;
        let mut dropped = Vec::new();
        {
            let mut disputes = tx.open_table(DISPUTES)?;
            for entry in disputes.iter()? {
                let (id, value) = entry?;
                let record: DisputeRecord = serde_json::from_slice(value.value())?;
                if cursor.is_none_or(|c| record.opened_block > c.block) {
                    dropped.push(id.value());
                }
            }
            for id in &dropped {
                disputes.remove(*id)?;
            }
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
        Ok(dropped)
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

    /// The proof games this keeper plays.
    pub fn games(&self) -> anyhow::Result<Vec<GameRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(GAMES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            out.push(serde_json::from_slice(value.value())?);
        }
        Ok(out)
    }

    pub fn game(&self, id: u64) -> anyhow::Result<Option<GameRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(GAMES)?;
        let value = table.get(id)?;
        value
            .map(|v| Ok(serde_json::from_slice(v.value())?))
            .transpose()
    }

    pub fn put_game(&self, record: &GameRecord) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(GAMES)?
            .insert(record.id, serde_json::to_vec(record)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a game (settled, or its dispute gone with a reorg).
    pub fn remove_game(&self, id: u64) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(GAMES)?.remove(id)?;
        tx.commit()?;
        Ok(())
    }

    /// Openings not yet final.
    pub fn openings(&self) -> anyhow::Result<Vec<Opening>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(OPENINGS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            out.push(serde_json::from_slice(value.value())?);
        }
        Ok(out)
    }

    pub fn put_opening(&self, o: &Opening) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(OPENINGS)?.insert(
            o.digest.to_string().as_str(),
            serde_json::to_vec(o)?.as_slice(),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn remove_opening(&self, digest: B256) -> anyhow::Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(OPENINGS)?
            .remove(digest.to_string().as_str())?;
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
            block_hash: B256::repeat_byte(2),
            tx_hash: B256::repeat_byte(3),
            receipt_digest: B256::repeat_byte(4),
            challenger: Address::repeat_byte(5),
            offense_round: 1,
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
        // Re-reading the very same event (after a rewind) keeps the finding...
        store.advance(cursor, &[record(1)]).unwrap();
        let disputes = store.disputes().unwrap();
        assert_eq!(disputes.len(), 2);
        assert!(disputes[0].verdict.is_some());
        // ...a different event under the same id (a reorg) replaces the record, verdict and all.
        let mut other = record(1);
        other.receipt_digest = B256::repeat_byte(0x44);
        store.advance(cursor, &[other.clone()]).unwrap();
        assert_eq!(store.disputes().unwrap()[0], other);
        store.remove_dispute(2).unwrap();
        assert_eq!(store.disputes().unwrap().len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_rewind_drops_disputes_opened_above_it() {
        let dir = std::env::temp_dir().join(format!("keeper-rewind-{}", std::process::id()));
        let store = Store::open(&dir.join("s.redb")).unwrap();
        let mut low = record(1);
        low.opened_block = 5;
        let mut high = record(2);
        high.opened_block = 20;
        high.verdict = Some(Finding {
            reference_output_hash: B256::repeat_byte(9),
            first_diverging_layer: U256::from(1),
        });
        let cursor = Cursor {
            block: 30,
            hash: B256::repeat_byte(1),
        };
        store.advance(cursor, &[low.clone(), high]).unwrap();
        let back = Cursor {
            block: 10,
            hash: B256::repeat_byte(8),
        };
        assert_eq!(store.rewind(Some(back)).unwrap(), vec![2]);
        assert_eq!(store.disputes().unwrap(), vec![low]);
        assert_eq!(store.cursor().unwrap(), Some(back));
        assert_eq!(store.rewind(None).unwrap(), vec![1]);
        assert!(store.disputes().unwrap().is_empty());
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_store_of_another_deployment_is_refused() {
        let dir = std::env::temp_dir().join(format!("keeper-bind-{}", std::process::id()));
        let path = dir.join("s.redb");
        let here = Deployment {
            chain_id: 31337,
            dispute_manager: Address::repeat_byte(1),
        };
        drop(Store::open_for(&path, here).unwrap());
        drop(Store::open_for(&path, here).unwrap());
        for other in [
            Deployment {
                chain_id: 1,
                ..here
            },
            Deployment {
                dispute_manager: Address::repeat_byte(2),
                ..here
            },
        ] {
            let err = Store::open_for(&path, other).err().expect("refused");
            assert!(err.downcast_ref::<OtherDeployment>().is_some(), "{err:#}");
            assert!(format!("{err}").contains("belongs to chain 31337"), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
