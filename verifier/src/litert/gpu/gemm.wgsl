// Tiled int8 implicit GEMM: the partial sums of CONV_2D and FULLY_CONNECTED (a convolution over
// a 1x1 map whose pixels are the rows) with constant weights. GEMM view: pixel p = (n, y, x)
// of the output, channel c, term k = (ky * kw + kx) * ic + i (the naive kernel's order). A
// workgroup computes TN = 32 pixels x TM = 32 channels of one K chunk (word 7 terms, the naive
// partial pass's chunk); each invocation RN = 4 pixels (strided by TP) x RM = 4 channels. Per
// step of 16 terms the workgroup stages 4 packed words per channel (weights, packed on the host
// four int8 to a u32 along K, rows padded with zero bytes) and 4 packed words per pixel (the
// window's activations, packed here) in workgroup memory, then each invocation does 4 x 4 x 4
// packed 4x8 dot products (`mac`: `dot4I8Packed`, or unpacked vec4 dots where the device lacks
// it; the host prepends one of the two).
//
// Zero point: sum_k w (x - zi) = sum_k w x~ - zi sum_k w, with x~ = zi at padded taps (so they
// cancel) and the channel's sum of weights (aux[word 34 + c]) subtracted once, by chunk 0.
// Every sum wraps in i32 like the CPU's, so the split result is the CPU's bit for bit. The output
// layout is the naive `partial` pass's: scratch[dst + chunk * nout + p * oc + c], combined and
// requantized by the same passes after it; when one chunk covers K (word 38 set) the sums are
// requantized here, as `finish` would (reduce.wgsl, words 44..48). At most 64 steps per
// invocation (C = 1024 terms).
//
// Words: 5 nout, 6 K, 7 C, 8 dst; 12 h, 13 w, 14 ic, 15 kh, 16 kw, 17 oh, 18 ow, 19 oc, 20 pad_h,
// 21 pad_w, 22 stride_h, 23 stride_w, 24 dil_h, 25 dil_w, 26 zp_in; 32 pixels P, 33 words per
// weight row, 34 offset of the weight sums in aux, 35 of the packed weights, 36 pixel tiles,
// 37 channel tiles, 38 fused finish.

const TP: u32 = 8u;
const TC: u32 = 8u;
const RN: u32 = 4u;
const RM: u32 = 4u;
const TN: u32 = 32u;
const TM: u32 = 32u;
const TQ: u32 = 4u;

var<workgroup> w_tile: array<array<u32, TQ>, TM>;
var<workgroup> x_tile: array<array<u32, TN>, TQ>;

// Where in the window term k lies: input channel i, tap (ky, kx). Decoded once per staged row
// (divisions are scalar per lane on a CPU driver), then stepped.
struct Tap {
    i: u32,
    ky: u32,
    kx: u32,
}

fn tap_of(k: u32) -> Tap {
    let ic = pu(14u);
    let kw = pu(16u);
    let tap = k / ic;
    return Tap(k % ic, tap / kw, tap % kw);
}

// The tap `step` = (16 / ic, 16 % ic) terms on: that many whole taps, then channels.
fn tap_step(t: Tap, step: vec2<u32>) -> Tap {
    let ic = pu(14u);
    let kw = pu(16u);
    var u = Tap(t.i + step.y, t.ky, t.kx + step.x);
    if (u.i >= ic) {
        u.i -= ic;
        u.kx++;
    }
    // kx < kw + 17 here: at most 17 rounds
    for (var z = 0u; z < 17u && u.kx >= kw; z++) {
        u.kx -= kw;
        u.ky++;
    }
    return u;
}

