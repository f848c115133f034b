// A convolutional classifier for Fashion-MNIST, in the meshc DSL.
//
//   x[batch, rows, cols] (u8 pixels, read as f32) / 255 -> [batch, ch=1, rows, cols]
//     -> zero-padded to 32x32 [h, w] (so that two 2x2 poolings give 16 and 8 rows, which split
//        over 2 and 4 ranks; 28 would give 7)
//     -> conv 3x3 same, f1 channels, + bias, relu -> max_pool 2x2 -> [batch, f1, ph=16, pw=16]
//     -> conv 3x3 same, f2 channels, + bias, relu -> max_pool 2x2 -> [batch, f2, qh=8, qw=8]
//     -> relu(dense to hidden) -> dense to classes = logits[batch, classes]
//   loss = mean over batch of softmax cross-entropy against labels y[batch]; Adam
//   metrics (per sample, averaged over the evaluation set): loss, accuracy
//   output (for --predict): probs[batch, classes]
//
// Trained on the real dataset (Debian's dataset-fashion-mnist, converted with meshc-data); see
// README.md ("CNN example"). Flags size it:
//   cnn_gen [--batch N] [--f1 N] [--f2 N] [--hidden N] [--lr X]
//           [--mesh b=2] [--layout batch:b] [-o cnn.mlir]
// Layouts (layouts/*.layout): data parallel batch:b; spatial h:m,ph:m,qh:m (each rank holds a
// block of rows of every image, halo exchanges before the convolutions); spatial 2-D on m x n;
// hybrid batch x rows; channel parallel f1:m. A window op's output dims (ph, qh) must be named
// with its input's axis, else they are gathered after it.
//
//===----------------------------------------------------------------------------------------===//
#include "meshc/dsl.h"

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  Dim batch{"batch", args.integer("--batch", 64)};
  Dim rows{"rows", 28}, cols{"cols", 28}, ch{"ch", 1}, h{"h", 32}, w{"w", 32};
  Dim kh{"kh", 3}, kw{"kw", 3};
  Dim f1{"f1", args.integer("--f1", 32)}, f2{"f2", args.integer("--f2", 64)};
  Dim hidden{"hidden", args.integer("--hidden", 128)};
  Dim cls{"classes", 10};
  double lr = args.number("--lr", 1e-3);

  Graph g("cnn");
  Tensor image = g.input("x", {batch, rows, cols}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  Tensor x = reshape(image * (1.0 / 255.0), {batch, ch, rows, cols});
  x = pad(pad(x, rows, 2, h), cols, 2, w);

  Tensor k1 = g.param("k1", {f1, ch, kh, kw}, Init::glorot());
  Tensor c1 = g.param("c1", {f1}, Init::zeros());
  Tensor k2 = g.param("k2", {f2, f1, kh, kw}, Init::glorot());
  Tensor c2 = g.param("c2", {f2}, Init::zeros());

  Tensor a1 =
      relu(conv(x, k1, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::same()}) + c1);
  Tensor p1 = max_pool(a1, {.spatial = {h, w}, .window = {2}, .out = {"ph", "pw"}});
  Dim ph = p1.dims()[2], pw = p1.dims()[3];
  Tensor a2 = relu(
      conv(p1, k2, {.spatial = {ph, pw}, .kernel = {kh, kw}, .padding = Padding::same()}) + c2);
  Tensor p2 = max_pool(a2, {.spatial = {ph, pw}, .window = {2}, .out = {"qh", "qw"}});
  Dim qh = p2.dims()[2], qw = p2.dims()[3];

  Tensor w3 = g.param("w3", {f2, qh, qw, hidden}, Init::glorot());
  Tensor b3 = g.param("b3", {hidden}, Init::zeros());
  Tensor w4 = g.param("w4", {hidden, cls}, Init::glorot());
  Tensor b4 = g.param("b4", {cls}, Init::zeros());
  Tensor h3 = relu(einsum({p2, w3}, {batch, hidden}) + b3);
  Tensor logits = einsum({h3, w4}, {batch, cls}) + b4;
  Tensor xent = softmax_cross_entropy(logits, y, cls);
  g.minimize(mean(xent), Adam{.learningRate = lr});
  g.metric("loss", xent);
  g.metric("accuracy", equal(argmax(logits, cls), y));
  g.output("probs", softmax(logits, cls));

  g.mesh(args.string("--mesh", "b=2")).layout(args.string("--layout", "batch:b"));
  return g.emit(args);
}
