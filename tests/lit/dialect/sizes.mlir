// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// Hostile sizes: every size, offset and count the IR carries is used in int64 arithmetic (and
// some as i32) by the partitioner, the lowering and the runtime. Types, meshes and ops whose
// counts would overflow there are refused where they are written, each with one located error.

// An element count that overflows int64 (2^32 x 2^32).
func.func @elements() {
  // expected-error @+1 {{tensor of a=4294967296 x b=4294967296 has more than 9223372036854775807 elements (its element count overflows int64)}}
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<a=4294967296, b=4294967296, f32>
  return
}

// -----

// The element count fits (2^62) but 4 bytes each do not.
func.func @bytes() {
  // expected-error @+1 {{tensor of a=4611686018427387904 (4611686018427387904 elements of 4 bytes) has more than 9223372036854775807 bytes (its byte count overflows int64)}}
  %x = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<a=4611686018427387904, f32>
  return
}

// -----

// The largest f32 tensor: 2^61 - 1 elements, 2^63 - 4 bytes.
func.func @largest() {
  %x = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<a=2305843009213693951, f32>
  return
}

// -----

// A reshape whose element count would wrap to the operand's: 17 x 1085102592571150096 is
// 16 modulo 2^64.
func.func @reshape_wraps() {
  %x = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<x=16, f32>
  // expected-error @+1 {{tensor of a=17 x b=1085102592571150096 has more than 9223372036854775807 elements}}
  %r = meshc.reshape %x : !meshc.tensor<x=16, f32> -> !meshc.tensor<a=17, b=1085102592571150096, f32>
  return
}

// -----

// More dimensions than the runtime's kernels index.
func.func @rank() {
  // expected-error @+1 {{tensor has 17 dimensions, more than the 16 the runtime supports}}
  %x = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<a=1, b=1, c=1, d=1, e=1, f=1, g=1, h=1, i=1, j=1, k=1, l=1, m=1, n=1, o=1, p=1, q=1, f32>
  return
}

// -----

// A mesh of 2^32 x 2^32 (--explain printed "(0 ranks)" for it): its axes are too long.
// expected-error @+1 {{mesh axis 'a' has size 4294967296, more than the 16777216 the runtime supports}}
module attributes {meshc.mesh = #meshc.mesh<"a=4294967296,b=4294967296">} {
}

// -----

// Axes the runtime accepts, but more ranks than it does (2^16 x 2^16 = 2^32).
// expected-error @+1 {{mesh 'a=65536,b=65536' has more than 1073741824 ranks (the most the runtime supports)}}
module attributes {meshc.mesh = #meshc.mesh<"a=65536,b=65536">} {
}

// -----

// Ten axes: the runtime takes eight.
// expected-error @+1 {{mesh 'a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1' has 10 axes, more than the 8 the runtime supports}}
module attributes {meshc.mesh = #meshc.mesh<"a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1">} {
}

// -----

// The largest mesh: eight axes, 2^30 ranks.
module attributes {meshc.mesh = #meshc.mesh<"a=16777216,b=64,c=1,d=1,e=1,f=1,g=1,h=1">} {
}

// -----

// The class count of the synthetic data is an i32 in the runtime, as labels are
// (4294967304 ran as 8 classes).
func.func @input_classes() {
  // expected-error @+1 {{'meshc.input' op classes must be at most 2147483647 (labels are i32), not 4294967304}}
  %y = meshc.input "y" labels {classes = 4294967304} : !meshc.tensor<batch=8, i32>
  return
}

// -----

// A class dimension longer than i32 labels can index.
func.func @xent_classes(%logits: !meshc.tensor<batch=2, classes=4294967304, f32>, %labels: !meshc.tensor<batch=2, i32>) {
  // expected-error @+1 {{'meshc.softmax_xent' op class dimension 'classes' has size 4294967304, more than i32 labels can index (2147483647)}}
  %l = meshc.softmax_xent %logits, %labels {class_dim = "classes"} : !meshc.tensor<batch=2, classes=4294967304, f32>, !meshc.tensor<batch=2, i32> -> !meshc.tensor<batch=2, f32>
  return
}

// -----

func.func @xent_grad_classes(%logits: !meshc.tensor<batch=2, classes=4294967304, f32>, %labels: !meshc.tensor<batch=2, i32>, %d: !meshc.tensor<batch=2, f32>) {
  // expected-error @+1 {{'meshc.softmax_xent_grad' op class dimension 'classes' has size 4294967304, more than i32 labels can index (2147483647)}}
  %g = meshc.softmax_xent_grad %logits, %labels, %d {class_dim = "classes"} : !meshc.tensor<batch=2, classes=4294967304, f32>, !meshc.tensor<batch=2, i32>, !meshc.tensor<batch=2, f32> -> !meshc.tensor<batch=2, classes=4294967304, f32>
  return
}

// -----

func.func @one_hot_i32(%idx: !meshc.tensor<t=4, i32>) {
  // expected-error @+1 {{'meshc.one_hot' op class dimension 'c' has size 2147483648, more than i32 indices can index exactly (2147483647)}}
  %o = meshc.one_hot %idx : !meshc.tensor<t=4, i32> -> !meshc.tensor<t=4, c=2147483648, f32>
  return
}

