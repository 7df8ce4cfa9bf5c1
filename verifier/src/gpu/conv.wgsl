// Tiled implicit-GEMM convolution over packed int8 (dense layers are convolutions whose kernel
// covers the whole input map). out[co, p] = requantize(bias[co] + sum_k W[co, k] * X_col[k, p])
// with p = (oy, ox) and K walked in packed words q = (ky * kw + kx) * cq + c4: word q at pixel p
// is ONE activation word, the four channels 4*c4 .. 4*c4+3 at input position (ky, kx) of p's
// window (activations are channel-packed, see mod.rs). A workgroup computes TM = TC*4 channels x
// TN = TP*RN pixels; each thread 4 consecutive channels (one packed output word) x RN pixels
// strided by TP. TP, TC, RN, CX (channels along the workgroup's x), WX, WY (workgroup size) and
// TQ (words per chunk) are prepended by the host. Accumulation is wrapping i32, which is
// order-independent, so the result equals the CPU reference bit for bit.
//
// Bounded loops: one dispatch reduces only words [q_begin, q_end) (at most KSPLIT / 4, so no
// invocation loops more than a few hundred times: Mesa's llvmpipe silently stops an invocation
// after ~65,535 loop iterations). Splits chain through `scratch` (one i32 per element): FIRST
// starts from zero (else from scratch), LAST adds the bias and requantizes into `out` (else
// writes scratch). x0, y0 offset the workgroup ids when a grid is split to fit the device's
// dispatch limits. (c_begin, ky_begin, kx_begin) is q_begin decoded by the host, so the kernel
// walks K with counters and never divides per value.

struct ConvParams {
    cin: u32, h: u32, w: u32, cout: u32,
    kh: u32, kw: u32, sh: u32, sw: u32,
    ph: u32, pw: u32, oh: u32, ow: u32,
    mult: i32, shift: u32, cq: u32, p: u32,
    q_begin: u32, q_end: u32, mode: u32, x0: u32,
    y0: u32, kq: u32, c_begin: u32, ky_begin: u32,
    kx_begin: u32, pad1: u32, pad2: u32, pad3: u32,
    pad4: vec4<u32>,
}

const MODE_FIRST: u32 = 1u;
const MODE_LAST: u32 = 2u;

@group(0) @binding(0) var<uniform> prm: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<u32>;
// Weights packed like the activations: byte l of word q of row co is W[co, 4*c4 + l, ky, kx],
// rows padded with zeros to kq words.
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;

const RM: u32 = 4u; // channels per thread: one packed output word
const TM: u32 = TC * RM; // output channels per tile
const TN: u32 = TP * RN; // output pixels per tile
const THREADS: u32 = TP * TC;

var<workgroup> w_tile: array<array<u32, TQ>, TM>; // [co][q]
var<workgroup> x_tile: array<array<u32, TN>, TQ>; // [q][p]

// Sign-extending shifts (cheaper than extractBits on CPU SIMD).
fn unpack4(v: u32) -> vec4<i32> {
    let s = bitcast<i32>(v);
    return vec4<i32>(s << 24u, s << 16u, s << 8u, s) >> vec4<u32>(24u);
}

