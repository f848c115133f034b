// RUN: meshc-opt --meshc-share-updates='min-bytes=-1' %s --verify-diagnostics
// RUN: not meshc %s --share-update-min-bytes=-1 2>&1 | FileCheck %s --check-prefix=FLAG

// meshc-share-updates' option: a negative minimum size is an error at the module; meshc's flag
// says so before any pass runs.

// FLAG: meshc: error: --share-update-min-bytes must be 0 or positive, not -1

// expected-error @+1 {{min-bytes must be 0 or positive, not -1}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
}
