// EvalPasses.cpp — runs the eval and predict passes that meshc generates, directly, before the
// runtime's driver does (--eval-data, --predict), and checks them against each other and against
// the registry.
//
// Linked with an object meshc emits for tests/e2e/programs/eval_outputs.mlir (an MLP with
// dropout, Adam, an accuracy metric and the outputs "probs" and "class"). The generated `main`
// calls meshrt_main, which this file defines (the executable's definition wins over
// libmeshrt's), so it receives the init, train, eval and predict functions. It also stands in
// front of meshrt_register_tensor and meshrt_input (forwarding to libmeshrt's through
// dlsym(RTLD_NEXT)) to see what the program registers and which inputs each pass reads. Checks,
// on every rank:
//  - the registrations: names, roles, dtypes, synthetic kinds, ids in order;
//  - eval twice on one batch gives one loss, touches no optimizer state, and is the loss
//    recomputed from the predict pass's probabilities without dropout: mean -log p[i, y_i]
//    (summed over the ranks' slices);
//  - the accuracy metric is 1 exactly where the "class" output equals the label, and "class"
//    is the argmax of "probs" where this rank holds every class;
//  - predict reads x only (not the labels) and returns 0;
//  - a train step then updates the parameters (eval's loss changes) and Adam's state.
// Prints "eval_passes: ok" and exits 0, else one line per problem and exits 1.
#include "meshrt/meshrt.h"

#include <mpi.h>

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

struct Registered {
  int32_t role, dtype, ndims, syntheticKind, classes, id;
  std::vector<int64_t> global;
  std::vector<int32_t> axes;
  void *buffer;
};
std::map<std::string, Registered> registry;
std::vector<int32_t> inputsRead; // ids passed to meshrt_input since the last clear
int failures = 0;

void fail(const std::string &what) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "eval_passes: rank %d: %s\n", rank, what.c_str());
  ++failures;
}

void expect(bool ok, const std::string &what) {
  if (!ok)
    fail(what);
}

template <typename F> F next(const char *name) {
  void *fn = dlsym(RTLD_NEXT, name);
  if (!fn) {
    std::fprintf(stderr, "eval_passes: libmeshrt has no %s\n", name);
    std::exit(1);
  }
  return reinterpret_cast<F>(fn);
}

/// This rank's element count of a registered tensor, from its global shape and dim axes.
int64_t localCount(meshrt_context_t ctx, const Registered &t) {
  int64_t n = 1;
  for (int d = 0; d < t.ndims; ++d)
    n *= t.axes[d] < 0 ? t.global[d] : t.global[d] / meshrt_mesh_axis_size(ctx, t.axes[d]);
  return n;
}

const Registered &get(const std::string &name) {
  static const Registered missing{};
  auto it = registry.find(name);
  if (it == registry.end()) {
    fail("'" + name + "' is not registered");
    return missing;
  }
  return it->second;
}

std::vector<float> floats(meshrt_context_t ctx, const Registered &t) {
  const float *p = static_cast<const float *>(t.buffer);
  return p ? std::vector<float>(p, p + localCount(ctx, t)) : std::vector<float>();
}

std::vector<int32_t> ints(meshrt_context_t ctx, const Registered &t) {
  const int32_t *p = static_cast<const int32_t *>(t.buffer);
  return p ? std::vector<int32_t>(p, p + localCount(ctx, t)) : std::vector<int32_t>();
}

bool allZero(const std::vector<float> &v) {
  for (float x : v)
    if (x != 0.0f)
      return false;
  return true;
}

