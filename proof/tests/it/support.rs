//! The harness contract (`test/proof/OpsHarness.sol`, compiled by forge into `out/`) in an
//! in-process revm, called through its JSON ABI; and one-op LiteRT graphs for the CPU reference.

use alloy::{
    dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt},
    json_abi::JsonAbi,
    primitives::{Address, Bytes, I256, TxKind, U256},
};
use rand::Rng;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::TxEnv,
    context_interface::result::{ExecutionResult, Output},
    database::{CacheDB, EmptyDB},
    handler::{MainnetContext, MainnetEvm},
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
};
use verifier::litert::graph::{DType, Graph, Op, OpKind, Quant, TensorInfo};

const HARNESS: Address = Address::repeat_byte(0x42);

/// The compiled harness, deployed in a fresh in-memory EVM.
pub struct Harness {
    evm: MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>,
    abi: JsonAbi,
    /// Calls made (the tests report how many elements they compared).
    pub calls: u64,
}

/// What a call gave: its decoded return values, or the revert's error name.
pub type Outcome = Result<Vec<DynSolValue>, String>;

impl Harness {
    /// Loads `out/OpsHarness.sol/OpsHarness.json` (run `forge build` first; `make test` does).
    pub fn new() -> Self {
        Self::load("OpsHarness.sol/OpsHarness.json")
    }

    /// Loads the compiled contract `out/<artifact>` into a fresh EVM.
    pub fn load(artifact: &str) -> Self {
        let path = format!("{}/../out/{artifact}", env!("CARGO_MANIFEST_DIR"));
        let path = path.as_str();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!("{path}: {e} (the harness is compiled by `forge build`, which `make test` runs first)")
        });
        let artifact: serde_json::Value = serde_json::from_str(&text).expect("artifact JSON");
        let abi: JsonAbi = serde_json::from_value(artifact["abi"].clone()).expect("artifact ABI");
        let code: Bytes = artifact["deployedBytecode"]["object"]
            .as_str()
            .expect("deployed bytecode")
            .parse()
            .expect("hex bytecode");
        let mut db = CacheDB::new(EmptyDB::default());
        db.insert_account_info(
            HARNESS,
            AccountInfo::default().with_code(Bytecode::new_raw(code)),
        );
        let ctx = Context::mainnet()
            .modify_cfg_chained(|cfg| {
                cfg.spec = SpecId::PRAGUE;
                cfg.disable_nonce_check = true;
            })
            .with_db(db);
        Self {
            evm: ctx.build_mainnet(),
            abi,
            calls: 0,
        }
    }

    /// Calls `name` (the only overload) with `args`.
    pub fn call(&mut self, name: &str, args: &[DynSolValue]) -> Outcome {
        let func = &self
            .abi
            .function(name)
            .unwrap_or_else(|| panic!("no {name}"))[0];
        let data = func.abi_encode_input(args).expect("arguments fit the ABI");
        let tx = TxEnv::builder()
            .caller(Address::repeat_byte(1))
            .kind(TxKind::Call(HARNESS))
            .data(data.into())
            .gas_limit(30_000_000)
            .gas_price(0)
            .build_fill();
        let result = self
            .evm
            .transact(tx)
            .expect("the EVM accepts the call")
            .result;
        self.calls += 1;
        match result {
            ExecutionResult::Success {
                output: Output::Call(out),
                ..
            } => Ok(func.abi_decode_output(&out).expect("return decodes")),
            ExecutionResult::Revert { output, .. } => Err(self.error_name(&output)),
            other => panic!("{name} halted: {other:?}"),
        }
    }

    /// A call that returns one int8.
    pub fn int8(&mut self, name: &str, args: &[DynSolValue]) -> Result<i8, String> {
        self.call(name, args).map(|v| as_i64(&v[0]) as i8)
    }

    fn error_name(&self, data: &[u8]) -> String {
        for (name, errors) in &self.abi.errors {
            for e in errors {
                if data.len() >= 4 && data[..4] == e.selector()[..] {
                    return name.clone();
                }
            }
        }
        format!("unknown revert 0x{}", alloy::hex::encode(data))
    }
}

/// A signed ABI value.
pub fn int(v: i64) -> DynSolValue {
    DynSolValue::Int(I256::try_from(v).unwrap(), 256)
}

/// An unsigned ABI value.
pub fn uint(v: u64) -> DynSolValue {
    DynSolValue::Uint(U256::from(v), 256)
}

/// An unsigned ABI value of `bits` bits (`uint8`, `uint32`).
pub fn uint_n(v: u64, bits: usize) -> DynSolValue {
    DynSolValue::Uint(U256::from(v), bits)
}

/// Packed int8 bytes.
pub fn bytes(v: &[i8]) -> DynSolValue {
    DynSolValue::Bytes(v.iter().map(|&b| b as u8).collect())
}

/// A struct of values.
pub fn tuple(v: Vec<DynSolValue>) -> DynSolValue {
    DynSolValue::Tuple(v)
}

/// A returned integer, as i64.
pub fn as_i64(v: &DynSolValue) -> i64 {
    match v {
        DynSolValue::Int(i, _) => i64::try_from(*i).unwrap(),
        DynSolValue::Uint(u, _) => u64::try_from(*u).unwrap() as i64,
        other => panic!("not an integer: {other:?}"),
    }
}

