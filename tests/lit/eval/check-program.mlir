// RUN: meshc-opt --meshc-check-program --split-input-file --verify-diagnostics %s

// Metrics and outputs with the sample dim first and names of their own pass.
func.func @good() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
  %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<classes=4, f32>
  %w2 = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<classes=4, f32>
  %l = meshc.einsum %x, %w : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<classes=4, f32> -> !meshc.tensor<f32>
  %p = meshc.argmax %x {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
  %e = meshc.equal %p, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
  meshc.metric "accuracy", %e : !meshc.tensor<batch=8, f32>
  meshc.prediction "probs", %x : !meshc.tensor<batch=8, classes=4, f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// The metric's first dim must be the sample dim: one value per sample.
func.func @metric_not_per_sample() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
  %t = meshc.reduce_sum %x : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<classes=4, f32>
  // expected-error @+1 {{metric 'per_class' has first dimension 'classes', expected the sample dimension 'batch' (the first dimension of input 'x')}}
  meshc.metric "per_class", %t : !meshc.tensor<classes=4, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

// An output with the dims in another order is not per sample either.
func.func @output_transposed() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
  %t = meshc.broadcast %x : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<classes=4, batch=8, f32>
  // expected-error @+1 {{output 'probs' has first dimension 'classes', expected the sample dimension 'batch' (the first dimension of input 'x')}}
  meshc.prediction "probs", %t : !meshc.tensor<classes=4, batch=8, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

// Without an input there is no sample dim.
func.func @no_input() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-error @+1 {{metric 'm' needs the sample dimension first, but program 'no_input' has no input to give one}}
  meshc.metric "m", %w : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Evaluation reports the loss under "loss" (a metric "loss" is the per-sample loss); an
// output may not take the name.
func.func @output_named_loss() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
  // expected-error @+1 {{output name 'loss' is reserved for the loss}}
  meshc.prediction "loss", %x : !meshc.tensor<batch=8, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

// A metric may not take an input's name: the runtime registers both by name.
func.func @metric_named_like_input() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
  // expected-error @+1 {{metric name 'x' is already the name of an input}}
  meshc.metric "x", %x : !meshc.tensor<batch=8, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

func.func @output_named_like_metric() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
  meshc.metric "score", %x : !meshc.tensor<batch=8, f32>
  // expected-error @+1 {{output name 'score' is already the name of a metric}}
  meshc.prediction "score", %x : !meshc.tensor<batch=8, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

func.func @two_inputs_one_name() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
  // expected-error @+1 {{input name 'x' is already the name of an input}}
  %x2 = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
  %l = meshc.reduce_sum %x : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}

// -----

func.func @param_named_like_input() {
  %x = meshc.input "w" features {classes = 4} : !meshc.tensor<batch=8, f32>
  // expected-error @+1 {{parameter name 'w' is already the name of an input}}
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