void checkRegistry() {
  struct Want {
    const char *name;
    int32_t role, dtype, syntheticKind;
  };
  const Want wants[] = {
      {"x", MESHRT_ROLE_INPUT, MESHRT_DTYPE_F32, MESHRT_SYNTHETIC_FEATURES},
      {"y", MESHRT_ROLE_INPUT, MESHRT_DTYPE_I32, MESHRT_SYNTHETIC_LABELS},
      {"w1", MESHRT_ROLE_PARAM, MESHRT_DTYPE_F32, 0},
      {"w2", MESHRT_ROLE_PARAM, MESHRT_DTYPE_F32, 0},
      {"w1/adam_m", MESHRT_ROLE_OPT_STATE, MESHRT_DTYPE_F32, 0},
      {"w1/adam_v", MESHRT_ROLE_OPT_STATE, MESHRT_DTYPE_F32, 0},
      {"w2/adam_m", MESHRT_ROLE_OPT_STATE, MESHRT_DTYPE_F32, 0},
      {"w2/adam_v", MESHRT_ROLE_OPT_STATE, MESHRT_DTYPE_F32, 0},
      {"accuracy", MESHRT_ROLE_METRIC, MESHRT_DTYPE_F32, 0},
      {"probs", MESHRT_ROLE_OUTPUT, MESHRT_DTYPE_F32, 0},
      {"class", MESHRT_ROLE_OUTPUT, MESHRT_DTYPE_I32, 0},
  };
  expect(registry.size() == sizeof(wants) / sizeof(wants[0]),
         "registered " + std::to_string(registry.size()) + " tensors, expected 11");
  for (const Want &w : wants) {
    const Registered &t = get(w.name);
    expect(t.role == w.role && t.dtype == w.dtype && t.syntheticKind == w.syntheticKind,
           std::string("'") + w.name + "' registered with role " + std::to_string(t.role) +
               " dtype " + std::to_string(t.dtype) + " kind " + std::to_string(t.syntheticKind));
  }
  expect(get("x").id == 0 && get("y").id == 1, "inputs are not ids 0 and 1");
  expect(get("y").classes == 4,
         "y registered with " + std::to_string(get("y").classes) + " classes, expected 4");
  expect(get("probs").global == std::vector<int64_t>{8, 4},
         "probs not registered with the global shape [8, 4]");
  expect(get("accuracy").global == std::vector<int64_t>{8},
         "accuracy not registered with the global shape [8]");
}

} // namespace

