//! Keepers serving the same orchestrators take turns, so that they do not send the same
//! transaction at once (all but one would revert and waste their gas).
//!
//! Each round every keeper ranks itself and its peers by `keccak256(round ‖ address)`: the order
//! is the same for all of them, needs no read and no message, and changes every round, so the
//! work (and the reward bounty) rotates. The keeper at place `p` acts from
//! `start + act_after_blocks + p * slot_blocks`; by then the ones before it had a slot each, and
//! its dry runs (made right before sending) find done whatever they did.

use alloy::primitives::{Address, B256, keccak256};

/// The rank of `keeper` in `round`: lower acts first.
fn rank(round: u64, keeper: Address) -> B256 {
    let mut bytes = [0u8; 28];
    bytes[..8].copy_from_slice(&round.to_be_bytes());
    bytes[8..].copy_from_slice(keeper.as_slice());
    keccak256(bytes)
}

/// The place of `me` in `round`'s order among itself and `peers` (0 acts first). `me` among the
/// peers, and duplicates, are ignored.
pub fn place(round: u64, me: Address, peers: &[Address]) -> u64 {
    let mine = (rank(round, me), me);
    let mut before: Vec<Address> = peers
        .iter()
        .copied()
        .filter(|&p| p != me && (rank(round, p), p) < mine)
        .collect();
    before.sort();
    before.dedup();
    before.len() as u64
}

/// The first block at which the keeper at `place` acts in a round starting at `start`.
pub fn turn_block(start: u64, act_after_blocks: u64, slot_blocks: u64, place: u64) -> u64 {
    start
        .saturating_add(act_after_blocks)
        .saturating_add(place.saturating_mul(slot_blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keepers() -> Vec<Address> {
        (1u8..=3).map(Address::repeat_byte).collect()
    }

    #[test]
    fn every_keeper_gets_a_distinct_place_and_all_agree() {
        let all = keepers();
        for round in 0..50 {
            let mut places: Vec<u64> = all.iter().map(|&k| place(round, k, &all)).collect();
            places.sort();
            assert_eq!(places, [0, 1, 2], "round {round}");
        }
    }

    #[test]
    fn the_first_place_rotates() {
        let all = keepers();
        let mut firsts = [0u32; 3];
        for round in 0..300 {
            let first = all
                .iter()
                .position(|&k| place(round, k, &all) == 0)
                .unwrap();
            firsts[first] += 1;
        }
        // Each of three keepers goes first in about a third of the rounds.
        assert!(
            firsts.iter().all(|&f| (60..=140).contains(&f)),
            "{firsts:?}"
        );
    }

    #[test]
    fn alone_or_listed_twice_changes_nothing() {
        let me = Address::repeat_byte(7);
        assert_eq!(place(3, me, &[]), 0);
        assert_eq!(place(3, me, &[me]), 0);
        let other = Address::repeat_byte(8);
        assert_eq!(place(3, me, &[other]), place(3, me, &[other, other, me]));
    }

    #[test]
    fn turns_are_slots_after_the_delay() {
        assert_eq!(turn_block(100, 0, 5, 0), 100);
        assert_eq!(turn_block(100, 2, 5, 2), 112);
        assert_eq!(turn_block(u64::MAX, 1, 1, 1), u64::MAX);
    }
}