// Activations k .. k + 3 of the window of pixel (n, y0, x0) packed in a word, k at tap `t`: the
// input value, zi at a padded tap, 0 past the chunk (its weight bytes are then 0 or the next
// step's).
fn window_word(n: u32, y0: i32, x0: i32, k: u32, t: Tap, kend: u32, live: bool) -> u32 {
    if (!live || k >= kend) {
        return 0u;
    }
    let ic = pu(14u);
    let kw = pu(16u);
    if (ic % 4u == 0u) {
        // the word's four terms are four channels of one tap, all in the chunk (it ends on a
        // multiple of 4): one bounds check, four neighbouring loads
        let iy = y0 + i32(t.ky) * p(24u);
        let ix = x0 + i32(t.kx) * p(25u);
        if (iy < 0 || ix < 0 || iy >= p(12u) || ix >= p(13u)) {
            return (bitcast<u32>(p(26u)) & 0xffu) * 0x01010101u;
        }
        let at = ((n * pu(12u) + u32(iy)) * pu(13u) + u32(ix)) * ic + t.i;
        let v = vec4<u32>(bitcast<vec4<u32>>(vec4<i32>(a[at], a[at + 1u], a[at + 2u], a[at + 3u]))) & vec4<u32>(0xffu);
        return v.x | (v.y << 8u) | (v.z << 16u) | (v.w << 24u);
    }
    var word = 0u;
    var u = t;
    for (var l = 0u; l < 4u; l++) {
        var v = 0;
        if (k + l < kend) {
            let iy = y0 + i32(u.ky) * p(24u);
            let ix = x0 + i32(u.kx) * p(25u);
            if (iy < 0 || ix < 0 || iy >= p(12u) || ix >= p(13u)) {
                v = p(26u);
            } else {
                v = a[((n * pu(12u) + u32(iy)) * pu(13u) + u32(ix)) * ic + u.i];
            }
        }
        word |= (bitcast<u32>(v) & 0xffu) << (8u * l);
        u.i++;
        if (u.i == ic) {
            u.i = 0u;
            u.kx++;
            if (u.kx == kw) {
                u.kx = 0u;
                u.ky++;
            }
        }
    }
    return word;
}

@compute @workgroup_size(64, 1, 1)
fn tile(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    // The workgroup's (chunk, channel tile, pixel tile): uniform across it, so an idle group of a
    // split grid leaves before any barrier.
    let group = pu(1u) / 64u + wid.y * pu(2u) + wid.x;
    let ptiles = pu(36u);
    let per_chunk = ptiles * pu(37u);
    let nch = (pu(6u) + pu(7u) - 1u) / pu(7u);
    if (group >= per_chunk * nch) {
        return;
    }
    let chunk = group / per_chunk;
    let p0 = (group % ptiles) * TN;
    let c0 = ((group % per_chunk) / ptiles) * TM;
    let kbeg = chunk * pu(7u);
    let kend = min(kbeg + pu(7u), pu(6u));
    let npx = pu(32u);
    let oc = pu(19u);
    let kq = pu(33u);
    let wbase = pu(35u);

    let f = lid.x;
    let tp = f % TP;
    let tc = f / TP;
    // The pixel column this invocation stages: its window corner, decoded once.
    let col = f % TN;
    let px = p0 + col;
    let live = px < npx;
    let oh = pu(17u);
    let ow = pu(18u);
    let n = px / (oh * ow);
    let y0 = i32((px / ow) % oh) * p(22u) - p(20u);
    let x0 = i32(px % ow) * p(23u) - p(21u);

    // the two rows this invocation stages: terms k0 + 4 r, r = f / TN + 2 s, decoded once and
    // stepped 4 TQ terms a step
    let ic = pu(14u);
    let step = vec2<u32>((4u * TQ) / ic, (4u * TQ) % ic);
    let r0 = f / TN;
    var tap0 = tap_of(kbeg + 4u * r0);
    var tap1 = tap_of(kbeg + 4u * (r0 + 2u));

    var acc: array<array<i32, RN>, RM>;
    for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) {
            acc[i][j] = 0;
        }
    }
    for (var k0 = kbeg; k0 < kend; k0 += 4u * TQ) {
        for (var s = 0u; s < 2u; s++) {
            let idx = f + 64u * s;
            let wr = idx / TQ;
            let wc = idx % TQ;
            let c = c0 + wr;
            let q = k0 / 4u + wc;
            var wv = 0u;
            if (c < oc && 4u * q < kend) {
                wv = bitcast<u32>(aux[wbase + c * kq + q]);
            }
            w_tile[wr][wc] = wv;
        }
        x_tile[r0][col] = window_word(n, y0, x0, k0 + 4u * r0, tap0, kend, live);
        x_tile[r0 + 2u][col] = window_word(n, y0, x0, k0 + 4u * r0 + 8u, tap1, kend, live);
        tap0 = tap_step(tap0, step);
        tap1 = tap_step(tap1, step);
        workgroupBarrier();
        mac(&acc, tp, tc);
        workgroupBarrier();
    }

    let zi = p(26u);
    let nout = pu(5u);
    let dst = pu(8u) + chunk * nout;
    let fused = p(38u) != 0;
    for (var i = 0u; i < RM; i++) {
        let c = c0 + RM * tc + i;
        if (c >= oc) {
            continue;
        }
        let fix = select(0, zi * aux[pu(34u) + c], chunk == 0u);
        for (var j = 0u; j < RN; j++) {
            let pj = p0 + tp + TP * j;
            if (pj < npx) {
                let o = pj * oc + c;
                if (fused) {
                    out[o] = requantize_out(o, acc[i][j] - fix);
                } else {
                    scratch[dst + o] = acc[i][j] - fix;
                }
            }
        }
    }
}
