//! Payment tickets, hashed and signed exactly as `contracts/payments/TicketBroker.sol` verifies them:
//! EIP-712 typed data in the domain ("TicketBroker", "1", chain id, broker address), signed with
//! alloy's [`PrivateKeySigner`] as a 65-byte `r ‖ s ‖ v` signature with a low `s` and `v` in
//! {27, 28} ([`crate::receipt::sign_digest`], the one signing path); the recipient's commitment
//! `keccak256(rand)`; and the win check `uint256(keccak256(sig ‖ rand)) < winProb`.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    signers::local::PrivateKeySigner,
    sol,
    sol_types::{Eip712Domain, SolStruct, eip712_domain},
};

use crate::receipt::{SignatureError, sign_digest};

sol! {
    /// A ticket, field for field as `struct Ticket` in `contracts/libraries/TicketLib.sol`; its
    /// EIP-712 type string is the contract's `TICKET_TYPEHASH` preimage.
    #[derive(Debug, PartialEq, Eq)]
    struct Ticket {
        address recipient;
        address sender;
        uint256 faceValue;
        uint256 winProb;
        uint256 senderNonce;
        bytes32 recipientRandHash;
        uint256 creationRound;
        bytes32 creationRoundBlockHash;
    }
}

/// Why a ticket could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// The signer failed.
    #[error("signing failed: {0}")]
    Sign(#[from] SignatureError),
}

/// The TicketBroker's EIP-712 domain on chain `chain_id` at `broker`.
pub fn domain(chain_id: u64, broker: Address) -> Eip712Domain {
    eip712_domain! {
        name: "TicketBroker",
        version: "1",
        chain_id: chain_id,
        verifying_contract: broker,
    }
}

/// The commitment a recipient publishes for its random number: `keccak256(abi.encodePacked(rand))`.
pub fn rand_commitment(recipient_rand: U256) -> B256 {
    keccak256(recipient_rand.to_be_bytes::<32>())
}

/// Whether a ticket with signature `sig` wins against `recipient_rand`, as the contract decides.
pub fn is_winning(sig: &[u8], recipient_rand: U256, win_prob: U256) -> bool {
    let mut packed = Vec::with_capacity(sig.len() + 32);
    packed.extend_from_slice(sig);
    packed.extend_from_slice(&recipient_rand.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(packed).0) < win_prob
}

impl Ticket {
    /// The digest the sender signs: the contract's `ticketHash(ticket)`.
    pub fn signing_hash(&self, chain_id: u64, broker: Address) -> B256 {
        self.eip712_signing_hash(&domain(chain_id, broker))
    }

    /// Signs the ticket as its sender: 65 bytes, `r ‖ s ‖ v`, `s` in the lower half of the group
    /// order (the contract rejects the malleable twin), `v = 27 + y parity`.
    pub fn sign(
        &self,
        signer: &PrivateKeySigner,
        chain_id: u64,
        broker: Address,
    ) -> Result<Bytes, TicketError> {
        Ok(sign_digest(signer, self.signing_hash(chain_id, broker))?)
    }
}

impl From<Ticket> for crate::TicketBroker::Ticket {
    fn from(t: Ticket) -> Self {
        Self {
            recipient: t.recipient,
            sender: t.sender,
            faceValue: t.faceValue,
            winProb: t.winProb,
            senderNonce: t.senderNonce,
            recipientRandHash: t.recipientRandHash,
            creationRound: t.creationRound,
            creationRoundBlockHash: t.creationRoundBlockHash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(byte)).unwrap()
    }

    #[test]
    fn type_hash_matches_the_contract() {
        let expected = keccak256(
            "Ticket(address recipient,address sender,uint256 faceValue,uint256 winProb,uint256 senderNonce,\
             bytes32 recipientRandHash,uint256 creationRound,bytes32 creationRoundBlockHash)",
        );
        let ticket = Ticket {
            recipient: Address::ZERO,
            sender: Address::ZERO,
            faceValue: U256::ZERO,
            winProb: U256::ZERO,
            senderNonce: U256::ZERO,
            recipientRandHash: B256::ZERO,
            creationRound: U256::ZERO,
            creationRoundBlockHash: B256::ZERO,
        };
        assert_eq!(ticket.eip712_type_hash(), expected);
    }

    #[test]
    fn signatures_recover_to_the_sender_with_low_s() {
        let half_order = U256::from_be_slice(&[
            0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46,
            0x68, 0x1b, 0x20, 0xa0,
        ]);
        let broker = Address::repeat_byte(0xb0);
        for i in 1..=20u8 {
            let k = key(i);
            let ticket = Ticket {
                recipient: Address::repeat_byte(i),
                sender: k.address(),
                faceValue: U256::from(i) * U256::from(10u64).pow(U256::from(15)),
                winProb: U256::MAX,
                senderNonce: U256::from(i),
                recipientRandHash: rand_commitment(U256::from(i)),
                creationRound: U256::from(100 + u64::from(i)),
                creationRoundBlockHash: keccak256([i]),
            };
            let sig = ticket.sign(&k, 31337, broker).unwrap();
            assert_eq!(sig.len(), 65);
            assert!(U256::from_be_slice(&sig[32..64]) <= half_order);
            let parsed = alloy::primitives::Signature::from_raw(&sig).unwrap();
            let recovered = parsed
                .recover_address_from_prehash(&ticket.signing_hash(31337, broker))
                .unwrap();
            assert_eq!(recovered, ticket.sender);
        }
    }

    #[test]
    fn win_check_is_a_strict_bound() {
        let sig = [7u8; 65];
        let rand = U256::from(42);
        let mut packed = sig.to_vec();
        packed.extend_from_slice(&rand.to_be_bytes::<32>());
        let h = U256::from_be_bytes(keccak256(packed).0);
        assert!(is_winning(&sig, rand, h + U256::from(1)));
        assert!(!is_winning(&sig, rand, h));
        assert!(!is_winning(&sig, rand, U256::ZERO));
    }
}
