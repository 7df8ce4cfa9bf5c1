//! Job receipts and verifier verdicts: the EIP-712 messages of `DisputeManager`, hashed exactly as
//! `contracts/verification/ReceiptHashing.sol` hashes them, signed and recovered with k256
//! (secp256k1 ECDSA, 65-byte `r ‖ s ‖ v` signatures with `v` in {27, 28}, as OpenZeppelin's
//! `ECDSA.recover` expects).

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::{Eip712Domain, SolStruct, eip712_domain},
};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};

use crate::dispute_manager::IDisputeManager;

alloy::sol! {
    /// What an orchestrator signs for every job (`IDisputeManager.Receipt`).
    #[derive(Debug, PartialEq, Eq)]
    struct Receipt {
        address orchestrator;
        bytes32 jobId;
        bytes32 modelId;
        bytes32 inputHash;
        bytes32 paramsHash;
        bytes32 outputHash;
        bytes32 commitmentRoot;
        uint256 round;
    }

    /// A verifier's verdict on one dispute, as signed for `DisputeManager.submitVerdicts`.
    #[derive(Debug, PartialEq, Eq)]
    struct Verdict {
        uint256 disputeId;
        bytes32 referenceOutputHash;
        uint256 firstDivergingLayer;
    }
}

/// Why a signature could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("a signature is 65 bytes, got {0}")]
    Length(usize),
    #[error("v must be 27 or 28, got {0}")]
    V(u8),
    #[error("ecdsa: {0}")]
    Ecdsa(#[from] k256::ecdsa::Error),
}

/// The EIP-712 domain of the `DisputeManager` at `verifying_contract` on `chain_id`.
pub fn dispute_domain(chain_id: u64, verifying_contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: "DisputeManager",
        version: "1",
        chain_id: chain_id,
        verifying_contract: verifying_contract,
    }
}

impl Receipt {
    /// The EIP-712 struct hash (`DisputeManager.receiptHash`).
    pub fn struct_hash(&self) -> B256 {
        self.eip712_hash_struct()
    }

    /// The digest the orchestrator signs (`DisputeManager.receiptDigest`).
    pub fn digest(&self, domain: &Eip712Domain) -> B256 {
        self.eip712_signing_hash(domain)
    }

    /// Signs the receipt with `key` (the orchestrator's or a signer it authorized).
    pub fn sign(&self, key: &SigningKey, domain: &Eip712Domain) -> Result<Bytes, SignatureError> {
        sign_digest(key, self.digest(domain))
    }

    /// Whether `signature` over this receipt is `signer`'s.
    pub fn is_signed_by(&self, signature: &[u8], signer: Address, domain: &Eip712Domain) -> bool {
        recover(self.digest(domain), signature).is_ok_and(|a| a == signer)
    }
}

impl From<&Receipt> for IDisputeManager::Receipt {
    fn from(r: &Receipt) -> Self {
        Self {
            orchestrator: r.orchestrator,
            jobId: r.jobId,
            modelId: r.modelId,
            inputHash: r.inputHash,
            paramsHash: r.paramsHash,
            outputHash: r.outputHash,
            commitmentRoot: r.commitmentRoot,
            round: r.round,
        }
    }
}

impl Verdict {
    /// A verdict on `dispute_id`: the reference output hash (zero: could not reproduce) and the
    /// first layer whose hash differs from the claim.
    pub fn new(dispute_id: U256, reference_output_hash: B256, first_diverging_layer: u64) -> Self {
        Self {
            disputeId: dispute_id,
            referenceOutputHash: reference_output_hash,
            firstDivergingLayer: U256::from(first_diverging_layer),
        }
    }

    /// The digest a verifier signs (`DisputeManager.verdictDigest`).
    pub fn digest(&self, domain: &Eip712Domain) -> B256 {
        self.eip712_signing_hash(domain)
    }

    /// Signs the verdict with a verifier's key.
    pub fn sign(&self, key: &SigningKey, domain: &Eip712Domain) -> Result<Bytes, SignatureError> {
        sign_digest(key, self.digest(domain))
    }

    /// The verdict as `submitVerdicts` takes it (the dispute id is its first argument).
    pub fn to_call(&self) -> IDisputeManager::Verdict {
        IDisputeManager::Verdict {
            referenceOutputHash: self.referenceOutputHash,
            firstDivergingLayer: self.firstDivergingLayer,
        }
    }
}

