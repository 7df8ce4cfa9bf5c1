//! Who signs the keeper's transactions: a local key (keystore or environment) or a remote
//! signer over the standard `eth_signTransaction` JSON-RPC (clef, Web3Signer, a KMS front).
//!
//! A remote signer is not trusted blindly: the raw transaction it returns is decoded, its signer
//! recovered and every field compared with what was asked for. A transaction signed by another
//! address, or one that differs (another nonce, recipient, fee, calldata), is refused and never
//! sent.

use std::time::Duration;

use alloy::{
    consensus::{Transaction, TxEnvelope},
    eips::eip2718::{Decodable2718, Encodable2718},
    network::{Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes, TxKind},
    rpc::{
        client::{ClientBuilder, RpcClient},
        types::{TransactionInput, TransactionRequest},
    },
    signers::local::PrivateKeySigner,
};

use crate::failover::label;

/// Why a transaction could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the remote signer {url} is unreachable: {source}")]
    Unreachable {
        url: String,
        source: alloy::transports::TransportError,
    },
    #[error("the remote signer {url} refused to sign: {message}")]
    Refused { url: String, message: String },
    #[error(
        "the remote signer {url} returned a transaction signed by {got}, not by key.address {expected}: refused"
    )]
    WrongSigner {
        url: String,
        expected: Address,
        got: Address,
    },
    #[error(
        "the remote signer {url} returned a transaction whose {field} differs from the request: refused"
    )]
    Altered { url: String, field: &'static str },
    #[error("the remote signer {url} returned no valid signed transaction: {message}")]
    Malformed { url: String, message: String },
    #[error("signing locally: {0}")]
    Local(String),
}

/// The keeper's signer.
#[derive(Clone, Debug)]
pub enum Signer {
    Local(Box<EthereumWallet>, Address),
    Remote(RemoteSigner),
}

impl From<PrivateKeySigner> for Signer {
    fn from(key: PrivateKeySigner) -> Self {
        let address = key.address();
        Signer::Local(Box::new(EthereumWallet::from(key)), address)
    }
}

impl From<RemoteSigner> for Signer {
    fn from(remote: RemoteSigner) -> Self {
        Signer::Remote(remote)
    }
}

impl Signer {
    /// The address transactions are sent from.
    pub fn address(&self) -> Address {
        match self {
            Signer::Local(_, address) => *address,
            Signer::Remote(remote) => remote.address,
        }
    }

    /// Signs a complete EIP-1559 request (nonce, chain id, gas and both fees set): the
    /// transaction hash and its raw bytes.
    pub async fn sign(&self, request: TransactionRequest) -> Result<(B256, Bytes), SignError> {
        match self {
            Signer::Local(wallet, _) => {
                let envelope = <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(
                    request,
                    wallet.as_ref(),
                )
                .await
                .map_err(|e| SignError::Local(e.to_string()))?;
                Ok((*envelope.tx_hash(), envelope.encoded_2718().into()))
            }
            Signer::Remote(remote) => remote.sign(request).await,
        }
    }
}

/// A signer behind `eth_signTransaction`, holding the key of `address`.
#[derive(Clone, Debug)]
pub struct RemoteSigner {
    pub address: Address,
    label: String,
    client: RpcClient,
}

