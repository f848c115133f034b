// run.cpp — see run.h.
#include "train/run.h"

#include "context.h"
#include "data/bindings.h"
#include "data/loader.h"
#include "profile.h"
#include "program/agree.h"
#include "stats.h"
#include "trace.h"
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
                                       static_cast<long long>(t.slice.global[0]), t.name.c_str()));
      *batch = t.slice.global[0];
    }
  if (*batch == 0)
    return Status::error(MESHRT_INVALID_ARGUMENT, "the program has no inputs to bind files to");
  return Status::success();
}

// A loader for one flag's bindings (collective; the same status everywhere).
Status openLoader(Context &ctx, const std::string &flag, const std::string &text,
                  BatchLoader::Order order, bool requireAll, const Options &opts,
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
    *out = std::make_unique<BatchLoader>(ctx, std::move(data), order, batch, opts.seed,
                                         opts.prefetchOn);
  return s;
}

void printFailure(const Context &ctx, const Status &s) {
  if (ctx.rank() == 0)
    std::fprintf(stderr, "error: %s\n", s.message.c_str());
}

void runEvaluation(Context &ctx, BatchLoader &data, const ProgramInfo &program, int64_t step) {
  const auto start = Clock::now();
  const EvalResult r = evaluate(ctx, data, program, step);
  if (gTraceEnabled)
    traceSpan(TraceTrack::Compute, "evaluate", step, start, Clock::now());
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

struct Loaders {
  std::unique_ptr<BatchLoader> train, eval, predict;
};

// The loaders of --data, --eval-data and --predict (collective; one status everywhere).
Status openLoaders(Context &ctx, const Options &opts, const ProgramInfo &program, Loaders *out) {
  Status s;
  if (!opts.data.empty())
    s = openLoader(ctx, "--data", opts.data, BatchLoader::Order::Shuffled, true, opts, &out->train);
  if (s.ok() && !opts.evalData.empty())
    s = program.eval ? openLoader(ctx, "--eval-data", opts.evalData, BatchLoader::Order::Sequential,
                                  false, opts, &out->eval)
                     : Status::error(MESHRT_INVALID_ARGUMENT,
                                     "--eval-data: this program was compiled without an "
                                     "evaluation pass (recompile it with this meshc)");
  if (s.ok() && !opts.predict.empty())
    s = openLoader(ctx, "--predict", opts.predict, BatchLoader::Order::Sequential, false, opts,
                   &out->predict);
  return s;
}

// --load or --init-from; *start is the step to go on from (0 without a checkpoint).
Status restore(Context &ctx, const Options &opts, int64_t *start) {
  *start = 0;
  if (opts.load.empty() && opts.initFrom.empty())
    return Status::success();
  const bool paramsOnly = opts.load.empty();
  Status s = loadCheckpoint(ctx, paramsOnly ? opts.initFrom : opts.load, paramsOnly, start);
  if (s.ok() && ctx.rank() == 0) {
    if (paramsOnly)
      std::printf("initialised from %s\n", opts.initFrom.c_str());
    else
      std::printf("resumed from %s at step %lld\n", checkpointFile(opts.load).c_str(),
                  static_cast<long long>(*start));
    std::fflush(stdout);
  }
  return s;
}

// The step the run trains up to. --steps and --epochs count from step 0, so a resumed run goes
// on to the same end; a run resumed without data or a step count only evaluates (or saves)
// what it loaded.
int64_t lastStep(const Options &opts, const BatchLoader *train, int64_t start) {
  if (opts.stepsGiven)
    return opts.steps;
  if (train)
    return (opts.epochs > 0 ? opts.epochs : 1) * train->batchesPerEpoch();
  return opts.load.empty() ? opts.steps : start;
}

void printPlan(const Context &ctx, const BatchLoader *train, int64_t start, int64_t total) {
  if (ctx.rank() != 0)
    return;
  if (start > total)
    std::printf("note: the checkpoint is at step %lld, beyond --steps %lld: nothing to train\n",
                static_cast<long long>(start), static_cast<long long>(total));
  if (train) {
    const int64_t n = train->samples(), perEpoch = train->batchesPerEpoch();
    std::printf("data: %lld samples, %lld steps per epoch of %lld (the last %lld samples of each "
                "epoch dropped), training steps %lld-%lld\n",
                static_cast<long long>(n), static_cast<long long>(perEpoch),
                static_cast<long long>(train->batch()),
                static_cast<long long>(n - perEpoch * train->batch()),
                static_cast<long long>(start), static_cast<long long>(total - 1));
  }
  std::fflush(stdout);
}

// Rank 0's line after each epoch: mean loss, throughput, elapsed time and ETA.
class EpochProgress {
public:
  EpochProgress(const BatchLoader *train, int64_t start, int64_t total)
      : train_(train), start_(start), total_(total), runStart_(Clock::now()),
        epochStart_(runStart_) {}

  // After step `step`; true where it ended an epoch.
  bool add(const Context &ctx, int64_t step, float loss) {
    loss_ += loss;
    ++steps_;
    const int64_t done = step + 1, perEpoch = train_ ? train_->batchesPerEpoch() : 0;
    if (!train_ || done % perEpoch != 0)
      return false;
    if (ctx.rank() == 0) {
      const double secs = secondsSince(epochStart_), all = secondsSince(runStart_);
      const double eta =
          all / static_cast<double>(done - start_) * static_cast<double>(total_ - done);
      std::printf("epoch %lld done: steps %lld-%lld, mean loss %.6f, %.0f samples/s, elapsed %s, "
                  "ETA %s\n",
                  static_cast<long long>(done / perEpoch), static_cast<long long>(done - steps_),
                  static_cast<long long>(step), loss_ / static_cast<double>(steps_),
                  static_cast<double>(steps_ * train_->batch()) / secs, duration(all).c_str(),
                  duration(eta).c_str());
      std::fflush(stdout);
    }
    epochStart_ = Clock::now();
    loss_ = 0.0;
    steps_ = 0;
    return true;
  }

private:
  const BatchLoader *train_;
  int64_t start_, total_;
  Clock::time_point runStart_, epochStart_;
  double loss_ = 0.0;
  int64_t steps_ = 0;
};

// Steps start..total-1 with evaluations and saves between them; a failed save is returned.
Status trainSteps(Context &ctx, const Options &opts, const ProgramInfo &program,
                  const Loaders &data, const LrSchedule &schedule, int64_t start, int64_t total,
                  RunResult *result) {
  BatchLoader *train = data.train.get();
  const int64_t logEvery = opts.logEvery > 0 ? opts.logEvery : train ? 100 : 1;
  const int64_t samples = train ? train->samples() : 0;
  ctx.setInputSource(train);
  // Start the clock on all ranks together so that the first step does not absorb init
  // imbalance.
  {
    WaitScope wait("the barrier before step 0");
    MPI_Barrier(MPI_COMM_WORLD);
  }
  EpochProgress progress(train, start, total);
  result->stepMs.reserve(static_cast<size_t>(total > start ? total - start : 0));
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
    if (gTraceEnabled)
      traceSpan(TraceTrack::Compute, "step", step, stepStart, Clock::now());
    if (step == start && ctx.device())
      result->driverAllocsAfterFirstStep = ctx.device()->memoryStats().driverAllocs;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - stepStart).count();
    if (!ctx.ok())
      ctx.abortJob();
    result->stepMs.push_back(ms);
    if (ctx.rank() == 0 && (step % logEvery == 0 || step == total - 1)) {
      std::printf("step %lld loss %.6f time_ms %.3f\n", static_cast<long long>(step),
                  static_cast<double>(loss), ms);
      std::fflush(stdout);
    }
    const bool epochEnd = progress.add(ctx, step, loss);
    const int64_t done = step + 1;
    if (done == total)
      break; // the final evaluation and save follow the loop
    if (data.eval && (opts.evalEvery > 0 ? done % opts.evalEvery == 0 : epochEnd))
      runEvaluation(ctx, *data.eval, program, done);
    if (opts.saveEvery > 0 && done % opts.saveEvery == 0)
      if (Status saved = runSave(ctx, opts, program, done, samples); !saved.ok())
        return saved;
  }
  if (train) {
    result->dataWaitMs = train->waitMs();
    result->dataBytesRead = train->dataset().bytesRead();
  }
  ctx.setInputSource(nullptr);
  ctx.setLrFactor(1.0f);
  return Status::success();
}

} // namespace

