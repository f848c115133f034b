// comm_thread.cpp — the communication thread's queue (see comm_thread.h).
#include "comm/comm_thread.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace meshrt {

CommThread::CommThread() : thread_([this] { loop(); }) {}

CommThread::~CommThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool CommThread::start(int32_t id, Work work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!requests_.emplace(id, std::nullopt).second)
      return false;
    queue_.emplace_back(id, std::move(work));
  }
  wake_.notify_one();
  return true;
}

std::optional<Status> CommThread::wait(int32_t id) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end())
    return std::nullopt;
  done_.wait(lock, [&] { return it->second.has_value(); });
  Status status = std::move(*it->second);
  requests_.erase(it);
  return status;
}

void CommThread::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

std::shared_ptr<std::vector<float>> CommThread::takeBuffer(size_t count) {
  std::shared_ptr<std::vector<float>> buffer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(buffers_.begin(), buffers_.end(),
                           [&](const auto &b) { return b->size() >= count; });
    if (it == buffers_.end() && !buffers_.empty())
      it = buffers_.begin(); // grow a free one rather than keep both
    if (it != buffers_.end()) {
      buffer = std::move(*it);
      buffers_.erase(it);
    }
  }
  if (!buffer)
    buffer = std::make_shared<std::vector<float>>();
  if (buffer->size() < count)
    buffer->resize(count);
  return buffer;
}

void CommThread::giveBuffer(std::shared_ptr<std::vector<float>> buffer) {
  std::lock_guard<std::mutex> lock(mutex_);
  buffers_.push_back(std::move(buffer));
}

void CommThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty())
      return; // stopping, nothing left
    auto [id, work] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Status status = work();
    lock.lock();
    busy_ = false;
    requests_[id] = std::move(status);
    done_.notify_all();
  }
}

bool commThreadAllowed() {
  const char *env = std::getenv("MESHRT_COMM_THREAD");
  if (env && std::strcmp(env, "0") == 0)
    return false;
  int initialized = 0, finalized = 0, provided = MPI_THREAD_SINGLE;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized)
    return false;
  MPI_Query_thread(&provided);
  return provided >= MPI_THREAD_SERIALIZED;
}

} // namespace meshrt