// -----

// f32 indices hold integers exactly up to 2^24 only.
func.func @one_hot_f32(%idx: !meshc.tensor<t=4, f32>) {
  // expected-error @+1 {{'meshc.one_hot' op class dimension 'c' has size 16777217, more than f32 indices can index exactly (16777216)}}
  %o = meshc.one_hot %idx : !meshc.tensor<t=4, f32> -> !meshc.tensor<t=4, c=16777217, f32>
  return
}

// -----

func.func @argmax(%x: !meshc.tensor<t=2, c=2147483648, f32>) {
  // expected-error @+1 {{'meshc.argmax' op dimension 'c' has size 2147483648, more than an i32 result can index (2147483647)}}
  %a = meshc.argmax %x {dim = "c"} : !meshc.tensor<t=2, c=2147483648, f32> -> !meshc.tensor<t=2, i32>
  return
}

// -----

func.func @embedding_vocab(%table: !meshc.tensor<vocab=2147483648, d=2, f32>, %ids: !meshc.tensor<t=4, i32>) {
  // expected-error @+1 {{'meshc.embedding' op vocabulary dimension 'vocab' has size 2147483648, more than i32 ids can index (2147483647)}}
  %e = meshc.embedding %table, %ids {vocab_dim = "vocab"} : !meshc.tensor<vocab=2147483648, d=2, f32>, !meshc.tensor<t=4, i32> -> !meshc.tensor<t=4, d=2, f32>
  return
}

// -----

func.func @embedding_grad_vocab(%ids: !meshc.tensor<t=4, i32>, %g: !meshc.tensor<t=4, d=2, f32>) {
  // expected-error @+1 {{'meshc.embedding_grad' op vocabulary dimension 'vocab' has size 2147483648, more than i32 ids can index (2147483647)}}
  %e = meshc.embedding_grad %ids, %g {vocab_dim = "vocab"} : !meshc.tensor<t=4, i32>, !meshc.tensor<t=4, d=2, f32> -> !meshc.tensor<vocab=2147483648, d=2, f32>
  return
}

// -----

// start + n wraps to a negative end, which "fit" before.
func.func @slice_wraps(%x: !meshc.tensor<s=8, f32>) {
  // expected-error @+1 {{'meshc.slice' op window [9223372036854775807, start + 2) does not fit in dimension 's' of size 8}}
  %s = meshc.slice %x {dim = "s", start = 9223372036854775807} : !meshc.tensor<s=8, f32> -> !meshc.tensor<w=2, f32>
  return
}

// -----

func.func @pad_wraps(%x: !meshc.tensor<w=2, f32>) {
  // expected-error @+1 {{'meshc.pad' op window [9223372036854775807, start + 2) does not fit in dimension 's' of size 8}}
  %p = meshc.pad %x {dim = "s", start = 9223372036854775807} : !meshc.tensor<w=2, f32> -> !meshc.tensor<s=8, f32>
  return
}

// -----

// !meshc.tensor<p=2305843009213693951, f32>iece sizes whose sum wraps to the result's size: 8 x (2^61 - 1) + 10 = 2 (mod 2^64).
func.func @concat_wraps(%a: !meshc.tensor<p=2305843009213693951, f32>, %b: !meshc.tensor<r=10, f32>) {
  // expected-error @+1 {{'meshc.concat' op operand sizes along 's' add up to more than 9223372036854775807, not 2}}
  %r = meshc.concat %a, %a, %a, %a, %a, %a, %a, %a, %b {dim = "s"} : !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<p=2305843009213693951, f32>, !meshc.tensor<r=10, f32> -> !meshc.tensor<s=2, f32>
  return
}

// -----

func.func @param_scale() {
  // expected-error @+1 {{'meshc.param' op scale must be finite, not inf}}
  %w = meshc.param "w" uniform {scale = 0x7FF0000000000000 : f64} : !meshc.tensor<d=2, f32>
  return
}

// -----

func.func @learning_rate_inf(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op learning rate must be finite, not inf}}
  meshc.minimize sgd %l {learning_rate = 0x7FF0000000000000 : f64} : !meshc.tensor<f32>
  return
}

// -----

func.func @momentum_learning_rate_inf(%g: !meshc.tensor<d=2, f32>) {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=2, f32>
  // expected-error @+1 {{'meshc.momentum_update' op learning rate must be finite, not inf}}
  meshc.momentum_update %w, %g {learning_rate = 0x7FF0000000000000 : f64, momentum = 0.9} : !meshc.tensor<d=2, f32>, !meshc.tensor<d=2, f32>
  return
}

// -----

func.func @epsilon_inf(%x: !meshc.tensor<d=2, f32>) {
  // expected-error @+1 {{'meshc.layer_norm' op epsilon must be finite, not inf}}
  %y = meshc.layer_norm %x {dim = "d", epsilon = 0x7FF0000000000000 : f64} : !meshc.tensor<d=2, f32>
  return
}
