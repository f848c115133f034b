// watchdog.cpp — the collective watchdog (see watchdog.h for what it does and why).
//
// Two threads meet here. The step thread only writes: WaitScope publishes what it waits in
// through a sequence lock (gWait: odd while being written, even when complete), so the hot path
// has no lock and no MPI call. The watchdog thread reads it, answers the other ranks' queries
// and, on a timeout, asks them; all its MPI traffic is on its own duplicate of MPI_COMM_WORLD
// and non-blocking or eager-sized, so it never waits on a rank that cannot answer.
#include "watchdog.h"

#include "trace.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace meshrt {
namespace {

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What the step thread waits in. `entered` is odd while the step thread writes the fields and
// even (2 x the number of waits so far) once they are complete; `left` equals `entered` when it
// is not waiting. Relaxed fields inside the sequence lock, so that reads are race-free.
struct WaitState {
  std::atomic<uint64_t> entered{0}, left{0};
  std::atomic<int32_t> kind{-1}, axesMask{0}, siteIndex{-1};
  std::atomic<int64_t> bytes{0}, startNs{0};
  std::atomic<const char *> location{nullptr}, what{nullptr};
};
WaitState gWait;
std::atomic<int64_t> gStep{-1};
CollectiveSite gNextSite; // step thread only

void enterWait(int32_t kind, int32_t axesMask, int64_t bytes, CollectiveSite site,
               const char *what) {
  const uint64_t n = gWait.entered.load(std::memory_order_relaxed) + 2;
  gWait.entered.store(n - 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  gWait.kind.store(kind, std::memory_order_relaxed);
  gWait.axesMask.store(axesMask, std::memory_order_relaxed);
  gWait.siteIndex.store(site.index, std::memory_order_relaxed);
  gWait.location.store(site.location, std::memory_order_relaxed);
  gWait.what.store(what, std::memory_order_relaxed);
  gWait.bytes.store(bytes, std::memory_order_relaxed);
  gWait.startNs.store(nowNs(), std::memory_order_relaxed);
  gWait.entered.store(n, std::memory_order_release);
}

void leaveWait() {
  gWait.left.store(gWait.entered.load(std::memory_order_relaxed), std::memory_order_release);
}

// One rank's state as the watchdogs exchange it (plain bytes over MPI; every rank runs the same
// library, so the layout agrees).
struct RankState {
  int32_t rank = -1;
  int32_t waiting = 0;   // in a collective (or another watched wait) now
  int32_t reporting = 0; // in a query: the sender is reporting a timeout
  int32_t kind = -1;     // CollectiveKind, or -1 for a `what` wait
  int32_t axesMask = 0;
  int32_t siteIndex = -1;
  int64_t waits = 0; // watched waits entered so far: the same count on ranks at the same wait
  int64_t bytes = 0;
  int64_t step = -1;
  double waitedSeconds = 0;
  char location[112] = {};
  char what[48] = {};
};

void copyText(char *dst, size_t size, const char *src) {
  std::snprintf(dst, size, "%s", src ? src : "");
}

// The step thread's state, consistent (retried while the step thread is writing).
RankState snapshot(int rank) {
  RankState s;
  s.rank = rank;
  for (;;) {
    const uint64_t e1 = gWait.entered.load(std::memory_order_acquire);
    if (e1 % 2) {
      std::this_thread::yield();
      continue;
    }
    s.waiting = gWait.left.load(std::memory_order_acquire) != e1;
    s.waits = static_cast<int64_t>(e1 / 2);
    s.kind = gWait.kind.load(std::memory_order_relaxed);
    s.axesMask = gWait.axesMask.load(std::memory_order_relaxed);
    s.siteIndex = gWait.siteIndex.load(std::memory_order_relaxed);
    const char *location = gWait.location.load(std::memory_order_relaxed);
    const char *what = gWait.what.load(std::memory_order_relaxed);
    s.bytes = gWait.bytes.load(std::memory_order_relaxed);
    const int64_t start = gWait.startNs.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (gWait.entered.load(std::memory_order_relaxed) != e1)
      continue;
    // The strings are constants of the program (or of the runtime): safe to read after the
    // fields were found consistent.
    copyText(s.location, sizeof(s.location), location);
    copyText(s.what, sizeof(s.what), what);
    s.waitedSeconds = s.waiting ? static_cast<double>(nowNs() - start) * 1e-9 : 0.0;
    s.step = gStep.load(std::memory_order_relaxed);
    return s;
  }
}

constexpr int kQueryTag = 1;
constexpr int kReplyTagBase = 2; // + the reporting round, so that a late reply never matches

class Watchdog {
public:
  Watchdog(MPI_Comm comm, double timeout, const Mesh &mesh)
      : comm_(comm), timeout_(timeout), mesh_(mesh) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    poll_ = std::clamp(timeout / 10, 0.01, 0.5);
    replyWindow_ = std::clamp(timeout / 2, 2.0, 10.0);
    thread_ = std::thread([this] { run(); });
  }

  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
      MPI_Comm_free(&comm_);
  }

private:
  static double seconds() { return static_cast<double>(nowNs()) * 1e-9; }

