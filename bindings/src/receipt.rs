//! Job receipts and verifier verdicts: the EIP-712 messages of `DisputeManager`, hashed exactly as
//! `contracts/verification/ReceiptHashing.sol` hashes them, signed with alloy's
//! [`PrivateKeySigner`] and recovered as OpenZeppelin's `ECDSA.recover` does (secp256k1 ECDSA,
//! 65-byte `r ‖ s ‖ v` signatures, low `s`, `v` in {27, 28}).

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{Eip712Domain, SolStruct, eip712_domain},
};

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
    /// Not 65 bytes.
    #[error("a signature is 65 bytes, got {0}")]
    Length(usize),
    /// `v` other than 27 or 28.
    #[error("v must be 27 or 28, got {0}")]
    V(u8),
    /// A high `s`: the malleable twin of a valid signature, which the contracts reject.
    #[error("s is in the upper half of the group order")]
    HighS,
    /// The signer failed.
    #[error("signing: {0}")]
    Sign(#[from] alloy::signers::Error),
    /// No key recovers from the signature.
    #[error("recovery: {0}")]
    Recover(#[from] alloy::primitives::SignatureError),
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

    /// Signs the receipt with `signer` (the orchestrator's key or a signer it authorized).
    pub fn sign(
        &self,
        signer: &PrivateKeySigner,
        domain: &Eip712Domain,
    ) -> Result<Bytes, SignatureError> {
        sign_digest(signer, self.digest(domain))
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

/// The same receipt as the ProofGame's ABI names it (`open`, `proveInputRoot`, ...).
impl From<&Receipt> for crate::proof_game::IDisputeManager::Receipt {
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
    pub fn sign(
        &self,
        signer: &PrivateKeySigner,
        domain: &Eip712Domain,
    ) -> Result<Bytes, SignatureError> {
        sign_digest(signer, self.digest(domain))
    }

    /// The verdict as `submitVerdicts` takes it (the dispute id is its first argument).
    pub fn to_call(&self) -> IDisputeManager::Verdict {
        IDisputeManager::Verdict {
            referenceOutputHash: self.referenceOutputHash,
            firstDivergingLayer: self.firstDivergingLayer,
        }
    }
}

/// Signs a 32-byte digest with alloy's signer: `r ‖ s ‖ v`, low `s` (EIP-2, which `ECDSA.recover`
/// requires), `v = 27 + y parity`. Tickets, receipts and verdicts are all signed here.
pub fn sign_digest(signer: &PrivateKeySigner, digest: B256) -> Result<Bytes, SignatureError> {
    let signature = signer.sign_hash_sync(&digest)?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

/// Recovers the signer of a 65-byte `r ‖ s ‖ v` signature over `digest`, refusing what
/// OpenZeppelin's `ECDSA.recover` refuses (other lengths, `v` outside {27, 28}, a high `s`).
pub fn recover(digest: B256, signature: &[u8]) -> Result<Address, SignatureError> {
    if signature.len() != 65 {
        return Err(SignatureError::Length(signature.len()));
    }
    let v = signature[64];
    if v != 27 && v != 28 {
        return Err(SignatureError::V(v));
    }
    let sig = alloy::primitives::Signature::from_raw(signature)?;
    if sig.normalize_s().is_some() {
        return Err(SignatureError::HighS);
    }
    Ok(sig.recover_address_from_prehash(&digest)?)
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

    fn signer(byte: u8) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(byte)).unwrap()
    }

    #[test]
    fn sign_then_recover() {
        let key = signer(7);
        let signer = key.address();
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
    fn matches_a_hand_rolled_k256_signature() {
        // The bytes the contracts were first tested against: k256's RFC 6979 signature, low s,
        // v = 27 + parity.
        use k256::ecdsa::SigningKey;
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let digest = receipt().digest(&dispute_domain(31337, Address::ZERO));
        let (sig, recovery) = key.sign_prehash_recoverable(digest.as_slice()).unwrap();
        let mut theirs = sig.to_bytes().to_vec();
        theirs.push(27 + recovery.to_byte());
        let ours = sign_digest(&signer(9), digest).unwrap();
        assert_eq!(ours.as_ref(), theirs.as_slice());
        assert_eq!(recover(digest, &ours).unwrap(), signer(9).address());
    }
}
