// Tiled implicit-GEMM convolution (dense layers are 1x1 convolutions over a 1x1 map).
// out[co, p] = requantize(bias[co] + sum_k W[co, k] * X_col[k, p]) with k = (ci, ky, kx) and
// p = (oy, ox). A TX x TY workgroup computes a TM = TY*RM (channels) x TN = TX*RN (pixels) output
// tile, each thread RM x RN outputs strided by TY and TX; K is walked in chunks of TK through
// workgroup memory. TX, TY, RM, RN are prepended by the host (tile variants: wide 64x64, narrow
// 4x256 for few output channels, vector 256x1 for dense layers). Accumulation is wrapping i32,
// which is order-independent, so the result equals the CPU reference bit for bit.
//
// Bounded loops: one dispatch reduces only k in [k_begin, k_end) (at most KSPLIT = 1024 terms,
// so no invocation loops more than a few thousand times: Mesa's llvmpipe silently stops an
// invocation after ~65,535 loop iterations). Splits chain through `scratch`: FIRST starts from
// zero (else from scratch), LAST adds the bias and requantizes into `out` (else writes scratch).
// x0, y0 offset the workgroup ids when a grid is split to fit the device's dispatch limits.

struct ConvParams {
    cin: u32, h: u32, w: u32, cout: u32,
    kh: u32, kw: u32, sh: u32, sw: u32,
    ph: u32, pw: u32, oh: u32, ow: u32,
    mult: i32, shift: u32, k: u32, p: u32,
    k_begin: u32, k_end: u32, mode: u32, x0: u32,
    y0: u32, kq: u32, pad1: u32, pad2: u32,
    pad3: vec4<u32>, pad4: vec4<u32>,
}

const MODE_FIRST: u32 = 1u;
const MODE_LAST: u32 = 2u;

@group(0) @binding(0) var<uniform> prm: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<i32>;
// Weights packed four to a u32 along K (byte l of word q of row co is W[co, 4q + l]), rows padded
// with zeros to kq = ceil(K / 4) words.
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<i32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;

const TM: u32 = TY * RM; // output channels per tile
const TN: u32 = TX * RN; // output pixels per tile
const TK: u32 = 16u; // reduction chunk (k values)
const TQ: u32 = TK / 4u; // reduction chunk in packed words
const THREADS: u32 = TX * TY;

// Both tiles hold int8 values packed four to a u32 along K: a quarter of the workgroup memory
// and of the loads of an i32 layout.
var<workgroup> w_tile: array<array<u32, TQ>, TM>; // [co][k/4]
var<workgroup> x_tile: array<array<u32, TN>, TQ>; // [k/4][p]

// Four consecutive im2col values k0..k0+3 at pixel p, packed; index arithmetic done once per
// word and stepped between taps instead of divided per value.
fn im2col4(k0: u32, p: u32) -> u32 {
    if (p >= prm.p || k0 >= prm.k_end) {
        return 0u;
    }
    let taps = prm.kh * prm.kw;
    var ci = k0 / taps;
    let r = k0 % taps;
    var ky = r / prm.kw;
    var kx = r % prm.kw;
    let oy = p / prm.ow;
    let ox = p % prm.ow;
    let by = i32(oy * prm.sh) - i32(prm.ph);
    let bx = i32(ox * prm.sw) - i32(prm.pw);
    var word = 0u;
    for (var l = 0u; l < 4u; l++) {
        if (k0 + l < prm.k_end) {
            let iy = by + i32(ky);
            let ix = bx + i32(kx);
            if (iy >= 0 && ix >= 0 && iy < i32(prm.h) && ix < i32(prm.w)) {
                let v = x[(ci * prm.h + u32(iy)) * prm.w + u32(ix)];
                word |= (bitcast<u32>(v) & 0xffu) << (8u * l);
            }
        }
        kx += 1u;
        if (kx == prm.kw) {
            kx = 0u;
            ky += 1u;
            if (ky == prm.kh) {
                ky = 0u;
                ci += 1u;
            }
        }
    }
    return word;
}

fn unpack4(v: u32) -> vec4<i32> {
    let s = bitcast<i32>(v);
    return vec4<i32>(
        extractBits(s, 0u, 8u),
        extractBits(s, 8u, 8u),
        extractBits(s, 16u, 8u),
        extractBits(s, 24u, 8u),
    );
}

@compute @workgroup_size(TX, TY, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let tx = lid.x;
    let ty = lid.y;
    let flat = ty * TX + tx;
    let p0 = (wid.x + prm.x0) * TN;
    let co0 = (wid.y + prm.y0) * TM;

    var acc: array<array<i32, RN>, RM>;
    for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) {
            let co = co0 + ty + TY * i;
            let p = p0 + tx + TX * j;
            var start = 0;
            if ((prm.mode & MODE_FIRST) == 0u && co < prm.cout && p < prm.p) {
                start = scratch[co * prm.p + p];
            }
            acc[i][j] = start;
        }
    }

    // k_begin is a multiple of TK; words past k_end hold zero weights.
    let q_end = (prm.k_end + 3u) / 4u;
    for (var k0 = prm.k_begin; k0 < prm.k_end; k0 += TK) {
        let q0 = k0 / 4u;
        for (var idx = flat; idx < TM * TQ; idx += THREADS) {
            let wr = idx / TQ;
            let wc = idx % TQ;
            let co = co0 + wr;
            var wv = 0u;
            if (co < prm.cout && q0 + wc < q_end) {
                wv = weight[co * prm.kq + q0 + wc];
            }
            w_tile[wr][wc] = wv;
        }
        for (var idx = flat; idx < TQ * TN; idx += THREADS) {
            let xr = idx / TN;
            let xc = idx % TN;
            x_tile[xr][xc] = im2col4(k0 + 4u * xr, p0 + xc);
        }
        workgroupBarrier();
        for (var q = 0u; q < TQ; q++) {
            if (DOT4 == 1u) {
                var a: array<u32, RM>;
                var b: array<u32, RN>;
                for (var i = 0u; i < RM; i++) {
                    a[i] = w_tile[ty + TY * i][q];
                }
                for (var j = 0u; j < RN; j++) {
                    b[j] = x_tile[q][tx + TX * j];
                }
                for (var i = 0u; i < RM; i++) {
                    for (var j = 0u; j < RN; j++) {
                        acc[i][j] += dot4I8Packed(a[i], b[j]);
                    }
                }
            } else {
                var a: array<vec4<i32>, RM>;
                var b: array<vec4<i32>, RN>;
                for (var i = 0u; i < RM; i++) {
                    a[i] = unpack4(w_tile[ty + TY * i][q]);
                }
                for (var j = 0u; j < RN; j++) {
                    b[j] = unpack4(x_tile[q][tx + TX * j]);
                }
                for (var i = 0u; i < RM; i++) {
                    for (var j = 0u; j < RN; j++) {
                        acc[i][j] += dot(a[i], b[j]);
                    }
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < RM; i++) {
        let co = co0 + ty + TY * i;
        if (co >= prm.cout) {
            continue;
        }
        for (var j = 0u; j < RN; j++) {
            let p = p0 + tx + TX * j;
            if (p < prm.p) {
                if ((prm.mode & MODE_LAST) != 0u) {
                    out[co * prm.p + p] = requantize(acc[i][j] + bias[co], prm.mult, prm.shift);
                } else {
                    scratch[co * prm.p + p] = acc[i][j];
                }
            }
        }
    }
}