@compute @workgroup_size(WX, WY, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    // llvmpipe vectorizes along a workgroup's x: the wider thread dimension goes there.
    let tp = select(lid.x, lid.y, CX == 1u);
    let tc = select(lid.y, lid.x, CX == 1u);
    let flat = tc * TP + tp;
    let p0 = (wid.x + prm.x0) * TN;
    let co0 = (wid.y + prm.y0) * TM;
    let cb = co0 + RM * tc;

    // This thread's pixels (the x_tile columns it fills and reads): window corners, once.
    var by: array<i32, RN>;
    var bx: array<i32, RN>;
    var inside: array<bool, RN>;
    for (var j = 0u; j < RN; j++) {
        let p = p0 + tp + TP * j;
        inside[j] = p < prm.p;
        let oy = p / prm.ow;
        let ox = p % prm.ow;
        by[j] = i32(oy * prm.sh) - i32(prm.ph);
        bx[j] = i32(ox * prm.sw) - i32(prm.pw);
    }

    var acc: array<array<i32, RN>, RM>;
    for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) {
            let co = cb + i;
            let p = p0 + tp + TP * j;
            var start = 0;
            if ((prm.mode & MODE_FIRST) == 0u && co < prm.cout && p < prm.p) {
                start = scratch[co * prm.p + p];
            }
            acc[i][j] = start;
        }
    }

    // (c, ky, kx): decode of the chunk's first word, advanced by counters (uniform).
    var c = prm.c_begin;
    var ky = prm.ky_begin;
    var kx = prm.kx_begin;
    for (var q0 = prm.q_begin; q0 < prm.q_end; q0 += TQ) {
        for (var idx = flat; idx < TM * TQ; idx += THREADS) {
            let wr = idx / TQ;
            let wc = idx % TQ;
            let co = co0 + wr;
            var wv = 0u;
            if (co < prm.cout && q0 + wc < prm.q_end) {
                wv = weight[co * prm.kq + q0 + wc];
            }
            w_tile[wr][wc] = wv;
        }
        for (var r = 0u; r < TQ; r++) {
            if (r % TC == tc) {
                let live = q0 + r < prm.q_end;
                let plane = c * prm.h;
                for (var j = 0u; j < RN; j++) {
                    let iy = by[j] + i32(ky);
                    let ix = bx[j] + i32(kx);
                    var v = 0u;
                    if (live && inside[j] && iy >= 0 && ix >= 0 && iy < i32(prm.h) && ix < i32(prm.w)) {
                        v = x[(plane + u32(iy)) * prm.w + u32(ix)];
                    }
                    x_tile[r][tp + TP * j] = v;
                }
            }
            c += 1u;
            if (c == prm.cq) {
                c = 0u;
                kx += 1u;
                if (kx == prm.kw) {
                    kx = 0u;
                    ky += 1u;
                }
            }
        }
        workgroupBarrier();
        for (var q = 0u; q < TQ; q++) {
            if (DOT4 == 1u) {
                var a: array<u32, RM>;
                var b: array<u32, RN>;
                for (var i = 0u; i < RM; i++) {
                    a[i] = w_tile[RM * tc + i][q];
                }
                for (var j = 0u; j < RN; j++) {
                    b[j] = x_tile[q][tp + TP * j];
                }
                for (var i = 0u; i < RM; i++) {
                    for (var j = 0u; j < RN; j++) {
                        acc[i][j] += dot4I8Packed(a[i], b[j]);
                    }
                }
            } else {
                // One weight word unpacked at a time: fewer live registers on CPU SIMD.
                var b: array<vec4<i32>, RN>;
                for (var j = 0u; j < RN; j++) {
                    b[j] = unpack4(x_tile[q][tp + TP * j]);
                }
                for (var i = 0u; i < RM; i++) {
                    let a = unpack4(w_tile[RM * tc + i][q]);
                    for (var j = 0u; j < RN; j++) {
                        acc[i][j] += dot(a, b[j]);
                    }
                }
            }
        }
        workgroupBarrier();
    }

    if (cb >= prm.cout) {
        return;
    }
    for (var j = 0u; j < RN; j++) {
        let p = p0 + tp + TP * j;
        if (p >= prm.p) {
            continue;
        }
        if ((prm.mode & MODE_LAST) != 0u) {
            var word = 0u;
            for (var i = 0u; i < RM; i++) {
                let co = cb + i;
                if (co < prm.cout) {
                    let v = requantize(acc[i][j] + bias[co], prm.mult, prm.shift);
                    word |= (bitcast<u32>(v) & 0xffu) << (8u * i);
                }
            }
            out[(cb / RM) * prm.p + p] = word;
        } else {
            for (var i = 0u; i < RM; i++) {
                let co = cb + i;
                if (co < prm.cout) {
                    scratch[co * prm.p + p] = acc[i][j];
                }
            }
        }
    }
}
