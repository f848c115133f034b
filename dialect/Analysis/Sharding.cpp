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

// Dijkstra over the shardings of `global`: a state is (axis per dim, partial axes), an edge
// one collective. Costs are bytes received per rank times the product of the axis sizes (so
// that the fractions of the ring costs are integers), then the number of steps; ties go to
// the first path found, which keeps plans deterministic. Tensors have few dims and meshes
// few axes, so the states are few; most calls have from == to and search nothing.
std::optional<ReshardPlan> MeshLayout::planReshard(NamedTensorType global, const Sharding &from,
                                                   const Sharding &to) const {
  if (from == to)
    return ReshardPlan();
  const unsigned rank = global.getRank(), numAxes = getNumAxes();
  int64_t scale = 1;
  for (unsigned axis = 0; axis < numAxes; ++axis)
    scale *= getAxisSize(axis);

  using Key = std::vector<int>; // axis per dim, then the mask of partial axes
  auto keyOf = [&](const Sharding &sharding) {
    Key key(sharding.dimAxes.begin(), sharding.dimAxes.end());
    int mask = 0;
    for (unsigned axis : sharding.partialAxes)
      mask |= 1 << axis;
    key.push_back(mask);
    return key;
  };
  auto shardingOfKey = [&](const Key &key) {
    Sharding sharding;
    sharding.dimAxes.assign(key.begin(), key.end() - 1);
    for (unsigned axis = 0; axis < numAxes; ++axis)
      if (key.back() & (1 << axis))
        sharding.partialAxes.push_back(axis);
    return sharding;
  };
  struct Node {
    int64_t cost;
    unsigned steps;
    bool done = false;
    Key parent;
    ReshardStep step;
  };
  std::map<Key, Node> nodes;
  std::set<std::tuple<int64_t, unsigned, uint64_t, Key>> queue;
  uint64_t sequence = 0;
  const Key start = keyOf(from), goal = keyOf(to);
  nodes[start] = Node{0, 0, false, {}, {}};
  queue.insert({0, 0, sequence++, start});

  auto divides = [&](unsigned dim, unsigned axis) {
    return global.getDimSizes()[dim] % getAxisSize(axis) == 0;
  };
  while (!queue.empty()) {
    const int64_t cost = std::get<0>(*queue.begin());
    const unsigned steps = std::get<1>(*queue.begin());
    const Key key = std::get<3>(*queue.begin());
    queue.erase(queue.begin());
    Node &node = nodes[key];
    if (node.done)
      continue;
    node.done = true;
    if (key == goal)
      break;

    const Sharding state = shardingOfKey(key);
    const int mask = key.back();
    const int64_t held = localBytes(global, state);
    llvm::SmallVector<int> dimOnAxis(numAxes, -1);
    for (unsigned i = 0; i < rank; ++i)
      if (state.dimAxes[i] != kReplicated)
        dimOnAxis[state.dimAxes[i]] = i;
    auto isPartial = [&](unsigned axis) { return (mask & (1 << axis)) != 0; };
    // Costs saturate: a tensor near the int64 byte limit times a ring factor overflows, and
    // a wrapped (negative) cost would make the search pick a dear plan.
    auto relax = [&](Key next, ReshardStep step, int64_t stepCost) {
      int64_t nextCost = saturatingAdd(cost, stepCost);
      auto [it, inserted] = nodes.try_emplace(next, Node{nextCost, steps + 1, false, key, step});
      Node &target = it->second;
      if (!inserted) {
        if (target.done ||
            std::make_pair(target.cost, target.steps) <= std::make_pair(nextCost, steps + 1))
          return;
        target = Node{nextCost, steps + 1, false, key, step};
      }
      queue.insert({nextCost, steps + 1, sequence++, next});
    };
    auto fraction = [&](int64_t group) {
      return saturatingMul(saturatingMul(held, group - 1), scale / group);
    };

    for (unsigned i = 0; i < rank; ++i) {
      int axis = state.dimAxes[i];
      // Local slice toward the target: free.
      if (axis == kReplicated && to.dimAxes[i] != kReplicated) {
        int want = to.dimAxes[i];
        if (dimOnAxis[want] < 0 && !isPartial(want) && divides(i, want)) {
          Key next = key;
          next[i] = want;
          relax(next, {ReshardStep::Kind::AllSlice, i, 0, want, {}}, 0);
        }
      }
      // A dim split on an axis that is also partial cannot be moved: its slices are partial
      // sums of different elements.
      if (axis == kReplicated || axis == to.dimAxes[i] || isPartial(axis))
        continue;
      // Gather a dim off its axis.
      int64_t n = getAxisSize(axis);
      Key gathered = key;
      gathered[i] = kReplicated;
      relax(gathered, {ReshardStep::Kind::AllGather, i, 0, axis, {}},
            saturatingMul(saturatingMul(held, n - 1), scale));
      // Or move the axis onto a whole dim: all_to_all.
      for (unsigned j = 0; j < rank; ++j)
        if (j != i && state.dimAxes[j] == kReplicated && divides(j, axis)) {
          Key next = key;
          next[i] = kReplicated;
          next[j] = axis;
          relax(next, {ReshardStep::Kind::AllToAll, j, i, axis, {}}, fraction(n));
        }
    }
    // Pending sums: reduce_scatter onto a whole dim, or all_reduce over some free axes.
    int freeMask = 0;
    for (unsigned axis = 0; axis < numAxes; ++axis)
      if (isPartial(axis) && dimOnAxis[axis] < 0)
        freeMask |= 1 << axis;
    for (unsigned axis = 0; axis < numAxes; ++axis) {
      if (!(freeMask & (1 << axis)))
        continue;
      for (unsigned i = 0; i < rank; ++i)
        if (state.dimAxes[i] == kReplicated && divides(i, axis)) {
          Key next = key;
          next[i] = axis;
          next.back() &= ~(1 << axis);
          relax(next, {ReshardStep::Kind::ReduceScatter, i, 0, static_cast<int>(axis), {}},
                fraction(getAxisSize(axis)));
        }
    }
    for (int subset = freeMask; subset; subset = (subset - 1) & freeMask) {
      ReshardStep step{ReshardStep::Kind::AllReduce, 0, 0, kReplicated, {}};
      int64_t group = 1;
      for (unsigned axis = 0; axis < numAxes; ++axis)
        if (subset & (1 << axis)) {
          step.axes.push_back(axis);
          group *= getAxisSize(axis);
        }
      Key next = key;
      next.back() &= ~subset;
      relax(next, step, saturatingMul(2, fraction(group)));
    }
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
