// The tiled GEMM's inner step without a packed dot product (see gemm.wgsl): each packed word
// unpacked once, then vec4 dots (the activations' unpacked values reused across channels).
fn mac(acc: ptr<function, array<array<i32, RN>, RM>>, tp: u32, tc: u32) {
    for (var q = 0u; q < TQ; q++) {
        var xs: array<vec4<i32>, RN>;
        for (var j = 0u; j < RN; j++) {
            xs[j] = unpack4(x_tile[q][tp + TP * j]);
        }
        for (var i = 0u; i < RM; i++) {
            let w = unpack4(w_tile[RM * tc + i][q]);
            for (var j = 0u; j < RN; j++) {
                (*acc)[i][j] += dot(w, xs[j]);
            }
        }
    }
}
