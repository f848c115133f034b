// watchdog.h — the collective watchdog behind --collective-timeout (Horovod's stall inspector,
// NCCL's timeout).
//
// A rank that stops (kill -STOP, a hang, a dead node) leaves the ranks of its groups waiting in
// a collective forever, and a stopped rank cannot say so. So every rank runs a watchdog thread
// with its own duplicate of MPI_COMM_WORLD (MPI_THREAD_MULTIPLE). The step thread marks the
// collective it waits in (WaitScope: a few relaxed atomic stores and a clock read per
// communicating collective, nothing else on the hot path). When a rank has waited in one
// collective for the timeout, its watchdog asks every other rank's watchdog what its step
// thread is doing; live ranks answer from their own thread even while their step thread is
// blocked, a stopped or dead rank cannot. It then prints one line — the collective (kind, mesh
// axes, bytes, its number in `meshc --explain` and the DSL source line generated code named with
// meshrt_collective_site), the ranks of its group that did not arrive and why, and the ranks
// that did not answer — and ends the job with MPI_Abort. Several ranks time out at about the same
// moment; the lowest-numbered one reports and the others stand by.
//
// Covered: every collective of meshrt.h that communicates, on the CPU (MPI, and the shared-memory
// allreduce, whose waits spin on step counters) and on a device's staged path (host MPI inside the
// call), plus the barrier before step 0. Not covered: NCCL collectives (they only enqueue work;
// a stopped peer hangs the next device synchronisation instead, NCCL's own timeout territory),
// and the start-up collectives before the watchdog starts.
#ifndef MESHRT_SRC_WATCHDOG_H
#define MESHRT_SRC_WATCHDOG_H

#include "mesh.h"
#include "stats.h"
#include "status.h"

#include <cstdint>

namespace meshrt {

// Where a collective comes from: its number in program order (meshc --explain's "collective
// N", -1 if unknown) and the FILE:LINE:COL of the DSL call that caused it (null if unknown).
struct CollectiveSite {
  int32_t index = -1;
  const char *location = nullptr;
};

// meshrt_collective_site: generated code names the site of the collective it calls next; each
// collective ABI call takes it (and clears it, so a call without one reports no site).
void setNextCollectiveSite(int32_t index, const char *location);
CollectiveSite takeNextCollectiveSite();

// The step the step thread runs, for the watchdog's messages.
void setWatchdogStep(int64_t step);

// Marks the step thread as waiting in a collective for the scope's lifetime.
class WaitScope {
public:
  WaitScope(CollectiveKind kind, int32_t axesMask, int64_t bytes, CollectiveSite site);
  // A wait that is not one of the program's collectives, e.g. "the barrier before step 0".
  explicit WaitScope(const char *what);
  ~WaitScope();
  WaitScope(const WaitScope &) = delete;
  WaitScope &operator=(const WaitScope &) = delete;
};

// Starts the watchdog thread. Collective over MPI_COMM_WORLD (it duplicates it); MPI must
// provide MPI_THREAD_MULTIPLE. timeoutSeconds > 0. The mesh names axes and groups in messages.
Status startWatchdog(double timeoutSeconds, const Mesh &mesh);
// Stops and joins the thread and frees its communicator (before MPI_Finalize). No-op if none.
void stopWatchdog();

} // namespace meshrt

#endif // MESHRT_SRC_WATCHDOG_H
