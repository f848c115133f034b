// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The verifiers of meshc.sgd_update_einsum (made by meshc-share-updates): it updates a
// meshc.param by one matmul that writes the parameter directly, summed over mesh axes that are
// exactly the ones its einsum's contracted dims are split over, and the parameter is replicated
// over them.

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @batch_dim() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=2, k=8, h=4, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{the parameter as the einsum's result: result dimension 'h' is in both einsum operands (a batch dim: not one matmul)}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<n=2, k=8, h=4, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @interleaved() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<k=8, h=4, j=2, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=2, k=8, j=2, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{result dimensions must be one operand's followed by the other's}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, j=2, f32>, !meshc.tensor<n=2, k=8, j=2, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @missing_dim() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, q=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{result dimension 'q' is in neither einsum operand}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = 0.1 : f64} : !meshc.tensor<k=8, q=4, f32>, !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @not_a_param() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{must update the value of a meshc.param}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @bad_rate() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{learning rate must be positive and finite}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = -0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

// The contracted dim n is split over b, but the update sums over m: the sum would miss b.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @wrong_axes() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{sums over [m] but its einsum's contracted dims are split over [b]}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["m"], learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

// The parameter is split over the axis the update sums over.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @split_param() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<k=4, h=4, f32>
    %a = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=2, k=4, f32>
    %c = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{sums over mesh axis 'b', which splits a dimension of the parameter}}
    meshc.sgd_update_einsum %w, %a, %c {axes = ["b"], learning_rate = 0.1 : f64} : !meshc.tensor<k=4, h=4, f32>, !meshc.tensor<n=2, k=4, f32>, !meshc.tensor<n=2, h=4, f32>
    return
  }
}
