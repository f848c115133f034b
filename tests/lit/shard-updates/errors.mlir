// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The verifiers of a sharded update (`shard_axis`, made by meshc-shard-updates): the gradient
// must be the parameter's slice along its first dim, on the mesh axis the parameter leaves
// whole.

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @not_a_slice() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, j=4, f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<k=8, j=2, f32>
    // expected-error @+1 {{sharded gradient type '!meshc.tensor<k=8, j=2, f32>' is not a slice of the parameter type '!meshc.tensor<k=8, j=4, f32>' along its first dimension}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "b"} : !meshc.tensor<k=8, j=4, f32>, !meshc.tensor<k=8, j=2, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @scalar() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    // expected-error @+1 {{shards the update of a parameter without dimensions}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "b"} : !meshc.tensor<f32>, !meshc.tensor<f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @unknown_axis() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<k=4, f32>
    // expected-error @+1 {{shards over mesh axis 'q', which the mesh does not have}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "q"} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @first_dim_split() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=4, f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=4, f32>
    // expected-error @+1 {{shards the parameter's first dimension, which is already split}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "b"} : !meshc.tensor<k=4, f32>, !meshc.tensor<k=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @axis_splits_param() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<k=8, j=2, f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[m], [b]]>]} : !meshc.tensor<k=4, j=2, f32>
    // expected-error @+1 {{shards over mesh axis 'b', which splits a dimension of the parameter}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "b"} : !meshc.tensor<k=8, j=2, f32>, !meshc.tensor<k=4, j=2, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @gradient_elsewhere() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %g = meshc.fill {value = 1.0, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=4, f32>
    // expected-error @+1 {{gradient sharding #meshc.sharding<[[m]]> is not #meshc.sharding<[[b]]> (the parameter's, its first dim over 'b')}}
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64, shard_axis = "b"} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    return
  }
}
