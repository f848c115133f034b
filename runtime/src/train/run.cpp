// run.cpp — see run.h.
#include "train/run.h"

#include "context.h"
#include "data/bindings.h"
#include "data/loader.h"
#include "profile.h"
#include "program/agree.h"
#include "stats.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/lr_schedule.h"
#include "train/predict.h"
#include "watchdog.h"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace meshrt {
namespace {

// The first steps pay for page faults, oneDNN's JIT and MPI connection set-up.
constexpr int64_t kWarmup = 3;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The global batch: dim 0 of the program's inputs (all alike; checked).
Status globalBatch(const Context &ctx, int64_t *batch) {
  *batch = 0;
  for (const ProgramTensor &t : ctx.tensors())
    if (t.role == MESHRT_ROLE_INPUT) {
      if (*batch && t.slice.global[0] != *batch)
        return Status::error(MESHRT_INVALID_ARGUMENT,
                             strformat("the program's inputs differ in their sample dim (%lld "
                                       "and %lld for '%s'): file data needs one batch size",
                                       static_cast<long long>(*batch),
                                       static_cast<long long>(t.slice.global[0]),
                                       t.name.c_str()));
      *batch = t.slice.global[0];
    }
  if (*batch == 0)
    return Status::error(MESHRT_INVALID_ARGUMENT, "the program has no inputs to bind files to");
  return Status::success();
}

// A loader for one flag's bindings (collective; the same status everywhere).
Status openLoader(Context &ctx, const std::string &flag, const std::string &text,
                  BatchLoader::Order order, bool requireAll, uint64_t seed,
                  std::unique_ptr<BatchLoader> *out) {
  std::vector<Binding> bindings;
  int64_t batch = 0;
  Status s = globalBatch(ctx, &batch);
  if (s.ok())
    s = parseBindings(flag, text, ctx, requireAll, &bindings);
  if (!s.ok())
    return s; // every rank parsed the same text against the same program
  std::unique_ptr<Dataset> data;
  s = Dataset::open(flag, bindings, ctx, &data);
  if (s.ok())
    *out = std::make_unique<BatchLoader>(ctx, std::move(data), order, batch, seed);
  return s;
}

void printFailure(const Context &ctx, const Status &s) {
  if (ctx.rank() == 0)
    std::fprintf(stderr, "error: %s\n", s.message.c_str());
}

void runEvaluation(Context &ctx, BatchLoader &data, const ProgramInfo &program, int64_t step) {
  const EvalResult r = evaluate(ctx, data, program, step);
  if (!ctx.ok())
    ctx.abortJob();
  if (ctx.rank() == 0) {
    std::printf("eval step %lld %s (%lld samples)\n", static_cast<long long>(step),
                formatEval(r).c_str(), static_cast<long long>(r.samples));
    std::fflush(stdout);
  }
}

// The same status on every rank (saveCheckpoint agrees), so a failed save ends the run on
// every rank alike, with one line: the state is still in memory, better stop than go on unsaved.
Status runSave(Context &ctx, const Options &opts, const ProgramInfo &program, int64_t stepsDone,
               int64_t samples) {
  const auto start = Clock::now();
  Status s = saveCheckpoint(ctx, program, opts.save, stepsDone, opts.seed, samples);
  if (s.ok() && ctx.rank() == 0) {
    std::printf("saved %s at step %lld (%.2f s)\n", checkpointFile(opts.save).c_str(),
                static_cast<long long>(stepsDone), secondsSince(start));
    std::fflush(stdout);
  }
  return s;
}

// The schedule of the flags; the linear scaling rule's factor is the inputs' global batch over
// --lr-scale-batch (the same program on every rank: the same status everywhere).
Status makeSchedule(const Context &ctx, const Options &opts, LrSchedule *out) {
  LrSchedule schedule;
  schedule.warmup = opts.lrWarmup;
  schedule.decay = opts.lrDecay == "cosine" ? LrSchedule::Decay::Cosine
                   : opts.lrDecay == "step" ? LrSchedule::Decay::Step
                                            : LrSchedule::Decay::None;
  schedule.minFactor = opts.lrMinFactor;
  schedule.decayFactor = opts.lrDecayFactor;
  schedule.decayEvery = opts.lrDecayEvery;
  if (opts.lrScaleBatch > 0) {
    int64_t batch = 0;
    if (Status s = globalBatch(ctx, &batch); !s.ok())
      return Status::error(s.code, "--lr-scale-batch: " + s.message);
    schedule.batchScale = static_cast<double>(batch) / static_cast<double>(opts.lrScaleBatch);
    if (ctx.rank() == 0) {
      std::printf("lr scaling: global batch %lld / --lr-scale-batch %lld = x %g\n",
                  static_cast<long long>(batch), static_cast<long long>(opts.lrScaleBatch),
                  schedule.batchScale);
      std::fflush(stdout);
    }
  }
  *out = schedule;
  return Status::success();
}

std::string duration(double seconds) {
  if (seconds < 60)
    return strformat("%.1fs", seconds);
  const long long s = static_cast<long long>(seconds + 0.5);
  return s < 3600 ? strformat("%lldm%02llds", s / 60, s % 60)
                  : strformat("%lldh%02lldm", s / 3600, (s / 60) % 60);
}

} // namespace

