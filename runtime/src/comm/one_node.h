// one_node.h — whether the ranks of a communicator all run on one node, and their node
// communicator if so: what the shared-memory collectives and node-shared buffers start from.
#ifndef MESHRT_SRC_COMM_ONE_NODE_H
#define MESHRT_SRC_COMM_ONE_NODE_H

#include <mpi.h>

namespace meshrt {

// Collective over comm. *node = comm's ranks as one communicator of shared memory (ordered as
// in comm) when every rank of comm runs on one node, else MPI_COMM_NULL, alike on every rank
// (a group split over nodes has smaller node communicators on all of them; the MIN over comm
// makes it certain). Returns an MPI error code (*node is then MPI_COMM_NULL); the caller frees
// a node communicator it gets.
inline int splitIfOneNode(MPI_Comm comm, MPI_Comm *node) {
  *node = MPI_COMM_NULL;
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm split;
  if (int err = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &split))
    return err;
  int splitSize = 0;
  MPI_Comm_size(split, &splitSize);
  int allLocal = splitSize == size, everywhere = 0;
  int err = MPI_Allreduce(&allLocal, &everywhere, 1, MPI_INT, MPI_MIN, comm);
  if (err || !everywhere) {
    MPI_Comm_free(&split);
    return err;
  }
  *node = split;
  return MPI_SUCCESS;
}

} // namespace meshrt

#endif // MESHRT_SRC_COMM_ONE_NODE_H
