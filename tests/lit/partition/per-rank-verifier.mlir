// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The per-rank verifier (dialect/IR/PerRankVerifier.cpp): each case is a per-rank program with
// one violation, hand-written on mesh b=2,m=2.

// A valid per-rank program: every collective moving a sharding as it says, a contraction
// leaving a partial sum over the axis of the dim it sums, a rename keeping its split. No error.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @valid() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=4, f32>
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<k=4, h=2, f32>
    %p = meshc.einsum %x, %w {meshc.sharding = [#meshc.sharding<[[m]], partial = [b]>]} : !meshc.tensor<n=2, k=4, f32>, !meshc.tensor<k=4, h=2, f32> -> !meshc.tensor<h=2, f32>
    %r = meshc.all_reduce %p {axes = ["b"], meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<h=2, f32>
    %g = meshc.all_gather %r {axis = "m", dim = "h", meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<h=2, f32> -> !meshc.tensor<h=4, f32>
    %s = meshc.all_slice %g {axis = "b", dim = "h", meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<h=4, f32> -> !meshc.tensor<h=2, f32>
    %y = meshc.einsum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<k=4, f32>
    %c = meshc.reduce_scatter %y {axis = "b", dim = "k", meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<k=4, f32> -> !meshc.tensor<k=2, f32>
    %a = meshc.all_to_all %x {axis = "b", split_dim = "k", concat_dim = "n", meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<n=4, k=2, f32>
    %t = meshc.rename %x {meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<i=2, j=4, f32>
    return
  }
}

// -----

// A tensor result without a sharding.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    // expected-error @+1 {{result #0 has no sharding ('meshc.sharding') in a per-rank program}}
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// A sharding naming an axis the mesh lacks.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    // expected-error @+1 {{result #0 splits dimension 'n' over mesh axis 'q', which mesh "b=2,m=2" lacks}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[q]]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// A partial sum over an axis the mesh lacks.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{result #0 is a partial sum over mesh axis 'q', which mesh "b=2,m=2" lacks}}
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [q]>]} : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    return
  }
}

// -----

// A dim split over two axes: the runtime splits a dim over one.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    // expected-error @+1 {{result #0 splits dimension 'n' over 2 mesh axes; at most one is supported}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b, m]]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// Local shapes and shardings disagree: n is 2 x 2 = 4 globally in x but 2 in y.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    // expected-note @+1 {{global size 4 here}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{result #0 holds dimension 'n' of global size 2 (2 per rank, split over []), but it has global size 4 elsewhere}}
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// Partitioning resolves relayouts.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{is not allowed in a per-rank program (meshc-localize resolves it into collectives)}}
    %r = meshc.relayout %x {layout = #meshc.layout<"n:b">} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// Autodiff removes minimize.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    // expected-error @+1 {{is not allowed in a per-rank program (run meshc-autodiff before partitioning)}}
    meshc.minimize sgd %w {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// -----

// Decompose removes reduce_mean.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{is not allowed in a per-rank program (run meshc-decompose before partitioning)}}
    %m = meshc.reduce_mean %x {meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    return
  }
}

// -----

// all_reduce over an axis the operand is not partial over.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<f32>
    // expected-error @+1 {{sums over mesh axis 'm', over which its operand is not a partial sum}}
    %r = meshc.all_reduce %s {axes = ["m"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    return
  }
}

// -----

// all_reduce whose result is still partial.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[], partial = [b]> does not follow from the operand's: expected #meshc.sharding<[]>}}
    %r = meshc.all_reduce %s {axes = ["b"], meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<f32>
    return
  }
}

// -----

// reduce_scatter of a value that is not partial over its axis.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{sums over mesh axis 'b', over which its operand is not a partial sum}}
    %r = meshc.reduce_scatter %x {axis = "b", dim = "n", meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32> -> !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// reduce_scatter onto a dim that is already split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=2, f32>
    %p = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[m]], partial = [b]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<k=2, f32> -> !meshc.tensor<k=2, f32>
    // expected-error @+1 {{needs its operand's dimension 'k' whole, not split over [m]}}
    %r = meshc.reduce_scatter %p {axis = "b", dim = "k", meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=2, f32> -> !meshc.tensor<k=1, f32>
    return
  }
}

// -----

// reduce_scatter whose result keeps the sum pending.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=4, f32>
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<k=4, f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[[b]], partial = [m]> does not follow from the operand's: expected #meshc.sharding<[[b]]>}}
    %r = meshc.reduce_scatter %s {axis = "b", dim = "k", meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<k=4, f32> -> !meshc.tensor<k=2, f32>
    return
  }
}

// -----

// all_gather of a dim that is not split over its axis.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{needs its operand's dimension 'n' split over [b], not split over [m]}}
    %g = meshc.all_gather %x {axis = "b", dim = "n", meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// all_gather whose result still says split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %y = meshc.relu %x {meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[[m]]> does not follow from the operand's: expected #meshc.sharding<[[]]>}}
    %g = meshc.all_gather %y {axis = "b", dim = "n", meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// all_slice of a dim that is already split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{needs its operand's dimension 'n' whole, not split over [m]}}
    %s = meshc.all_slice %x {axis = "b", dim = "n", meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<n=1, f32>
    return
  }
}

// -----

// all_slice over an axis another dim of the operand uses.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=4, f32>
    // expected-error @+1 {{splits over mesh axis 'b', which its operand already uses}}
    %s = meshc.all_slice %x {axis = "b", dim = "k", meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<n=2, k=2, f32>
    return
  }
}

// -----

// all_to_all whose concatenated dim is not split over its axis.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=4, k=4, f32>
    // expected-error @+1 {{needs its operand's dimension 'k' split over [b], not split over []}}
    %a = meshc.all_to_all %x {axis = "b", split_dim = "n", concat_dim = "k", meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=4, k=4, f32> -> !meshc.tensor<n=2, k=8, f32>
    return
  }
}

// -----

// all_to_all onto a dim that is already split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], [b]]>]} : !meshc.tensor<n=2, k=2, f32>
    // expected-error @+1 {{needs its operand's dimension 'n' whole, not split over [m]}}
    %a = meshc.all_to_all %x {axis = "b", split_dim = "n", concat_dim = "k", meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=1, k=4, f32>
    return
  }
}

// -----

// all_to_all whose result sharding disagrees with its types.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=4, k=2, f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[[], [b]]> does not follow from the operand's: expected #meshc.sharding<[[b], []]>}}
    %a = meshc.all_to_all %x {axis = "b", split_dim = "n", concat_dim = "k", meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=4, k=2, f32> -> !meshc.tensor<n=2, k=4, f32>
    return
  }
}

// -----

// A compute op reading a partial sum.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, f32> -> !meshc.tensor<f32>
    // expected-error @+1 {{operand #0 is a partial sum over [b]; only collectives, add, sub and scale take partial sums}}
    %r = meshc.relu %s {meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    return
  }
}

// -----

// An op seeing one dim split two ways.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{sees dimension 'n' split over [b] in operand #0 but over [m] in operand #1}}
    %a = meshc.add %x, %y {meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// A result split differently from its operand.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{sees dimension 'n' split over [b] in operand #0 but over [m] in result #0}}
    %r = meshc.relu %x {meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// A partial result from an op that sums no split dim.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{result #0 is a partial sum over mesh axis 'm', but the op sums no dimension split over it}}
    %r = meshc.relu %x {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// A rename that moves a split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=4, f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[[], [b]]> differs from its operand's #meshc.sharding<[[b], []]> (a rename keeps each dim's split)}}
    %r = meshc.rename %x {meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<i=2, j=4, f32>
    return
  }
}
