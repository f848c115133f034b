// A three-layer MLP classifier, written with the meshc DSL.
//
//   x[batch, d_in] -> relu(x w1 + b1) -> relu(. w2 + b2) -> . w3 + b3 -> logits[batch, classes]
//   loss = mean over batch of softmax cross-entropy against labels y[batch]
//   metric "accuracy" (evaluation): 1 where argmax(logits) == y, per sample
//   output "probs" (prediction): softmax(logits) over the classes, per sample
//
// Sizes come from flags so that one source is both the example and a benchmark:
//   mlp_gen [--batch N] [--d-in N] [--hidden N] [--hidden2 N] [--classes N] [--lr X]
//           [--mesh b=2,m=2] [--layout batch:b,hidden:m] [-o mlp.mlir]
// The default layout is hybrid: the batch is split over mesh axis b (data parallel),
// the first hidden layer over m (model parallel).
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  Dim batch{"batch", args.integer("--batch", 64)};
  Dim in{"d_in", args.integer("--d-in", 64)};
  Dim hidden{"hidden", args.integer("--hidden", 128)};
  Dim hidden2{"hidden2", args.integer("--hidden2", 128)};
  Dim cls{"classes", args.integer("--classes", 8)};
  double lr = args.number("--lr", 0.1);

  Graph g("mlp");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));

  Tensor w1 = g.param("w1", {in, hidden}, Init::glorot());
  Tensor b1 = g.param("b1", {hidden}, Init::zeros());
  Tensor w2 = g.param("w2", {hidden, hidden2}, Init::glorot());
  Tensor b2 = g.param("b2", {hidden2}, Init::zeros());
  Tensor w3 = g.param("w3", {hidden2, cls}, Init::glorot());
  Tensor b3 = g.param("b3", {cls}, Init::zeros());

  Tensor h1 = relu(einsum({x, w1}, {batch, hidden}) + b1);
  Tensor h2 = relu(einsum({h1, w2}, {batch, hidden2}) + b2);
  Tensor logits = einsum({h2, w3}, {batch, cls}) + b3;
  Tensor loss = mean(softmax_cross_entropy(logits, y, cls));
  g.minimize(loss, SGD{lr});
  g.metric("accuracy", equal(argmax(logits, cls), y));
  g.output("probs", softmax(logits, cls));

  g.mesh(args.string("--mesh", "b=2,m=2")).layout(args.string("--layout", "batch:b,hidden:m"));
  return g.emit(args);
}
