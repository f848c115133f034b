// A CosmoFlow-like 3-D CNN on volumes split in space, written with the meshc DSL.
//
// CosmoFlow (Mathuriya et al., SC'18) learns cosmological parameters from 3-D dark-matter
// density volumes of 128^3..512^3 voxels with a stack of conv3d-leaky_relu-pool blocks and a
// dense head. The real data is not available here: the volumes are the program's synthetic
// `features` input (deterministic, a function of the seed and the global voxel index) and the
// target is a class per volume, so the loss is a softmax cross-entropy.
//
//   x[batch, c0, d0, h0, w0]                       c0 = --channels, d0 = h0 = w0 = --size
//   block i = 0 .. blocks-1 (filters: --filters in block 0, twice that after):
//     conv 3x3x3 "same" (+ bias) -> leaky_relu(0.01) -> max pool 2x2x2 stride 2
//     [batch, c_i, d_i, h_i, w_i] -> [batch, c_{i+1}, d_{i+1}, h_{i+1}, w_{i+1}], sizes halved
//   hidden = leaky_relu(einsum(x_blocks, w_dense) + b_dense)     [batch, hidden]
//   logits = einsum(hidden, w_out) + b_out                        [batch, classes]
//   loss = mean softmax cross-entropy; momentum SGD; metrics loss, accuracy.
//
// The volume split in space: a layout that puts every d_i (and h_i) on a mesh axis gives each
// rank a slab (a column) of every volume; each conv exchanges a 1-voxel halo with its
// neighbours, the pools need none (their windows stay within a block), and the dense head's
// sum over the split dims is a partial sum (all_reduce). Layouts in layouts/*.layout (for the
// default 4 blocks): data parallel, depth split, depth x height split.
//
//   cosmoflow_gen [--batch 4] [--size 64] [--channels 4] [--blocks 4] [--filters 16]
//                 [--hidden 64] [--classes 4] [--lr 0.01] [--momentum 0.9]
//                 [--mesh m=4] [--layout d0:m,...,d{blocks}:m] [-o cosmoflow.mlir]
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

#include <cmath>
#include <string>

using namespace meshc::dsl;

namespace {

std::string indexed(const char *prefix, int64_t i) { return prefix + std::to_string(i); }

// Glorot (fan_in = c_in * kernel volume, fan_out = c_out * kernel volume, as Keras counts a
// conv's fans), with the filter stored [c_out, c_in, kd, kh, kw]: the runtime's own order, so
// the lowering needs no transpose of the weights.
Init convInit(int64_t cIn, int64_t cOut, int64_t kernelVolume) {
  return Init::uniform(std::sqrt(6.0 / static_cast<double>((cIn + cOut) * kernelVolume)));
}

} // namespace

int main(int argc, char **argv) {
  Args args(argc, argv);
  const int64_t size = args.integer("--size", 64);
  const int64_t blocks = args.integer("--blocks", 4);
  const int64_t filters = args.integer("--filters", 16);
  Dim batch{"batch", args.integer("--batch", 4)};
  Dim hidden{"hidden", args.integer("--hidden", 64)};
  Dim classes{"classes", args.integer("--classes", 4)};
  const double lr = args.number("--lr", 0.01);
  const double momentum = args.number("--momentum", 0.9);

  Graph g("cosmoflow");
  Dim channel{"c0", args.integer("--channels", 4)};
  Dim depth{"d0", size}, height{"h0", size}, width{"w0", size};
  Tensor x = g.input("x", {batch, channel, depth, height, width}, Data::features(classes));
  Tensor labels = g.input("y", {batch}, Data::labels(classes));

  Dim kd{"kd", 3}, kh{"kh", 3}, kw{"kw", 3};
  for (int64_t i = 0; i < blocks; ++i) {
    Dim out{indexed("c", i + 1), i == 0 ? filters : 2 * filters};
    Tensor w = g.param(indexed("conv", i + 1), {out, channel, kd, kh, kw},
                       convInit(channel.size, out.size, 27));
    Tensor b = g.param(indexed("bias", i + 1), {out}, Init::zeros());
    Tensor a = leaky_relu(conv(x, w,
                               ConvSpec{.spatial = {depth, height, width},
                                        .kernel = {kd, kh, kw},
                                        .padding = Padding::same()}) +
                          b);
    // The pooled dims get new names (their sizes halve): d{i+1}, h{i+1}, w{i+1}.
    x = max_pool(a,
                 PoolSpec{.spatial = {depth, height, width},
                          .window = {2},
                          .out = {indexed("d", i + 1), indexed("h", i + 1), indexed("w", i + 1)}});
    channel = out;
    depth = Dim{indexed("d", i + 1), depth.size / 2};
    height = Dim{indexed("h", i + 1), height.size / 2};
    width = Dim{indexed("w", i + 1), width.size / 2};
  }

  Tensor wDense = g.param("dense", {channel, depth, height, width, hidden}, Init::glorot());
  Tensor bDense = g.param("dense_bias", {hidden}, Init::zeros());
  Tensor h = leaky_relu(einsum({x, wDense}, {batch, hidden}) + bDense);
  Tensor wOut = g.param("out", {hidden, classes}, Init::glorot());
  Tensor bOut = g.param("out_bias", {classes}, Init::zeros());
  Tensor logits = einsum({h, wOut}, {batch, classes}) + bOut;
  Tensor xent = softmax_cross_entropy(logits, labels, classes);
  g.minimize(mean(xent), Momentum{lr, momentum});
  g.metric("loss", xent);
  g.metric("accuracy", equal(argmax(logits, classes), labels));

  // The default layout: every depth (d0 .. d{blocks}) over m, whatever the number of blocks.
  std::string depthSplit;
  for (int64_t i = 0; i <= blocks; ++i)
    depthSplit += (i ? ",d" : "d") + std::to_string(i) + ":m";
  g.mesh(args.string("--mesh", "m=4")).layout(args.string("--layout", depthSplit));
  return g.emit(args);
}