RunResult runProgram(Context &ctx, const Options &opts, const ProgramInfo &program) {
  RunResult result;
  auto fail = [&](const Status &s) {
    printFailure(ctx, s);
    result.exitCode = 1;
    return result;
  };
  Loaders data;
  int64_t start = 0;
  if (Status s = openLoaders(ctx, opts, program, &data); !s.ok())
    return fail(s);
  if (Status s = restore(ctx, opts, &start); !s.ok())
    return fail(s);

  if (data.predict) {
    std::vector<std::string> files;
    if (Status s = predictAll(ctx, *data.predict, program, opts.out, &files); !s.ok())
      return fail(s);
    if (ctx.rank() == 0) {
      for (const std::string &f : files)
        std::printf("predict: wrote %s (%lld samples)\n", f.c_str(),
                    static_cast<long long>(data.predict->samples()));
      std::fflush(stdout);
    }
    return result;
  }

  const int64_t total = lastStep(opts, data.train.get(), start);
  printPlan(ctx, data.train.get(), start, total);
  LrSchedule schedule;
  if (Status s = makeSchedule(ctx, opts, &schedule); !s.ok())
    return fail(s);
  if (ctx.rank() == 0 && (opts.lrWarmup > 0 || opts.lrDecay != "none" || opts.lrScaleBatch > 0)) {
    std::printf("%s\n", describe(schedule, total).c_str());
    std::fflush(stdout);
  }
  result.lastStep = total > start ? total : start;
  if (Status s = trainSteps(ctx, opts, program, data, schedule, start, total, &result); !s.ok())
    return fail(s);
  if (data.eval)
    runEvaluation(ctx, *data.eval, program, result.lastStep);
  if (!opts.save.empty())
    if (Status s =
            runSave(ctx, opts, program, result.lastStep, data.train ? data.train->samples() : 0);
        !s.ok())
      return fail(s);
  return result;
}

} // namespace meshrt
