// The layout algebra (see Sharding.h).
#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/Limits.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

using namespace mlir;
using namespace meshc;

ShardingAttr meshc::toShardingAttr(const Sharding &sharding, MeshAttr mesh) {
  llvm::SmallVector<llvm::SmallVector<StringAttr>> dims;
  for (int axis : sharding.dimAxes) {
    dims.emplace_back();
    if (axis != kReplicated)
      dims.back().push_back(mesh.getAxisNames()[axis]);
  }
  llvm::SmallVector<StringAttr> partial;
  for (unsigned axis : sharding.partialAxes)
    partial.push_back(mesh.getAxisNames()[axis]);
  return ShardingAttr::get(mesh.getContext(), dims, partial);
}

Sharding meshc::fromShardingAttr(ShardingAttr attr, MeshAttr mesh) {
  Sharding sharding;
  for (unsigned dim = 0; dim < attr.getRank(); ++dim) {
    llvm::SmallVector<StringAttr> axes = attr.getDimAxes(dim);
    assert(axes.size() <= 1 && "one mesh axis per dim at most");
    sharding.dimAxes.push_back(axes.empty() ? kReplicated
                                            : static_cast<int>(*mesh.findAxis(axes.front())));
  }
  for (StringAttr axis : attr.getPartialAxes())
    sharding.partialAxes.push_back(*mesh.findAxis(axis));
  llvm::sort(sharding.partialAxes);
  return sharding;
}

MeshLayout::MeshLayout(MeshAttr mesh, LayoutAttr layout) : mesh(mesh), layout(layout) {}

std::optional<MeshLayout> MeshLayout::fromModule(ModuleOp module) {
  MeshAttr mesh = meshc::getMesh(module);
  if (!mesh)
    return std::nullopt;
  return MeshLayout(mesh, meshc::getLayout(module));
}

int MeshLayout::axisOf(StringAttr dim) const {
  if (!layout)
    return kReplicated;
  StringAttr axis = layout.lookup(dim.getValue());
  if (!axis)
    return kReplicated;
  std::optional<unsigned> index = mesh.findAxis(axis.getValue());
  return index ? static_cast<int>(*index) : kReplicated;
}

Sharding MeshLayout::target(NamedTensorType global) const {
  Sharding sharding;
  for (StringAttr dim : global.getDimNames())
    sharding.dimAxes.push_back(axisOf(dim));
  return sharding;
}

NamedTensorType MeshLayout::localType(NamedTensorType global, const Sharding &sharding) const {
  llvm::SmallVector<int64_t> sizes(global.getDimSizes());
  for (auto [size, axis] : llvm::zip(sizes, sharding.dimAxes))
    if (axis != kReplicated)
      size /= getAxisSize(axis);
  return global.withSizes(sizes);
}

int64_t MeshLayout::localBytes(NamedTensorType global, const Sharding &sharding) const {
  unsigned width = global.getElementType().getIntOrFloatBitWidth();
  // Bytes per element first: the element count times the bit width could overflow.
  return localType(global, sharding).getNumElements() * (width / 8);
}

Sharding MeshLayout::shardingOf(NamedTensorType global, LayoutAttr override) const {
  Sharding sharding;
  for (StringAttr dim : global.getDimNames()) {
    int axis = kReplicated;
    if (StringAttr name = override ? override.lookup(dim.getValue()) : StringAttr())
      if (std::optional<unsigned> index = mesh.findAxis(name.getValue()))
        if (getAxisSize(*index) > 1)
          axis = static_cast<int>(*index);
    sharding.dimAxes.push_back(axis);
  }
  return sharding;
}

namespace {

// Dijkstra over the shardings of `global`: a state is (axis per dim, partial axes), an edge
// one collective. Costs are bytes received per rank times the product of the axis sizes (so
// that the fractions of the ring costs are integers), then the number of steps; ties go to
// the first path found, which keeps plans deterministic (so the edges of a state are always
// tried in the same order: slices, gathers and all_to_alls dim by dim, then reduce_scatters,
// then all_reduces). Tensors have few dims and meshes few axes, so the states are few.
class ReshardSearch {
public:
  ReshardSearch(const MeshLayout &layout, NamedTensorType global, const Sharding &to)
      : layout(layout), global(global), to(to), rank(global.getRank()),
        numAxes(layout.getNumAxes()) {
    for (unsigned axis = 0; axis < numAxes; ++axis)
      scale *= layout.getAxisSize(axis);
  }

