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
    y0: u32, pad0: u32, pad1: u32, pad2: u32,
    pad3: vec4<u32>, pad4: vec4<u32>,
}

const MODE_FIRST: u32 = 1u;
const MODE_LAST: u32 = 2u;

@group(0) @binding(0) var<uniform> prm: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> weight: array<i32>;
@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<i32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;

const TM: u32 = TY * RM; // output channels per tile
const TN: u32 = TX * RN; // output pixels per tile
const TK: u32 = 16u; // reduction chunk
const THREADS: u32 = TX * TY;

var<workgroup> w_tile: array<array<i32, TK>, TM>; // [co][k]
var<workgroup> x_tile: array<array<i32, TN>, TK>; // [k][p]

fn im2col(k: u32, p: u32) -> i32 {
    if (k >= prm.k_end || p >= prm.p) {
        return 0;
    }
    let taps = prm.kh * prm.kw;
    let ci = k / taps;
    let r = k % taps;
    let ky = r / prm.kw;
    let kx = r % prm.kw;
    let oy = p / prm.ow;
    let ox = p % prm.ow;
    let iy = i32(oy * prm.sh + ky) - i32(prm.ph);
    let ix = i32(ox * prm.sw + kx) - i32(prm.pw);
    if (iy < 0 || ix < 0 || iy >= i32(prm.h) || ix >= i32(prm.w)) {
        return 0;
    }
    return x[(ci * prm.h + u32(iy)) * prm.w + u32(ix)];
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

    for (var k0 = prm.k_begin; k0 < prm.k_end; k0 += TK) {
        // Weight tile: TM rows x TK columns.
        for (var idx = flat; idx < TM * TK; idx += THREADS) {
            let wr = idx / TK;
            let wc = idx % TK;
            let co = co0 + wr;
            let kk = k0 + wc;
            var wv = 0;
            if (co < prm.cout && kk < prm.k_end) {
                wv = weight[co * prm.k + kk];
            }
            w_tile[wr][wc] = wv;
        }
        // Input tile: TK rows (k) x TN columns (pixels).
        for (var idx = flat; idx < TK * TN; idx += THREADS) {
            let xr = idx / TN;
            let xc = idx % TN;
            x_tile[xr][xc] = im2col(k0 + xr, p0 + xc);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk++) {
            var a: array<i32, RM>;
            var b: array<i32, RN>;
            for (var i = 0u; i < RM; i++) {
                a[i] = w_tile[ty + TY * i][kk];
            }
            for (var j = 0u; j < RN; j++) {
                b[j] = x_tile[kk][tx + TX * j];
            }
            for (var i = 0u; i < RM; i++) {
                for (var j = 0u; j < RN; j++) {
                    acc[i][j] += a[i] * b[j];
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
