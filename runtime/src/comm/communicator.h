// communicator.h — the one communicator abstraction of the runtime.
//
// A Communicator is a group of ranks with the collectives generated code needs. The MPI backend
// (mpi_comm.cpp) is the only one today; an NCCL sibling implements the same interface so that
// nothing above this file knows which transport moves the bytes. Buffers are host or device
// memory as the backend expects; counts are 64-bit and each backend checks its own limits.
#ifndef MESHRT_SRC_COMM_COMMUNICATOR_H
#define MESHRT_SRC_COMM_COMMUNICATOR_H

#include "status.h"

#include <cstdint>
#include <memory>

namespace meshrt {

// Memory that every rank of a group maps (Communicator::allocateShared), with a barrier of its
// own among those ranks: it returns once every rank has entered it, and orders each rank's
// writes to the memory before it ahead of every rank's reads after it. Every rank of the group
// calls the barrier the same number of times.
class SharedMemory {
public:
  virtual ~SharedMemory() = default;
  virtual void *data() const = 0;
  virtual Status barrier() = 0;
};

class Communicator {
public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Collective over this communicator: ranks with equal color form one new communicator,
  // ordered by key (then by rank here).
  virtual Status split(int color, int key, std::unique_ptr<Communicator> *out) = 0;

  virtual Status barrier() = 0;
  // In place: buf = sum over all ranks of buf.
  virtual Status allreduceSum(float *buf, int64_t count) = 0;
  // In place: buf = elementwise maximum over all ranks of buf.
  virtual Status allreduceMax(float *buf, int64_t count) = 0;
  // out = the `bytes` of every rank, back to back in rank order; `in` may be this rank's own
  // block of out (in place: a sharded optimizer update's parameter).
  virtual Status allgather(const void *in, void *out, int64_t bytes) = 0;
  // in holds size() blocks of `count` floats; rank r gets the sum over ranks of block r.
  virtual Status reduceScatterSum(const float *in, float *out, int64_t count) = 0;
  // Block j of in (`bytes` each) goes to rank j; out's block i comes from rank i.
  virtual Status alltoall(const void *in, void *out, int64_t bytes) = 0;

  // Point-to-point along a chain of ranks (the halo exchange): sends sendBytes of `send` to
  // rank `dest` and receives recvBytes into `recv` from rank `source`, as one step that cannot
  // deadlock whatever the ranks' order; a peer of -1 means none in that direction (nothing is
  // sent or received that way, `recv` is left alone). Every rank of the chain calls it
  // together, and each message's two ends agree on its size.
  virtual Status sendRecv(const void *send, int64_t sendBytes, int dest, void *recv,
                          int64_t recvBytes, int source) = 0;

  // Whether one allgather, reduce-scatter or all-to-all can move `bytes` per rank (allreduce
  // has no limit: backends chunk it). The ABI asks before it uses any scratch, so that a
  // refusal is one clear error rather than a huge allocation first.
  virtual bool fitsOneMessage(int64_t bytes) const { return true; }

  // Collective: `bytes` of zero-filled, 64-byte aligned memory that every rank of this group
  // maps, owned by the communicator, in *out; null (and success) where the transport cannot
  // share memory among the group's ranks (not all on one node, device memory), which every rank
  // learns alike.
  virtual Status allocateShared(int64_t bytes, SharedMemory **out) {
    *out = nullptr;
    return Status::success();
  }
};

} // namespace meshrt

#endif // MESHRT_SRC_COMM_COMMUNICATOR_H
