// mpi_comm.h — the MPI backend of Communicator (CPU buffers).
#ifndef MESHRT_SRC_COMM_MPI_COMM_H
#define MESHRT_SRC_COMM_MPI_COMM_H

#include "comm/communicator.h"

#include <memory>

namespace meshrt {

// Wraps MPI_COMM_WORLD (not freed on destruction). MPI must be initialised.
std::unique_ptr<Communicator> createMpiWorldCommunicator();

} // namespace meshrt

#endif // MESHRT_SRC_COMM_MPI_COMM_H
