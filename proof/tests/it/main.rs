//! Differential tests of the on-chain op library (`contracts/proof`) against the verifier's CPU
//! reference (`verifier::litert`): random tensors and parameters, every op, every element (or a
//! sample), the same bytes required. Seeds are fixed: a failure names its case and reproduces.

mod conv;
mod elementwise;
mod fixed;
mod judge;
mod judge_ops;
mod matmul;
mod merkle;
mod movers;
mod op_codes;
mod softmax;
mod support;