  // Sleeps for `s` seconds; true when asked to stop.
  bool sleepFor(double s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::duration<double>(s), [this] { return stop_; });
  }

  void run() {
    while (!sleepFor(poll_)) {
      serviceQueries();
      const RankState me = snapshot(rank_);
      if (!me.waiting || me.waitedSeconds < timeout_)
        continue;
      // Another rank reported a moment ago: it ends the job; report only if it did not.
      if (seconds() < standByUntil_)
        continue;
      report(me);
    }
  }

  // Answers every pending query with this rank's state. Queries from a reporting rank with a
  // lower number than this one make this rank stand by.
  void serviceQueries(int *lowerReporter = nullptr) {
    for (;;) {
      int flag = 0;
      MPI_Status status;
      if (MPI_Iprobe(MPI_ANY_SOURCE, kQueryTag, comm_, &flag, &status) != MPI_SUCCESS || !flag)
        return;
      struct {
        RankState state;
        int32_t round;
      } query;
      if (MPI_Recv(&query, sizeof(query), MPI_BYTE, status.MPI_SOURCE, kQueryTag, comm_,
                   MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return;
      if (query.state.reporting) {
        standByUntil_ = std::max(standByUntil_, seconds() + replyWindow_ + 3.0);
        if (lowerReporter && query.state.rank < rank_)
          *lowerReporter = query.state.rank;
      }
      reply_ = snapshot(rank_);
      // Eager-sized: returns once buffered, whatever the querying rank does next.
      MPI_Send(&reply_, sizeof(reply_), MPI_BYTE, status.MPI_SOURCE, kReplyTagBase + query.round,
               comm_);
    }
  }

  // Asks every other rank for its state, then prints the diagnosis and ends the job — unless
  // the wait ends meanwhile or a lower-numbered rank is reporting the same stall.
  void report(const RankState &me) {
    const int32_t round = ++round_ % 30000;
    std::vector<RankState> replies(static_cast<size_t>(size_));
    std::vector<MPI_Request> recvs(static_cast<size_t>(size_), MPI_REQUEST_NULL);
    std::vector<MPI_Request> sends;
    query_.state = me;
    query_.state.reporting = 1;
    query_.round = round;
    for (int r = 0; r < size_; ++r) {
      if (r == rank_)
        continue;
      MPI_Irecv(&replies[r], sizeof(RankState), MPI_BYTE, r, kReplyTagBase + round, comm_,
                &recvs[r]);
      sends.emplace_back();
      MPI_Isend(&query_, sizeof(query_), MPI_BYTE, r, kQueryTag, comm_, &sends.back());
    }
    std::vector<bool> answered(static_cast<size_t>(size_), false);
    answered[rank_] = true;
    bool abandon = false;
    const double deadline = seconds() + replyWindow_;
    while (seconds() < deadline) {
      int lower = -1;
      serviceQueries(&lower);
      if (lower >= 0 || snapshot(rank_).waits != me.waits || !snapshot(rank_).waiting) {
        abandon = true;
        break;
      }
      bool all = true;
      for (int r = 0; r < size_; ++r) {
        if (answered[r])
          continue;
        int done = 0;
        MPI_Test(&recvs[r], &done, MPI_STATUS_IGNORE);
        answered[r] = done != 0;
        all = all && answered[r];
      }
      if (all)
        break;
      if (sleepFor(0.01)) { // the job is ending normally
        abandon = true;
        break;
      }
    }
    if (!abandon)
      die(me, replies, answered); // does not return
    // A cancelled receive completes at once unless its reply is already arriving (from a live
    // rank, eagerly): waiting for it is short, and `replies` is not written after return.
    for (int r = 0; r < size_; ++r)
      if (recvs[r] != MPI_REQUEST_NULL) {
        MPI_Cancel(&recvs[r]);
        MPI_Wait(&recvs[r], MPI_STATUS_IGNORE);
      }
    for (MPI_Request &s : sends)
      MPI_Request_free(&s); // eager-sized: completes on its own; query_ outlives it
  }

  std::string axesText(int32_t mask) const {
    std::string text;
    int n = 0;
    for (int a = 0; a < mesh_.numAxes(); ++a)
      if (mask & (1 << a)) {
        text += (text.empty() ? "" : ",") + mesh_.names[a];
        ++n;
      }
    return (n == 1 ? "mesh axis " : "mesh axes ") + text;
  }

  // "collective 3 (all_reduce over mesh axis b, 4096 bytes) at mlp.cpp:39:25 in step 7"
  std::string waitText(const RankState &s) const {
    std::string text;
    if (s.kind < 0) {
      text = s.what[0] ? s.what : "an unnamed wait";
    } else {
      const std::string what = strformat(
          "%s over %s, %lld bytes", collectiveKindName(static_cast<CollectiveKind>(s.kind)),
          axesText(s.axesMask).c_str(), static_cast<long long>(s.bytes));
      if (s.siteIndex < 0)
        text = "a collective (" + what + ", no source site)";
      else if (!s.location[0])
        text = strformat("collective %d (%s, no source line)", s.siteIndex, what.c_str());
      else
        text = strformat("collective %d (%s) at %s", s.siteIndex, what.c_str(), s.location);
    }
    if (s.step >= 0)
      text += strformat(" in step %lld", static_cast<long long>(s.step));
    return text;
  }

  // Ranks whose coordinates equal this rank's outside the axes of mask (all ranks for mask 0).
  bool inGroup(int r, int32_t mask) const {
    if (mask == 0)
      return true;
    const std::vector<int64_t> mine = mesh_.coordsOf(rank_), theirs = mesh_.coordsOf(r);
    for (int a = 0; a < mesh_.numAxes(); ++a)
      if (!(mask & (1 << a)) && mine[a] != theirs[a])
        return false;
    return true;
  }

  [[noreturn]] void die(const RankState &me, const std::vector<RankState> &replies,
                        const std::vector<bool> &answered) {
    const int32_t mask = me.kind < 0 ? 0 : me.axesMask;
    std::string missing, silentElsewhere;
    for (int r = 0; r < size_; ++r) {
      if (r == rank_)
        continue;
      const bool group = inGroup(r, mask);
      if (!answered[r]) {
        if (group)
          missing += strformat("%srank %d (not answering: stopped, hung or dead)",
                               missing.empty() ? "" : ", ", r);
        else
          silentElsewhere += strformat("%s%d", silentElsewhere.empty() ? "" : ", ", r);
        continue;
      }
      const RankState &s = replies[r];
      if (!group || (s.waiting && s.waits == me.waits))
        continue; // arrived, or not this collective's business
      missing += strformat("%srank %d (%s)", missing.empty() ? "" : ", ", r,
                           s.waiting ? ("waiting in " + waitText(s)).c_str()
                                     : strformat("running step %lld, in no collective",
                                                 static_cast<long long>(s.step))
                                           .c_str());
    }
    std::string line = strformat(
        "error: rank %d: collective timeout: %s has waited %.1f s (--collective-timeout %g); ",
        rank_, waitText(me).c_str(), me.waitedSeconds, timeout_);
    line += missing.empty() ? "every rank of its group arrived (the transport is stuck)"
                            : "did not arrive: " + missing;
    // The root cause may sit outside this group: a rank this one's peers wait for.
    if (!silentElsewhere.empty())
      line += "; outside its group, not answering (stopped, hung or dead): rank" +
              std::string(silentElsewhere.find(',') == std::string::npos ? " " : "s ") +
              silentElsewhere;
    line += "; ending the job\n";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    // mpirun forwards output asynchronously: give the line time to leave before the abort.
    usleep(200 * 1000);
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  double timeout_, poll_ = 0.5, replyWindow_ = 2.0;
  double standByUntil_ = 0;
  int32_t round_ = 0;
  Mesh mesh_;
  RankState reply_;
  struct {
    RankState state;
    int32_t round;
  } query_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_; // last: starts after every member above is ready
};

std::unique_ptr<Watchdog> gWatchdog;

} // namespace

void setNextCollectiveSite(int32_t index, const char *location) { gNextSite = {index, location}; }

CollectiveSite takeNextCollectiveSite() {
  CollectiveSite site = gNextSite;
  gNextSite = {};
  if (gTraceEnabled)
    traceCollectiveSite(site);
  return site;
}

void setWatchdogStep(int64_t step) { gStep.store(step, std::memory_order_relaxed); }

WaitScope::WaitScope(CollectiveKind kind, int32_t axesMask, int64_t bytes, CollectiveSite site) {
  enterWait(static_cast<int32_t>(kind), axesMask, bytes, site, nullptr);
}

WaitScope::WaitScope(const char *what) { enterWait(-1, 0, 0, {}, what); }

WaitScope::~WaitScope() { leaveWait(); }

Status startWatchdog(double timeoutSeconds, const Mesh &mesh) {
  if (gWatchdog)
    return Status::success();
  MPI_Comm comm;
  if (int err = MPI_Comm_dup(MPI_COMM_WORLD, &comm))
    return Status::error(MESHRT_COMM_ERROR,
                         strformat("MPI_Comm_dup for the collective watchdog failed (%d)", err));
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  gWatchdog = std::make_unique<Watchdog>(comm, timeoutSeconds, mesh);
  return Status::success();
}

void stopWatchdog() { gWatchdog.reset(); }

} // namespace meshrt
