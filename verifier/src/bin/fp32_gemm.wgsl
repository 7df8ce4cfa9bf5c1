// Reference fp32 GEMM for the benchmark: C[M,N] = A[M,K] * B[K,N] in the same tile as the int8
// conv kernel picks for that shape (TP x TC threads, 4 x 4 outputs each, prepended by the host)
// with 16-deep K chunks through workgroup memory; the int8 kernel also does im2col and
// requantization on top.
struct Dims { m: u32, n: u32, k: u32, pad: u32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TM: u32 = TC * 4u;
const TN: u32 = TP * 4u;
const THREADS: u32 = TP * TC;

var<workgroup> at: array<array<f32, 16>, TM>;
var<workgroup> bt: array<array<f32, TN>, 16>;

@compute @workgroup_size(TP, TC, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let flat = lid.y * TP + lid.x;
    let n0 = wid.x * TN;
    let m0 = wid.y * TM;
    var acc: array<array<f32, 4>, 4>;
    for (var k0 = 0u; k0 < d.k; k0 += 16u) {
        for (var idx = flat; idx < TM * 16u; idx += THREADS) {
            let r = idx / 16u;
            let cc = idx % 16u;
            var v = 0.0;
            if (m0 + r < d.m && k0 + cc < d.k) { v = a[(m0 + r) * d.k + k0 + cc]; }
            at[r][cc] = v;
        }
        for (var idx = flat; idx < 16u * TN; idx += THREADS) {
            let br = idx / TN;
            let bc = idx % TN;
            var w = 0.0;
            if (k0 + br < d.k && n0 + bc < d.n) { w = b[(k0 + br) * d.n + n0 + bc]; }
            bt[br][bc] = w;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < 16u; kk++) {
            var x: array<f32, 4>;
            var y: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) { x[i] = at[4u * lid.y + i][kk]; }
            for (var j = 0u; j < 4u; j++) { y[j] = bt[kk][lid.x + TP * j]; }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) { acc[i][j] += x[i] * y[j]; }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
            let m = m0 + 4u * lid.y + i;
            let n = n0 + lid.x + TP * j;
            if (m < d.m && n < d.n) { c[m * d.n + n] = acc[i][j]; }
        }
    }
}
