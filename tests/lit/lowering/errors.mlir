// RUN: meshc-opt %s --split-input-file --meshc-lower-to-llvm --verify-diagnostics

// expected-error @+1 {{function 'global' is not partitioned (run meshc-partition first)}}
func.func @global() {
  return
}

// -----

// A per-rank program with meshc.minimize or meshc.reduce_mean left is refused by the per-rank
// verifier before the lowering sees it (tests/lit/partition/per-rank-verifier.mlir).

// expected-error @+1 {{expected one meshc function, found 2}}
module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @one() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    return
  }
  func.func @two() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    return
  }
}
