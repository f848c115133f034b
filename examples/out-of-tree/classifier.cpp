// The out-of-tree example's model, written with the meshc DSL.
//
//   x[batch, features] -> layer_norm over features (gamma, beta) -> gelu(. w_in)[batch, width]
//   -> . w_out -> logits[batch, classes];  loss = mean softmax cross-entropy;  Adam
//
// The default mesh and layout split the batch over b=2; CMakeLists.txt compiles it a second
// time with the width split over m=2 instead. Sizes come from flags:
//   classifier_gen [--batch N] [--features N] [--width N] [--classes N] [--lr X] [-o FILE]
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  Dim batch{"batch", args.integer("--batch", 32)};
  Dim features{"features", args.integer("--features", 16)};
  Dim width{"width", args.integer("--width", 32)};
  Dim classes{"classes", args.integer("--classes", 4)};
  double lr = args.number("--lr", 0.01);

  Graph g("classifier");
  Tensor x = g.input("x", {batch, features}, Data::features(classes));
  Tensor y = g.input("y", {batch}, Data::labels(classes));
  Tensor gamma = g.param("gamma", {features}, Init::constant(1.0));
  Tensor beta = g.param("beta", {features}, Init::zeros());
  Tensor wIn = g.param("w_in", {features, width}, Init::glorot());
  Tensor wOut = g.param("w_out", {width, classes}, Init::normal(0.1));

  Tensor normed = layer_norm(x, features, gamma, beta);
  Tensor h = gelu(einsum({normed, wIn}, {batch, width}));
  Tensor logits = einsum({h, wOut}, {batch, classes});
  g.minimize(mean(softmax_cross_entropy(logits, y, classes)), Adam{lr});

  g.mesh("b=2").layout("batch:b");
  return g.emit(args);
}
