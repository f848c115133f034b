// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifier of !meshc.tensor (MeshcTypes.cpp); its size limits are in sizes.mlir. (Its
// "names but sizes" check guards the C++ builders only: the syntax pairs every name with a
// size; tests/dialect/LimitsTest.cpp covers it.)

// expected-error @+1 {{tensor element type must be f32 or i32, not 'f64'}}
func.func private @element_type(!meshc.tensor<i=2, f64>)

// -----

// expected-error @+1 {{invalid dimension name '2d'}}
func.func private @bad_name(!meshc.tensor<"2d"=2, f32>)

// -----

// expected-error @+1 {{dimension 'b' appears twice in one tensor}}
func.func private @twice(!meshc.tensor<b=2, b=2, f32>)

// -----

// expected-error @+1 {{dimension 'b' has size 0 (sizes must be at least 1)}}
func.func private @empty(!meshc.tensor<b=0, f32>)
