// A small CNN written with the DSL's Conv family, for tests: its IR must parse, verify and
// differentiate (frontend.cnn_gen.verifies). Every op of the family appears: conv with same and
// explicit padding, strides and dilation, batch norm, max and average pooling, and a transposed
// convolution (a generator-style upsampling), over 2-D images and a 1-D and a 3-D branch.
#include "meshc/dsl.h"

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  Dim batch{"batch", args.integer("--batch", 4)}, ch{"ch", 1}, h{"h", 9}, w{"w", 8};
  Dim f1{"f1", 4}, f2{"f2", 6}, kh{"kh", 3}, kw{"kw", 3}, cls{"classes", 3};
  Graph g("cnn");
  Tensor x = g.input("x", {batch, ch, h, w}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));

  Tensor k1 = g.param("k1", {f1, ch, kh, kw}, Init::glorot());
  Tensor a1 = conv(x, k1, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::same()});
  Tensor s1 = g.param("s1", {f1}, Init::constant(1.0));
  Tensor b1 = g.param("b1", {f1}, Init::zeros());
  Tensor p1 = max_pool(relu(batch_norm(a1, s1, b1, f1)),
                       {.spatial = {h, w}, .window = {2}, .out = {"ph", "pw"}});
  Dim ph = p1.dims()[2], pw = p1.dims()[3];

  Tensor k2 = g.param("k2", {kh, kw, f1, f2}, Init::glorot());
  Tensor a2 = conv(p1, k2,
                   {.spatial = {ph, pw},
                    .kernel = {kh, kw},
                    .strides = {2},
                    .dilations = {1},
                    .padding = Padding::pads({1, 1}, {1, 0}),
                    .out = {"qh", "qw"}});
  Dim qh = a2.dims()[2], qw = a2.dims()[3];
  // Upsample back (a generator's step), then pool everything to one value per channel.
  Tensor k3 = g.param("k3", {f2, f1, kh, kw}, Init::glorot());
  Tensor up = conv_transpose(relu(a2), k3,
                             {.spatial = {qh, qw},
                              .kernel = {kh, kw},
                              .strides = {2},
                              .padding = Padding::same(),
                              .out = {"uh", "uw"}});
  Dim uh = up.dims()[2], uw = up.dims()[3];
  Tensor pooled =
      avg_pool(up, {.spatial = {uh, uw}, .window = {uh.size, uw.size}, .out = {"one_h", "one_w"}});
  // A 1-D and a 3-D convolution on reshaped views of the input.
  Dim hw{"hw", h.size * w.size}, k5{"k5", 5}, d3{"d3", 3}, h3{"h3", 3}, w3{"w3", 8};
  Tensor line = reshape(x, {batch, ch, hw});
  Tensor k4 = g.param("k4", {ch, f1, k5}, Init::glorot());
  Tensor a4 =
      conv(line, k4,
           {.spatial = {hw}, .kernel = {k5}, .strides = {4}, .dilations = {2}, .out = {"ohw"}});
  Tensor vol = reshape(x, {batch, ch, d3, h3, w3});
  Tensor k6 = g.param("k6", {f1, ch, Dim{"kd", 2}, Dim{"kh3", 2}, Dim{"kw3", 3}}, Init::glorot());
  Tensor a6 = conv(vol, k6,
                   {.spatial = {d3, h3, w3},
                    .kernel = {Dim{"kd", 2}, Dim{"kh3", 2}, Dim{"kw3", 3}},
                    .padding = Padding::same()});

  Tensor v = g.param("v", {f1, cls}, Init::glorot());
  Tensor logits = einsum({pooled, v}, {batch, cls}) + einsum({a4, v}, {batch, cls}) +
                  einsum({a6, v}, {batch, cls});
  g.minimize(mean(softmax_cross_entropy(logits, y, cls)), SGD{0.1});
  return g.emit(args);
}
