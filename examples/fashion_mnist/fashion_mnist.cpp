// An MLP classifier for Fashion-MNIST, in the meshc DSL.
//
//   x[batch, rows, cols] (u8 pixels, read as f32) -> flatten, / 255
//     -> relu(. w1 + b1) -> relu(. w2 + b2) -> . w3 + b3 = logits[batch, classes]
//   loss = mean over batch of softmax cross-entropy against labels y[batch]; Adam
//   metrics (per sample, averaged over the evaluation set): loss, accuracy
//   output (for --predict): probs[batch, classes], the softmax of the logits
//
// Trained on the real dataset (Debian's dataset-fashion-mnist, converted with meshc-data);
// see README.md beside this file. Flags size it:
//   fashion_mnist_gen [--batch N] [--hidden N] [--hidden2 N] [--lr X] [--weight-decay X]
//                     [--clip-norm X]
//                     [--mesh b=2,m=2] [--layout batch:b,hidden:m] [-o fashion_mnist.mlir]
// Layouts: data parallel batch:b, model parallel hidden:m (and hidden2:m), hybrid (default)
// batch:b,hidden:m.
//
//===----------------------------------------------------------------------------------------===//
#include "meshc/dsl.h"

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  Dim batch{"batch", args.integer("--batch", 128)};
  Dim rows{"rows", 28}, cols{"cols", 28}, pixels{"pixels", 28 * 28};
  Dim hidden{"hidden", args.integer("--hidden", 256)};
  Dim hidden2{"hidden2", args.integer("--hidden2", 128)};
  Dim cls{"classes", 10};
  double lr = args.number("--lr", 1e-3);
  double weightDecay = args.number("--weight-decay", 0.0); // > 0: AdamW
  double clipNorm = args.number("--clip-norm", 0.0);       // > 0: clip the global gradient norm

  Graph g("fashion_mnist");
  Tensor image = g.input("x", {batch, rows, cols}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  Tensor x = reshape(image, {batch, pixels}) * (1.0 / 255.0);

  Tensor w1 = g.param("w1", {pixels, hidden}, Init::glorot());
  Tensor b1 = g.param("b1", {hidden}, Init::zeros());
  Tensor w2 = g.param("w2", {hidden, hidden2}, Init::glorot());
  Tensor b2 = g.param("b2", {hidden2}, Init::zeros());
  Tensor w3 = g.param("w3", {hidden2, cls}, Init::glorot());
  Tensor b3 = g.param("b3", {cls}, Init::zeros());

  Tensor h1 = relu(einsum({x, w1}, {batch, hidden}) + b1);
  Tensor h2 = relu(einsum({h1, w2}, {batch, hidden2}) + b2);
  Tensor logits = einsum({h2, w3}, {batch, cls}) + b3;
  Tensor xent = softmax_cross_entropy(logits, y, cls);
  g.minimize(mean(xent),
             Adam{.learningRate = lr, .weightDecay = weightDecay, .clipNorm = clipNorm});
  g.metric("loss", xent);
  g.metric("accuracy", equal(argmax(logits, cls), y));
  g.output("probs", softmax(logits, cls));

  g.mesh(args.string("--mesh", "b=2,m=2")).layout(args.string("--layout", "batch:b,hidden:m"));
  return g.emit(args);
}