impl RemoteSigner {
    /// A signer at `url` (http://) for `address`; each request may take `timeout`.
    pub fn new(url: url::Url, address: Address, timeout: Duration) -> Result<Self, SignError> {
        let label = label(&url);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SignError::Malformed {
                url: label.clone(),
                message: format!("building the HTTP client: {e}"),
            })?;
        Ok(Self {
            address,
            client: ClientBuilder::default().http_with_client(http, url),
            label,
        })
    }

    async fn sign(&self, request: TransactionRequest) -> Result<(B256, Bytes), SignError> {
        let input = request.input.input().cloned().unwrap_or_default();
        // Both `input` and `data`: clef and Web3Signer read `data`, newer nodes `input`.
        let asked = request
            .with_from(self.address)
            .input(TransactionInput::both(input))
            .transaction_type(2);
        let answer: serde_json::Value = self
            .client
            .request("eth_signTransaction", (asked.clone(),))
            .await
            .map_err(|e| match e.as_error_resp() {
                Some(resp) => SignError::Refused {
                    url: self.label.clone(),
                    message: resp.message.to_string(),
                },
                None => SignError::Unreachable {
                    url: self.label.clone(),
                    source: e,
                },
            })?;
        let raw =
            raw_of(&answer).ok_or_else(|| self.malformed("no raw transaction in the answer"))?;
        let envelope = TxEnvelope::decode_2718(&mut raw.as_ref())
            .map_err(|e| self.malformed(&format!("undecodable: {e}")))?;
        let signed = envelope
            .as_eip1559()
            .ok_or_else(|| self.malformed("not an EIP-1559 transaction"))?;
        let got = signed
            .signature()
            .recover_address_from_prehash(&signed.signature_hash())
            .map_err(|e| self.malformed(&format!("bad signature: {e}")))?;
        if got != self.address {
            return Err(SignError::WrongSigner {
                url: self.label.clone(),
                expected: self.address,
                got,
            });
        }
        if let Some(field) = altered(&asked, &envelope) {
            return Err(SignError::Altered {
                url: self.label.clone(),
                field,
            });
        }
        Ok((*envelope.tx_hash(), raw))
    }

    fn malformed(&self, message: &str) -> SignError {
        SignError::Malformed {
            url: self.label.clone(),
            message: message.into(),
        }
    }
}

/// The raw transaction in an `eth_signTransaction` answer: a hex string (Web3Signer, geth-style
/// nodes) or `{ "raw": "0x…", "tx": … }` (clef).
fn raw_of(answer: &serde_json::Value) -> Option<Bytes> {
    let hex = match answer {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(o) => o.get("raw")?.as_str()?,
        _ => return None,
    };
    hex.parse().ok()
}

/// The first field in which the signed transaction differs from the request, if any.
fn altered(asked: &TransactionRequest, signed: &TxEnvelope) -> Option<&'static str> {
    let to = asked.to.unwrap_or(TxKind::Create);
    let input = asked.input.input().cloned().unwrap_or_default();
    let checks = [
        ("type", signed.is_eip1559()),
        ("nonce", asked.nonce == Some(signed.nonce())),
        ("chain id", asked.chain_id == signed.chain_id()),
        ("recipient", to == signed.kind()),
        ("calldata", &input == signed.input()),
        ("value", asked.value.unwrap_or_default() == signed.value()),
        ("gas limit", asked.gas == Some(signed.gas_limit())),
        (
            "max fee",
            asked.max_fee_per_gas == Some(signed.max_fee_per_gas()),
        ),
        (
            "priority fee",
            asked.max_priority_fee_per_gas == signed.max_priority_fee_per_gas(),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, ok)| !ok)
        .map(|(field, _)| field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_transactions_are_read_from_both_answer_shapes() {
        let hex = serde_json::json!("0x02f8");
        assert_eq!(raw_of(&hex).unwrap().as_ref(), &[0x02, 0xf8]);
        let clef = serde_json::json!({ "raw": "0x02f8", "tx": {} });
        assert_eq!(raw_of(&clef).unwrap().as_ref(), &[0x02, 0xf8]);
        assert!(raw_of(&serde_json::json!({ "tx": {} })).is_none());
        assert!(raw_of(&serde_json::json!("not hex")).is_none());
    }

    #[tokio::test]
    async fn a_signed_transaction_that_differs_from_the_request_is_caught() {
        let key = PrivateKeySigner::random();
        let request = TransactionRequest::default()
            .with_from(key.address())
            .with_to(Address::repeat_byte(7))
            .with_input(Bytes::from_static(&[1, 2, 3]))
            .with_nonce(4)
            .with_chain_id(31337)
            .with_gas_limit(50_000)
            .with_max_fee_per_gas(10)
            .with_max_priority_fee_per_gas(1);
        let (_, raw) = Signer::from(key).sign(request.clone()).await.unwrap();
        let envelope = TxEnvelope::decode_2718(&mut raw.as_ref()).unwrap();
        assert_eq!(altered(&request, &envelope), None);
        assert_eq!(
            altered(&request.clone().with_nonce(5), &envelope),
            Some("nonce")
        );
        assert_eq!(
            altered(&request.clone().with_to(Address::ZERO), &envelope),
            Some("recipient")
        );
        assert_eq!(
            altered(&request.with_max_fee_per_gas(11), &envelope),
            Some("max fee")
        );
    }
}