extern "C" {

int32_t meshrt_register_tensor(meshrt_context_t ctx, int32_t role, const char *name, int32_t dtype,
                               int32_t ndims, const int64_t *global_shape, const int32_t *dim_axes,
                               void *buffer, int32_t synthetic_kind, int32_t classes) {
  using Fn = int32_t (*)(meshrt_context_t, int32_t, const char *, int32_t, int32_t, const int64_t *,
                         const int32_t *, void *, int32_t, int32_t);
  static Fn real = next<Fn>("meshrt_register_tensor");
  int32_t id =
      real(ctx, role, name, dtype, ndims, global_shape, dim_axes, buffer, synthetic_kind, classes);
  registry[name] = {role,
                    dtype,
                    ndims,
                    synthetic_kind,
                    classes,
                    id,
                    std::vector<int64_t>(global_shape, global_shape + ndims),
                    std::vector<int32_t>(dim_axes, dim_axes + ndims),
                    buffer};
  return id;
}

void meshrt_input(meshrt_context_t ctx, int32_t id, int64_t step) {
  using Fn = void (*)(meshrt_context_t, int32_t, int64_t);
  static Fn real = next<Fn>("meshrt_input");
  inputsRead.push_back(id);
  real(ctx, id, step);
}

int meshrt_main(int argc, char **argv, const char *, const char *mesh_spec, const char *, uint64_t,
                meshrt_init_fn init, meshrt_step_fn train, meshrt_step_fn eval,
                meshrt_step_fn predict, const char *) {
  MPI_Init(&argc, &argv);
  meshrt_context_t ctx = meshrt_context_create(mesh_spec, 1);
  auto ok = [&](const char *after) {
    if (meshrt_context_status(ctx) == MESHRT_OK)
      return true;
    fail(std::string("after ") + after + ": " + meshrt_context_message(ctx));
    return false;
  };
  if (!ok("meshrt_context_create"))
    return 1;
  if (!eval || !predict) {
    fail("meshrt_main got no eval or no predict pass");
    return 1;
  }
  init(ctx);
  if (!ok("init"))
    return 1;
  checkRegistry();

  // Eval on the batch of step 3, twice: one loss, no optimizer state touched, x and y read.
  inputsRead.clear();
  float e1 = eval(ctx, 3), e2 = eval(ctx, 3);
  ok("eval");
  expect(e1 == e2, "eval twice gives " + std::to_string(e1) + " then " + std::to_string(e2));
  expect(inputsRead == std::vector<int32_t>{0, 1, 0, 1}, "eval did not read x and y once each");
  for (const char *state : {"w1/adam_m", "w1/adam_v", "w2/adam_m", "w2/adam_v"})
    expect(allZero(floats(ctx, get(state))), std::string("eval changed ") + state);
  std::vector<float> accuracy = floats(ctx, get("accuracy"));
  std::vector<int32_t> labels = ints(ctx, get("y"));

  // Predict on the same batch: reads x only, returns 0.
  inputsRead.clear();
  float p = predict(ctx, 3);
  ok("predict");
  expect(p == 0.0f, "predict returned " + std::to_string(p));
  expect(inputsRead == std::vector<int32_t>{0}, "predict read inputs other than x");
  expect(ints(ctx, get("y")) == labels, "predict changed the labels");
  const Registered &probsT = get("probs");
  std::vector<float> probs = floats(ctx, probsT);
  std::vector<int32_t> classes = ints(ctx, get("class"));

  // This rank's slice of probs: [local batch, local classes] at class offset coord * local.
  int64_t localBatch = static_cast<int64_t>(labels.size());
  int64_t localClasses = localBatch ? static_cast<int64_t>(probs.size()) / localBatch : 0;
  int64_t classOffset = probsT.axes.size() == 2 && probsT.axes[1] >= 0
                            ? meshrt_mesh_coord(ctx, probsT.axes[1]) * localClasses
                            : 0;
  bool allClasses = localClasses == 4;
  expect(accuracy.size() == labels.size() && classes.size() == labels.size(),
         "accuracy, class and y differ in local size");
  double nllSum = 0.0;
  int64_t correct = 0;
  for (int64_t i = 0; i < localBatch && i < (int64_t)accuracy.size() && i < (int64_t)classes.size();
       ++i) {
    expect(accuracy[i] == (classes[i] == labels[i] ? 1.0f : 0.0f),
           "accuracy[" + std::to_string(i) + "] = " + std::to_string(accuracy[i]) + " but class " +
               std::to_string(classes[i]) + ", label " + std::to_string(labels[i]));
    correct += accuracy[i] == 1.0f;
    if (allClasses) {
      int32_t best = 0;
      for (int32_t c = 1; c < 4; ++c)
        if (probs[i * 4 + c] > probs[i * 4 + best])
          best = c;
      expect(best == classes[i], "class[" + std::to_string(i) + "] is not the argmax of probs");
    }
    int64_t c = labels[i] - classOffset;
    if (c >= 0 && c < localClasses)
      nllSum += -std::log(static_cast<double>(probs[i * localClasses + c]));
  }
  // Each sample's label class is held by exactly one rank of the classes' axis, and the batch
  // axis splits the samples: summing over ranks that differ in either counts each sample once;
  // ranks that replicate both repeat it, so divide by the number of replicas.
  int world = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  int64_t holders = 1;
  for (int d = 0; d < 2 && d < (int)probsT.axes.size(); ++d)
    if (probsT.axes[d] >= 0)
      holders *= meshrt_mesh_axis_size(ctx, probsT.axes[d]);
  double total = 0.0;
  MPI_Allreduce(&nllSum, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  double loss = total / (double(world) / double(holders)) / 8.0;
  expect(std::fabs(loss - e1) <= 1e-5 * std::fabs(loss) + 1e-6,
         "eval loss " + std::to_string(e1) + " is not mean -log probs[label] " +
             std::to_string(loss) + " (dropout on in eval?)");

  // A train step updates the parameters and Adam's state; eval then sees the new parameters.
  float t = train(ctx, 3);
  ok("train");
  expect(t != e1, "train at step 3 (dropout on) gave eval's loss " + std::to_string(t));
  float e3 = eval(ctx, 3);
  expect(e3 != e1, "eval after a train step still gives " + std::to_string(e1));
  int changed = !allZero(floats(ctx, get("w2/adam_m"))), anyChanged = 0;
  MPI_Allreduce(&changed, &anyChanged, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  expect(anyChanged, "train did not update w2/adam_m");
  ok("the passes");

  int mine = failures, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (all == 0 && rank == 0)
    std::printf("eval_passes: ok (%d ranks, eval loss %.6f, %lld of %lld local samples correct)\n",
                world, e1, (long long)correct, (long long)localBatch);
  meshrt_context_destroy(ctx);
  MPI_Finalize();
  return all == 0 ? 0 : 1;
}

} // extern "C"