  std::optional<ReshardPlan> run(const Sharding &from);

private:
  using Key = std::vector<int>; // axis per dim, then the mask of partial axes
  struct Node {
    int64_t cost;
    unsigned steps;
    bool done = false;
    Key parent;
    ReshardStep step;
  };
  /// The state being expanded, and what its edges' costs derive from.
  struct State {
    Key key;
    int64_t cost;
    unsigned steps;
    Sharding sharding;
    int64_t held;                     // bytes a rank holds in it
    llvm::SmallVector<int> dimOnAxis; // per axis, the dim split on it or -1
    bool isPartial(unsigned axis) const { return (key.back() & (1 << axis)) != 0; }
  };

  Key keyOf(const Sharding &sharding) const;
  Sharding shardingOfKey(const Key &key) const;
  bool divides(unsigned dim, unsigned axis) const {
    return global.getDimSizes()[dim] % layout.getAxisSize(axis) == 0;
  }
  /// The ring cost of a reduce_scatter or all_to_all over a group of `group` ranks.
  int64_t fraction(const State &state, int64_t group) const {
    return saturatingMul(saturatingMul(state.held, group - 1), scale / group);
  }
  void relax(const State &from, const Key &next, const ReshardStep &step, int64_t stepCost);
  /// Local slices toward the target, all_gathers, all_to_alls.
  void expandDims(const State &state);
  /// Pending sums: reduce_scatter onto a whole dim, or all_reduce over some free axes.
  void expandPartials(const State &state);

