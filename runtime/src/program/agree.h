// agree.h — one outcome on every rank: a status that some ranks may have failed becomes, on
// all ranks, the failure of the lowest failing rank (message included), so that every rank
// takes the same path out and none is left waiting in a collective.
#ifndef MESHRT_SRC_PROGRAM_AGREE_H
#define MESHRT_SRC_PROGRAM_AGREE_H

#include "status.h"

#include <mpi.h>

namespace meshrt {

// Collective over comm.
Status agree(MPI_Comm comm, const Status &mine);

} // namespace meshrt

#endif // MESHRT_SRC_PROGRAM_AGREE_H