RunResult runProgram(Context &ctx, const Options &opts, const ProgramInfo &program) {
  RunResult result;
  const bool root = ctx.rank() == 0;
  auto fail = [&](const Status &s) {
    printFailure(ctx, s);
    result.exitCode = 1;
    return result;
  };

  std::unique_ptr<BatchLoader> train, eval, predict;
  Status s;
  if (!opts.data.empty())
    s = openLoader(ctx, "--data", opts.data, BatchLoader::Order::Shuffled, true, opts.seed, &train);
  if (s.ok() && !opts.evalData.empty()) {
    s = program.eval ? openLoader(ctx, "--eval-data", opts.evalData,
                                  BatchLoader::Order::Sequential, false, opts.seed, &eval)
                     : Status::error(MESHRT_INVALID_ARGUMENT,
                                     "--eval-data: this program was compiled without an "
                                     "evaluation pass (recompile it with this meshc)");
  }
  if (s.ok() && !opts.predict.empty())
    s = openLoader(ctx, "--predict", opts.predict, BatchLoader::Order::Sequential, false,
                   opts.seed, &predict);
  if (!s.ok())
    return fail(s);

  int64_t start = 0;
  if (!opts.load.empty() || !opts.initFrom.empty()) {
    const bool paramsOnly = opts.load.empty();
    s = loadCheckpoint(ctx, paramsOnly ? opts.initFrom : opts.load, paramsOnly, &start);
    if (!s.ok())
      return fail(s);
    if (root) {
      std::printf("%s %s%s\n", paramsOnly ? "initialised from" : "resumed from",
                  (paramsOnly ? opts.initFrom : checkpointFile(opts.load)).c_str(),
                  paramsOnly ? "" : strformat(" at step %lld", static_cast<long long>(start)).c_str());
      std::fflush(stdout);
    }
  }

  if (predict) {
    std::vector<std::string> files;
    s = predictAll(ctx, *predict, program, opts.out, &files);
    if (!s.ok())
      return fail(s);
    if (root) {
      for (const std::string &f : files)
        std::printf("predict: wrote %s (%lld samples)\n", f.c_str(),
                    static_cast<long long>(predict->samples()));
      std::fflush(stdout);
    }
    return result;
  }

  const int64_t perEpoch = train ? train->batchesPerEpoch() : 0;
  const int64_t samples = train ? train->samples() : 0;
  // --steps and --epochs count from step 0, so a resumed run goes on to the same end; a run
  // resumed without data or a step count only evaluates (or saves) what it loaded.
  const bool loaded = !opts.load.empty();
  const int64_t total = opts.stepsGiven      ? opts.steps
                        : opts.epochs > 0    ? opts.epochs * perEpoch
                        : train              ? perEpoch
                        : loaded             ? start
                                             : opts.steps;
  const int64_t logEvery = opts.logEvery > 0 ? opts.logEvery : train ? 100 : 1;
  if (start > total && root)
    std::printf("note: the checkpoint is at step %lld, beyond --steps %lld: nothing to train\n",
                static_cast<long long>(start), static_cast<long long>(total));
  if (root && train) {
    std::printf("data: %lld samples, %lld steps per epoch of %lld (the last %lld samples of each "
                "epoch dropped), training steps %lld-%lld\n",
                static_cast<long long>(samples), static_cast<long long>(perEpoch),
                static_cast<long long>(train->batch()),
                static_cast<long long>(samples - perEpoch * train->batch()),
                static_cast<long long>(start), static_cast<long long>(total - 1));
    std::fflush(stdout);
  }
  LrSchedule schedule;
  if (Status sched = makeSchedule(ctx, opts, &schedule); !sched.ok())
    return fail(sched);
  if (root && (opts.lrWarmup > 0 || opts.lrDecay != "none" || opts.lrScaleBatch > 0)) {
    std::printf("%s\n", describe(schedule, total).c_str());
    std::fflush(stdout);
  }
  ctx.setInputSource(train.get());

  // Start the clock on all ranks together so that the first step does not absorb init
  // imbalance.
  {
    WaitScope wait("the barrier before step 0");
    MPI_Barrier(MPI_COMM_WORLD);
  }
  const auto runStart = Clock::now();
  auto epochStart = runStart;
  double epochLoss = 0.0;
  int64_t epochSteps = 0;
  result.firstStep = start;
  result.stepMs.reserve(static_cast<size_t>(total > start ? total - start : 0));
  for (int64_t step = start; step < total; ++step) {
    if (step - start == kWarmup)
      gProfile = ProfileTotals(); // profile the timed steps only
    const auto stepStart = Clock::now();
    setWatchdogStep(step);
    if (train)
      ctx.check(train->begin(step, total));
    ctx.setLrFactor(static_cast<float>(lrFactor(schedule, step, total)));
    gStats.beginStep(step);
    const float loss = program.train ? program.train(wrap(&ctx), step) : 0.0f;
    gStats.endStep();
    if (step == start && ctx.device())
      result.driverAllocsAfterFirstStep = ctx.device()->memoryStats().driverAllocs;
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - stepStart).count();
    if (!ctx.ok())
      ctx.abortJob();
    result.stepMs.push_back(ms);
    epochLoss += loss;
    ++epochSteps;
    if (root && (step % logEvery == 0 || step == total - 1)) {
      std::printf("step %lld loss %.6f time_ms %.3f\n", static_cast<long long>(step),
                  static_cast<double>(loss), ms);
      std::fflush(stdout);
    }
    const int64_t done = step + 1;
    const bool epochEnd = train && done % perEpoch == 0;
    if (epochEnd && root) {
      const double secs = secondsSince(epochStart), all = secondsSince(runStart);
      const double eta = all / static_cast<double>(done - start) * static_cast<double>(total - done);
      std::printf("epoch %lld done: steps %lld-%lld, mean loss %.6f, %.0f samples/s, elapsed %s, "
                  "ETA %s\n",
                  static_cast<long long>(done / perEpoch), static_cast<long long>(done - epochSteps),
                  static_cast<long long>(step), epochLoss / static_cast<double>(epochSteps),
                  static_cast<double>(epochSteps * train->batch()) / secs, duration(all).c_str(),
                  duration(eta).c_str());
      std::fflush(stdout);
    }
    if (epochEnd) {
      epochStart = Clock::now();
      epochLoss = 0.0;
      epochSteps = 0;
    }
    const bool evalNow = eval && (opts.evalEvery > 0 ? done % opts.evalEvery == 0 : epochEnd);
    if (evalNow && done < total)
      runEvaluation(ctx, *eval, program, done);
    if (opts.saveEvery > 0 && done % opts.saveEvery == 0 && done < total)
      if (Status saved = runSave(ctx, opts, program, done, samples); !saved.ok())
        return fail(saved);
  }
  result.lastStep = total > start ? total : start;
  if (train) {
    result.dataWaitMs = train->waitMs();
    result.dataBytesRead = train->dataset().bytesRead();
  }
  ctx.setInputSource(nullptr);
  ctx.setLrFactor(1.0f);
  if (eval)
    runEvaluation(ctx, *eval, program, result.lastStep);
  if (!opts.save.empty())
    if (Status saved = runSave(ctx, opts, program, result.lastStep, samples); !saved.ok())
      return fail(saved);
  return result;
}

} // namespace meshrt