  const MeshLayout &layout;
  NamedTensorType global;
  const Sharding &to;
  const unsigned rank, numAxes;
  int64_t scale = 1;
  std::map<Key, Node> nodes;
  std::set<std::tuple<int64_t, unsigned, uint64_t, Key>> queue;
  uint64_t sequence = 0;
};

ReshardSearch::Key ReshardSearch::keyOf(const Sharding &sharding) const {
  Key key(sharding.dimAxes.begin(), sharding.dimAxes.end());
  int mask = 0;
  for (unsigned axis : sharding.partialAxes)
    mask |= 1 << axis;
  key.push_back(mask);
  return key;
}

Sharding ReshardSearch::shardingOfKey(const Key &key) const {
  Sharding sharding;
  sharding.dimAxes.assign(key.begin(), key.end() - 1);
  for (unsigned axis = 0; axis < numAxes; ++axis)
    if (key.back() & (1 << axis))
      sharding.partialAxes.push_back(axis);
  return sharding;
}

// Costs saturate: a tensor near the int64 byte limit times a ring factor overflows, and a
// wrapped (negative) cost would make the search pick a dear plan.
void ReshardSearch::relax(const State &from, const Key &next, const ReshardStep &step,
                          int64_t stepCost) {
  int64_t nextCost = saturatingAdd(from.cost, stepCost);
  unsigned nextSteps = from.steps + 1;
  auto [it, inserted] = nodes.try_emplace(next, Node{nextCost, nextSteps, false, from.key, step});
  Node &target = it->second;
  if (!inserted) {
    if (target.done ||
        std::make_pair(target.cost, target.steps) <= std::make_pair(nextCost, nextSteps))
      return;
    target = Node{nextCost, nextSteps, false, from.key, step};
  }
  queue.insert({nextCost, nextSteps, sequence++, next});
}

void ReshardSearch::expandDims(const State &state) {
  const Key &key = state.key;
  for (unsigned i = 0; i < rank; ++i) {
    int axis = state.sharding.dimAxes[i];
    // Local slice toward the target: free.
    if (axis == kReplicated && to.dimAxes[i] != kReplicated) {
      int want = to.dimAxes[i];
      if (state.dimOnAxis[want] < 0 && !state.isPartial(want) && divides(i, want)) {
        Key next = key;
        next[i] = want;
        relax(state, next, {ReshardStep::Kind::AllSlice, i, 0, want, {}}, 0);
      }
    }
    // A dim split on an axis that is also partial cannot be moved: its slices are partial
    // sums of different elements.
    if (axis == kReplicated || axis == to.dimAxes[i] || state.isPartial(axis))
      continue;
    // Gather a dim off its axis.
    int64_t n = layout.getAxisSize(axis);
    Key gathered = key;
    gathered[i] = kReplicated;
    relax(state, gathered, {ReshardStep::Kind::AllGather, i, 0, axis, {}},
          saturatingMul(saturatingMul(state.held, n - 1), scale));
    // Or move the axis onto a whole dim: all_to_all.
    for (unsigned j = 0; j < rank; ++j)
      if (j != i && state.sharding.dimAxes[j] == kReplicated && divides(j, axis)) {
        Key next = key;
        next[i] = kReplicated;
        next[j] = axis;
        relax(state, next, {ReshardStep::Kind::AllToAll, j, i, axis, {}}, fraction(state, n));
      }
  }
}

void ReshardSearch::expandPartials(const State &state) {
  int freeMask = 0;
  for (unsigned axis = 0; axis < numAxes; ++axis)
    if (state.isPartial(axis) && state.dimOnAxis[axis] < 0)
      freeMask |= 1 << axis;
  for (unsigned axis = 0; axis < numAxes; ++axis) {
    if (!(freeMask & (1 << axis)))
      continue;
    for (unsigned i = 0; i < rank; ++i)
      if (state.sharding.dimAxes[i] == kReplicated && divides(i, axis)) {
        Key next = state.key;
        next[i] = axis;
        next.back() &= ~(1 << axis);
        relax(state, next, {ReshardStep::Kind::ReduceScatter, i, 0, static_cast<int>(axis), {}},
              fraction(state, layout.getAxisSize(axis)));
      }
  }
  for (int subset = freeMask; subset; subset = (subset - 1) & freeMask) {
    ReshardStep step{ReshardStep::Kind::AllReduce, 0, 0, kReplicated, {}};
    int64_t group = 1;
    for (unsigned axis = 0; axis < numAxes; ++axis)
      if (subset & (1 << axis)) {
        step.axes.push_back(axis);
        group *= layout.getAxisSize(axis);
      }
    Key next = state.key;
    next.back() &= ~subset;
    relax(state, next, step, saturatingMul(2, fraction(state, group)));
  }
}

std::optional<ReshardPlan> ReshardSearch::run(const Sharding &from) {
  const Key start = keyOf(from), goal = keyOf(to);
  nodes[start] = Node{0, 0, false, {}, {}};
  queue.insert({0, 0, sequence++, start});
  while (!queue.empty()) {
    State state;
    state.cost = std::get<0>(*queue.begin());
    state.steps = std::get<1>(*queue.begin());
    state.key = std::get<3>(*queue.begin());
    queue.erase(queue.begin());
    Node &node = nodes[state.key];
    if (node.done)
      continue;
    node.done = true;
    if (state.key == goal)
      break;
    state.sharding = shardingOfKey(state.key);
    state.held = layout.localBytes(global, state.sharding);
    state.dimOnAxis.assign(numAxes, -1);
    for (unsigned i = 0; i < rank; ++i)
      if (state.sharding.dimAxes[i] != kReplicated)
        state.dimOnAxis[state.sharding.dimAxes[i]] = i;
    expandDims(state);
    expandPartials(state);
  }

  auto found = nodes.find(goal);
  if (found == nodes.end() || !found->second.done)
    return std::nullopt;
  ReshardPlan plan;
  plan.bytes = double(found->second.cost) / double(scale);
  for (Key key = goal; key != start;) {
    const Node &node = nodes[key];
    plan.steps.push_back(node.step);
    key = node.parent;
  }
  std::reverse(plan.steps.begin(), plan.steps.end());
  return plan;
}

} // namespace

// Most calls have from == to and search nothing.
std::optional<ReshardPlan> MeshLayout::planReshard(NamedTensorType global, const Sharding &from,
                                                   const Sharding &to) const {
  if (from == to)
    return ReshardPlan();
  return ReshardSearch(*this, global, to).run(from);
}