/// The Ethereum address of a secp256k1 public key: the last 20 bytes of keccak256(x ‖ y).
pub fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_raw_public_key(&point.as_bytes()[1..])
}

/// Signs a 32-byte digest: `r ‖ s ‖ v`, low-s (EIP-2, which `ECDSA.recover` requires), v = 27 + parity.
pub fn sign_digest(key: &SigningKey, digest: B256) -> Result<Bytes, SignatureError> {
    let (signature, recovery) = key.sign_prehash_recoverable(digest.as_slice())?;
    let mut out = Vec::with_capacity(65);
    out.extend_from_slice(&signature.to_bytes());
    out.push(27 + recovery.to_byte());
    Ok(out.into())
}

/// Recovers the signer of a 65-byte `r ‖ s ‖ v` signature over `digest`.
pub fn recover(digest: B256, signature: &[u8]) -> Result<Address, SignatureError> {
    if signature.len() != 65 {
        return Err(SignatureError::Length(signature.len()));
    }
    let v = signature[64];
    let parity = match v {
        27 | 28 => v - 27,
        _ => return Err(SignatureError::V(v)),
    };
    let sig = Signature::from_slice(&signature[..64])?;
    // High-s signatures are malleable copies; the contract (OpenZeppelin ECDSA) rejects them too.
    if sig.normalize_s().is_some() {
        return Err(SignatureError::Ecdsa(k256::ecdsa::Error::new()));
    }
    let recovery = RecoveryId::from_byte(parity).expect("parity is 0 or 1");
    let key = VerifyingKey::recover_from_prehash(digest.as_slice(), &sig, recovery)?;
    Ok(address_of(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{address, keccak256};

    fn receipt() -> Receipt {
        Receipt {
            orchestrator: address!("0x00000000000000000000000000000000000000aa"),
            jobId: keccak256("job"),
            modelId: keccak256("model"),
            inputHash: keccak256("input"),
            paramsHash: keccak256("params"),
            outputHash: keccak256("output"),
            commitmentRoot: keccak256("root"),
            round: U256::from(7),
        }
    }

    #[test]
    fn type_hashes_are_the_contracts() {
        assert_eq!(
            receipt().eip712_type_hash(),
            keccak256(
                "Receipt(address orchestrator,bytes32 jobId,bytes32 modelId,bytes32 inputHash,\
                 bytes32 paramsHash,bytes32 outputHash,bytes32 commitmentRoot,uint256 round)"
            )
        );
        assert_eq!(
            Verdict::new(U256::from(1), B256::ZERO, 0).eip712_type_hash(),
            keccak256(
                "Verdict(uint256 disputeId,bytes32 referenceOutputHash,uint256 firstDivergingLayer)"
            )
        );
    }

    #[test]
    fn sign_then_recover() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let signer = address_of(key.verifying_key());
        let domain = dispute_domain(
            31337,
            address!("0x00000000000000000000000000000000000000bb"),
        );
        let r = receipt();
        let sig = r.sign(&key, &domain).unwrap();
        assert_eq!(sig.len(), 65);
        assert!(r.is_signed_by(&sig, signer, &domain));
        let mut other = r.clone();
        other.outputHash = keccak256("another output");
        assert!(!other.is_signed_by(&sig, signer, &domain));
        let other_domain =
            dispute_domain(1, address!("0x00000000000000000000000000000000000000bb"));
        assert!(!r.is_signed_by(&sig, signer, &other_domain));
        assert!(matches!(
            recover(r.digest(&domain), &sig[..64]),
            Err(SignatureError::Length(64))
        ));
    }

    #[test]
    fn matches_alloys_signer() {
        // alloy's local signer (also k256) gives the same 65 bytes for the same digest (RFC 6979).
        use alloy::signers::{SignerSync, local::PrivateKeySigner};
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let alloy_signer = PrivateKeySigner::from_signing_key(key.clone());
        let digest = receipt().digest(&dispute_domain(31337, Address::ZERO));
        let ours = sign_digest(&key, digest).unwrap();
        let theirs = alloy_signer.sign_hash_sync(&digest).unwrap().as_bytes();
        assert_eq!(ours.as_ref(), theirs.as_slice());
        assert_eq!(address_of(key.verifying_key()), alloy_signer.address());
    }
}
