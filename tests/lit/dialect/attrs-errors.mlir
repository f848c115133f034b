// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// A malformed mesh or layout string is an error at the attribute (MeshcAttrs.cpp); the limits
// on meshes are in sizes.mlir.

// expected-error @+1 {{invalid mesh axis 'b=two' in mesh 'b=two' (expected name=size, like b=2,m=4)}}
module attributes {meshc.mesh = #meshc.mesh<"b=two">} {
}

// -----

// expected-error @+1 {{invalid layout rule 'batch=b' in layout 'batch=b' (expected dim:axis, like batch:b,hidden:m)}}
module attributes {meshc.layout = #meshc.layout<"batch=b">} {
}
