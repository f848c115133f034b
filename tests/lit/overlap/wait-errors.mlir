// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The verifiers of async collectives and meshc.wait.

func.func @async_result_used_directly(%x: !meshc.tensor<k=8, f32>) -> !meshc.tensor<k=8, f32> {
  // expected-error @+1 {{'meshc.all_reduce' op is async, but its result #0 is used by 'meshc.scale' (only its meshc.wait may use it)}}
  %s = meshc.all_reduce %x {async, axes = ["b"]} : !meshc.tensor<k=8, f32>
  %y = meshc.scale %s {factor = 2.0 : f64} : !meshc.tensor<k=8, f32>
  return %y : !meshc.tensor<k=8, f32>
}

// -----

func.func @two_waits(%x: !meshc.tensor<k=8, f32>, %y: !meshc.tensor<k=8, f32>) {
  // expected-error @+1 {{'meshc.all_reduce_bucket' op is async, but its results are used by more than one meshc.wait}}
  %s:2 = meshc.all_reduce_bucket %x, %y {async, axes = ["b"]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
  %a = meshc.wait %s#0 : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
  %b = meshc.wait %s#1 : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
  return
}

// -----

func.func @wait_of_blocking(%x: !meshc.tensor<k=8, f32>) {
  %s = meshc.all_reduce %x {axes = ["b"]} : !meshc.tensor<k=8, f32>
  // expected-error @+1 {{'meshc.wait' op operand #0 is not a result of an async meshc.all_reduce or meshc.all_reduce_bucket}}
  %a = meshc.wait %s : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
  return
}

// -----

func.func @wait_of_argument(%x: !meshc.tensor<k=8, f32>) {
  // expected-error @+1 {{'meshc.wait' op operand #0 is not a result of an async meshc.all_reduce or meshc.all_reduce_bucket}}
  %a = meshc.wait %x : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
  return
}

// -----

func.func @wait_of_part(%x: !meshc.tensor<k=8, f32>, %y: !meshc.tensor<k=8, f32>) {
  %s:2 = meshc.all_reduce_bucket %x, %y {async, axes = ["b"]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
  // expected-error @+1 {{'meshc.wait' op must take all 2 results of 'meshc.all_reduce_bucket', in order}}
  %a:2 = meshc.wait %s#1, %s#0 : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
  return
}

// -----

func.func @wait_changes_type(%x: !meshc.tensor<k=8, f32>) {
  %s = meshc.all_reduce %x {async, axes = ["b"]} : !meshc.tensor<k=8, f32>
  // expected-error @+1 {{'meshc.wait' op result #0 has type '!meshc.tensor<k=4, f32>', not its operand's '!meshc.tensor<k=8, f32>'}}
  %a = meshc.wait %s : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=4, f32>
  return
}

