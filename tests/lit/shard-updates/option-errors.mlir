// RUN: meshc-opt --meshc-shard-updates='min-bytes=-1' %s --verify-diagnostics

// meshc-shard-updates' option: a negative minimum size is an error at the module.

// expected-error @+1 {{min-bytes must be 0 or positive, not -1}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
}
