// Bindings and dispatch geometry shared by every LiteRT kernel. Tensors live on the GPU as one
// i32 per element (int8 sign-extended, int32 as is; constant weights of the tiled GEMM packed
// four int8 to a word in `aux`; some channel-blocked kernels read their activations from a
// copy packed four int8 to a word in `b`). One invocation per output element (or per partial
// sum; the channel-blocked reductions and the resizes: per four channels of a pixel; the tiled
// GEMM: 64 per tile); a grid too large for the device's workgroup-count limit is split by the
// host into dispatches that each start at `base`.

struct Params {
    w: array<vec4<i32>, 16>,
}

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read> aux: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<i32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;
// Per op: [failed, offending value] (a GATHER id out of range, an RSQRT of a negative).
@group(0) @binding(6) var<storage, read_write> status: array<atomic<i32>>;

const GROUP: u32 = 64u;

// Each pipeline's specialization (set by the host): the kind (parameter word 4), the
// requantization (word 44) and whether a reduction's constant weights are transposed in aux
// (FULLY_CONNECTED's word 19, CONV_2D's word 30), so that the driver folds the branches on them
// away.
override KIND: i32 = 0;
override REQ: i32 = 1;
override WT: i32 = 0;
// Blocks of four channels per invocation of the channel-blocked reductions (1 or 2).
override NB: u32 = 1u;

// Parameter word i (words 0..3: total invocations, base, groups along x, op index).
fn p(i: u32) -> i32 {
    return prm.w[i / 4u][i % 4u];
}

fn pu(i: u32) -> u32 {
    return u32(p(i));
}

// This invocation's index, or -1 past the end.
fn index(wid: vec3<u32>, lid: vec3<u32>) -> i32 {
    let g = pu(1u) + (wid.y * pu(2u) + wid.x) * GROUP + lid.x;
    return select(-1, i32(g), g < pu(0u));
}

fn fail(value: i32) {
    let op = pu(3u);
    atomicStore(&status[2u * op], 1);
    atomicStore(&status[2u * op + 1u], value);
}

// The flat index, in a tensor with strides at words s..s+5, of flat element g of a rank-6 shape
// whose dims are at words d..d+5 (lower ranks are padded in front with dims 1).
fn strided(g: u32, d: u32, s: u32) -> u32 {
    var rest = g;
    var idx = 0u;
    for (var i = 5; i >= 0; i--) {
        let dim = pu(d + u32(i));
        idx += (rest % dim) * pu(s + u32(i));
        rest = rest / dim;
    }
    return idx;
}

// Four int8 packed in a word (byte l = element l), sign-extended by shifts.
fn unpack4(v: u32) -> vec4<i32> {
    let s = bitcast<i32>(v);
    return vec4<i32>(s << 24u, s << 16u, s << 8u, s) >> vec4<u32>(24u);
}
