// RUN: meshc-opt --meshc-check-program --split-input-file --verify-diagnostics %s

// A program as a model generator prints it passes.
func.func @good() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// A program autodiff already ran on (meshc --emit=global) has its loss output: it passes.
func.func @differentiated() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

// A program without a loss would update nothing and report a loss of 0 every step.
// expected-error @+1 {{program 'no_loss' minimizes no loss, so it would train nothing: add g.minimize(loss, optimizer) to the model (meshc.minimize in the IR); forward-only programs are not supported yet}}
func.func @no_loss() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  return
}

// -----

// expected-error @+1 {{module holds no program (the func.func a model generator prints)}}
module {
}

// -----

module {
  func.func @first() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<f32>
    meshc.minimize sgd %w {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
  // expected-error @+1 {{module holds a second program 'second' after 'first'; meshc compiles one program per module}}
  func.func @second() {
    return
  }
}

// -----

// The data of a program comes from meshc.input: an argument would be read from nowhere (the
// executable compiled and ran such a program).
// expected-error @+1 {{program 'args' has 1 arguments and 0 results; a meshc program has none (its data comes from meshc.input, its parameters from meshc.param)}}
func.func @args(%x: !meshc.tensor<i=2, f32>) {
  %l = meshc.reduce_sum %x : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// expected-error @+1 {{program 'results' has 0 arguments and 1 results}}
func.func @results() -> !meshc.tensor<f32> {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<f32>
  meshc.minimize sgd %w {learning_rate = 0.1} : !meshc.tensor<f32>
  return %w : !meshc.tensor<f32>
}

// -----

func.func @other_dialect() {
  // expected-error @+1 {{op 'func.call' is not a meshc op; program 'other_dialect' may hold meshc ops only}}
  func.call @other_dialect() : () -> ()
  return
}
