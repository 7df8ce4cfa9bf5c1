// The tiled GEMM's inner step with the device's packed 4x8 dot product (see gemm.wgsl).
fn mac(acc: ptr<function, array<array<i32, RN>, RM>>, tp: u32, tc: u32) {
    for (var q = 0u; q < TQ; q++) {
        var xs: array<u32, RN>;
        for (var j = 0u; j < RN; j++) {
            xs[j] = x_tile[q][tp + TP * j];
        }
        for (var i = 0u; i < RM; i++) {
            let w = w_tile[RM * tc + i][q];
            for (var j = 0u; j < RN; j++) {
                (*acc)[i][j] += dot4I8Packed(w, xs[j]);
            }
        }
    }
}