/// One-op graphs for the CPU reference: activations are graph inputs, the rest constants.
#[derive(Default)]
pub struct GraphBuilder {
    tensors: Vec<TensorInfo>,
    inputs: Vec<usize>,
    feeds: Vec<Vec<u8>>,
}

impl GraphBuilder {
    fn push(&mut self, t: TensorInfo) -> usize {
        self.tensors.push(t);
        self.tensors.len() - 1
    }

    /// Tensor `t`'s description (to derive the op's parameters as the reference does).
    pub fn info(&self, t: usize) -> &TensorInfo {
        &self.tensors[t]
    }

    /// An int8 activation input with per-tensor quantization and its contents.
    pub fn input(&mut self, shape: &[usize], scale: f32, zp: i32, data: &[i8]) -> usize {
        let t = self.push(tensor(shape, DType::I8, quant(&[scale], &[zp]), None));
        self.inputs.push(t);
        self.feeds.push(data.iter().map(|&b| b as u8).collect());
        t
    }

    /// An int32 input (GATHER ids).
    pub fn input_i32(&mut self, shape: &[usize], data: &[i32]) -> usize {
        let t = self.push(tensor(shape, DType::I32, Quant::default(), None));
        self.inputs.push(t);
        self.feeds
            .push(data.iter().flat_map(|v| v.to_le_bytes()).collect());
        t
    }

    /// An int8 constant (weights: one scale per channel along `axis`, zero points 0).
    pub fn weights(&mut self, shape: &[usize], scales: &[f32], axis: usize, data: &[i8]) -> usize {
        let mut q = quant(scales, &vec![0; scales.len()]);
        q.axis = axis;
        let bytes = data.iter().map(|&b| b as u8).collect();
        self.push(tensor(shape, DType::I8, q, Some(bytes)))
    }

    /// An int8 constant with per-tensor quantization (a constant operand).
    pub fn const_i8(&mut self, shape: &[usize], scale: f32, zp: i32, data: &[i8]) -> usize {
        let bytes = data.iter().map(|&b| b as u8).collect();
        self.push(tensor(
            shape,
            DType::I8,
            quant(&[scale], &[zp]),
            Some(bytes),
        ))
    }

    /// An int32 constant (biases, shapes).
    pub fn const_i32(&mut self, shape: &[usize], data: &[i32]) -> usize {
        let bytes = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.push(tensor(shape, DType::I32, Quant::default(), Some(bytes)))
    }

    /// An int8 output.
    pub fn output(&mut self, shape: &[usize], scale: f32, zp: i32) -> usize {
        self.push(tensor(shape, DType::I8, quant(&[scale], &[zp]), None))
    }

    /// Runs `kind` on `inputs` into `output` with the CPU reference: its bytes, or its error.
    pub fn run(self, kind: OpKind, inputs: Vec<usize>, output: usize) -> Result<Vec<i8>, String> {
        let (graph, feeds) = self.graph("OP", kind, inputs, output);
        let feeds: Vec<&[u8]> = feeds.iter().map(Vec::as_slice).collect();
        verifier::litert::run(&graph, &feeds)
            .map(|outs| outs[0].bytes.iter().map(|&b| b as i8).collect())
            .map_err(|e| e.to_string())
    }

    /// The one-op graph and its input bytes (the op named `name`, its LiteRT builtin name, which
    /// the model commitment's op code comes from; the CPU reference goes by `kind`).
    pub fn graph(
        self,
        name: &'static str,
        kind: OpKind,
        inputs: Vec<usize>,
        output: usize,
    ) -> (Graph, Vec<Vec<u8>>) {
        let graph = Graph {
            tensors: self.tensors,
            ops: vec![Op {
                name,
                kind,
                inputs,
                outputs: vec![output],
                macs: 0,
            }],
            inputs: self.inputs,
            outputs: vec![output],
        };
        (graph, self.feeds)
    }
}

fn quant(scale: &[f32], zp: &[i32]) -> Quant {
    Quant {
        scale: scale.to_vec(),
        zero_point: zp.to_vec(),
        axis: 0,
    }
}

fn tensor(shape: &[usize], dtype: DType, quant: Quant, data: Option<Vec<u8>>) -> TensorInfo {
    TensorInfo {
        name: String::new(),
        dtype,
        shape: shape.to_vec(),
        quant,
        data,
    }
}

/// Random int8 data, sometimes all at one extreme (the accumulators' worst cases).
pub fn int8s(rng: &mut impl Rng, n: usize) -> Vec<i8> {
    match rng.random_range(0..8) {
        0 => vec![-128; n],
        1 => vec![127; n],
        _ => (0..n).map(|_| rng.random()).collect(),
    }
}

/// A random activation scale (log-uniform over a realistic range).
pub fn scale(rng: &mut impl Rng) -> f32 {
    2f32.powf(rng.random_range(-12.0..0.0))
}

/// A random int8 zero point.
pub fn zp(rng: &mut impl Rng) -> i32 {
    rng.random_range(-128..=127)
}

/// A generated file: with `JUDGE_FIXTURE_UPDATE=1` writes `src` to `path`, else requires the file
/// to hold exactly `src` (`rerun`: the test filter that rewrites it).
pub fn write_or_check(path: &str, src: &str, rerun: &str) {
    if std::env::var_os("JUDGE_FIXTURE_UPDATE").is_some() {
        std::fs::write(path, src).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == src,
        "{path} is stale: JUDGE_FIXTURE_UPDATE=1 cargo test -p proof --test it {rerun} rewrites it"
    );
}
