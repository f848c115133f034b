// A mixture-of-experts feed-forward layer, written with the meshc DSL.
//
// Mesh-TensorFlow's MoE layer (Shazeer et al. 2017/2018), top-1 gating with expert capacity:
//
//   x[groups, group_size, d_model]                     tokens, in groups (split over mesh axis e)
//   gates = softmax_experts(x . w_gate)                 [groups, group_size, experts_unsplit]
//   mask  = one_hot(argmax_experts(gates))              the expert each token goes to (top-1)
//   position = exclusive cumsum_group_size(mask)         its place in that expert's queue
//   dispatch = one_hot(position, capacity) * mask       overflow (position >= capacity): dropped
//   combine  = dispatch * gates
//   expert_in = einsum(dispatch, x) -> [experts_unsplit, groups, capacity, d_model]
//     rename experts_unsplit -> experts, groups -> groups_unsplit        (all_to_all over e)
//   expert_out = w2_e gelu(w1_e expert_in + b1_e) + b2_e   per expert: [experts, d_model, d_ff]
//     rename back                                                        (all_to_all over e)
//   y = x + einsum(combine, expert_out) -> [groups, group_size, d_model]
//   loss = mean softmax cross-entropy of a classifier head y . w_out against labels; momentum.
//
// The layout `groups:e,experts:e` puts the token groups on mesh axis e before the dispatch and
// the experts on the same axis after it. A rename keeps the operand's split on the renamed
// dim, so `experts` arrives whole and `groups_unsplit` split over e; resharding that to the
// layout (experts over e, groups_unsplit whole) is one all_to_all, and the same on the way back.
// Each rank holds only its experts' weights; the gate and the head are data parallel.
//
// The routing (argmax, one_hot, cumsum) is not differentiated: gradients reach the gate through
// `combine` (the selected gate probability), as in Mesh-TensorFlow.
//
//   moe_gen [--groups 8] [--group-size 256] [--d-model 512] [--d-ff 2048] [--experts 8]
//           [--capacity 0 = ceil(capacity_factor * group_size / experts)] [--capacity-factor 1.25]
//           [--classes 16] [--lr 0.05] [--momentum 0.9] [--mesh e=2]
//           [--layout groups:e,experts:e] [-o moe.mlir]
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

#include <cmath>

using namespace meshc::dsl;

int main(int argc, char **argv) {
  Args args(argc, argv);
  const int64_t numGroups = args.integer("--groups", 8);
  const int64_t numExperts = args.integer("--experts", 8);
  const int64_t groupSize = args.integer("--group-size", 256);
  const double capacityFactor = args.number("--capacity-factor", 1.25);
  int64_t capacitySize = args.integer("--capacity", 0);
  if (capacitySize == 0 && numExperts > 0)
    capacitySize = static_cast<int64_t>(std::ceil(capacityFactor * static_cast<double>(groupSize) /
                                                  static_cast<double>(numExperts)));

  Dim groups{"groups", numGroups}, groupsUnsplit{"groups_unsplit", numGroups};
  Dim experts{"experts", numExperts}, expertsUnsplit{"experts_unsplit", numExperts};
  Dim tokens{"group_size", groupSize}, capacity{"capacity", capacitySize};
  Dim dModel{"d_model", args.integer("--d-model", 512)};
  Dim dFF{"d_ff", args.integer("--d-ff", 2048)};
  Dim classes{"classes", args.integer("--classes", 16)};
  const double lr = args.number("--lr", 0.05);
  const double momentum = args.number("--momentum", 0.9);

  Graph g("moe");
  Tensor x = g.input("x", {groups, tokens, dModel}, Data::features(classes));
  Tensor labels = g.input("y", {groups, tokens}, Data::labels(classes));

  // Gating: top-1 expert per token, its place in the expert's queue, capacity.
  Tensor wGate = g.param("w_gate", {dModel, expertsUnsplit}, Init::glorot());
  Tensor gates = softmax(einsum({x, wGate}, {groups, tokens, expertsUnsplit}), expertsUnsplit);
  Tensor mask = one_hot(argmax(stop_gradient(gates), expertsUnsplit), expertsUnsplit);
  Tensor position = cumsum(mask, tokens, /*exclusive=*/true);
  Tensor dispatch = one_hot(position, capacity) * mask; // [groups, group_size, experts_u, cap]
  Tensor combine = dispatch * gates;

  // Dispatch: the all_to_all that moves tokens to the ranks of their experts.
  Tensor expertIn = rename(einsum({dispatch, x}, {expertsUnsplit, groups, capacity, dModel}),
                           {{expertsUnsplit, experts}, {groups, groupsUnsplit}});

  // The experts: one FFN each, weights split with the experts.
  Tensor w1 = g.param("w1", {experts, dModel, dFF},
                      Init::uniform(std::sqrt(6.0 / double(dModel.size + dFF.size))));
  Tensor b1 = g.param("b1", {experts, dFF}, Init::zeros());
  Tensor w2 = g.param("w2", {experts, dFF, dModel},
                      Init::uniform(std::sqrt(6.0 / double(dModel.size + dFF.size))));
  Tensor b2 = g.param("b2", {experts, dModel}, Init::zeros());
  Tensor hidden = gelu(einsum({expertIn, w1}, {experts, groupsUnsplit, capacity, dFF}) + b1);
  Tensor expertOut = einsum({hidden, w2}, {experts, groupsUnsplit, capacity, dModel}) + b2;

  // Combine: back to the tokens' ranks (all_to_all), weighted by the gates.
  Tensor back = rename(expertOut, {{experts, expertsUnsplit}, {groupsUnsplit, groups}});
  Tensor y = x + einsum({combine, back}, {groups, tokens, dModel});

  Tensor wOut = g.param("w_out", {dModel, classes}, Init::glorot());
  Tensor logits = einsum({y, wOut}, {groups, tokens, classes});
  g.minimize(mean(softmax_cross_entropy(logits, labels, classes)), Momentum{lr, momentum});

  g.mesh(args.string("--mesh", "e=2")).layout(args.string("--layout", "groups:e,experts:e"));
  return g.emit(args);
}
