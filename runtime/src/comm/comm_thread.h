// comm_thread.h — the context's communication thread behind the non-blocking collectives
// (meshrt_allreduce_sum_start, meshrt_all_reduce_bucket_start, meshrt_collective_wait).
//
// The step thread queues a collective's work and goes on running kernels; this thread runs the
// queue in order, so each collective makes progress while the kernels run (MPI's own
// non-blocking calls would only progress inside MPI calls, which the step thread does not make
// while it computes). One order of collectives on every rank: the queue keeps the program's
// order, and a blocking collective drains the queue before it communicates (drain()), so MPI
// sees one thread at a time (MPI_THREAD_SERIALIZED is enough). A request's Status is kept until
// its wait() takes it: errors surface at the wait, in the step thread, which records them in the
// context's sticky status.
#ifndef MESHRT_SRC_COMM_COMM_THREAD_H
#define MESHRT_SRC_COMM_COMM_THREAD_H

#include "status.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace meshrt {

class CommThread {
public:
  using Work = std::function<Status()>;

  CommThread();
  // Runs what is queued, then joins the thread.
  ~CommThread();
  CommThread(const CommThread &) = delete;
  CommThread &operator=(const CommThread &) = delete;

  // Queues `work` as request `id`. False where `id` was started and not waited for yet.
  bool start(int32_t id, Work work);
  // Blocks until request `id` has run and returns its status (forgetting the request); nothing
  // where no request `id` was started.
  std::optional<Status> wait(int32_t id);
  // Blocks until every queued request has run (their statuses stay for their waits).
  void drain();

  // Host buffers for packed buckets, reused across steps (steady-state steps do not allocate):
  // one of at least `count` floats, contents undefined; given back when the collective is
  // done. Thread-safe.
  std::shared_ptr<std::vector<float>> takeBuffer(size_t count);
  void giveBuffer(std::shared_ptr<std::vector<float>> buffer);

private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_; // work queued, or stopping
  std::condition_variable done_; // a request finished
  std::deque<std::pair<int32_t, Work>> queue_;
  std::map<int32_t, std::optional<Status>> requests_; // started; the status once run
  bool busy_ = false;                                 // the thread is running a request
  bool stopping_ = false;                             // the destructor asked the thread to end
  std::vector<std::shared_ptr<std::vector<float>>> buffers_;
  std::thread thread_; // last: starts after the members above exist
};

// Whether this process may run collectives on a second thread: MPI provides at least
// MPI_THREAD_SERIALIZED (or is not initialised) and MESHRT_COMM_THREAD is not "0".
bool commThreadAllowed();

} // namespace meshrt

#endif // MESHRT_SRC_COMM_COMM_THREAD_H
