// mpi_io_util.h — pieces the io library's readers and writers share: MPI error text, the
// agreement of all ranks on one status, block datatypes for file views, and the atomic
// replacement of a file (temporary beside it, rename, directory sync).
#ifndef MESHRT_SRC_IO_MPI_IO_UTIL_H
#define MESHRT_SRC_IO_MPI_IO_UTIL_H

#include "status.h"

#include <mpi.h>

#include <cstdint>
#include <string>

namespace meshrt::io {

std::string mpiErrorString(int rc);

// Every rank returns the status of the lowest rank that failed (or success): one message
// everywhere, so no rank continues into a collective that another has given up on.
Status agreeStatus(MPI_Comm comm, const Status &local);

// Hints for MPI_File_open: no data sieving (ROMIO reads the whole span between the first and
// the last selected byte otherwise; each rank must read only its blocks).
MPI_Info noSievingHints();

// The file type of one block of a row-major array (sizes, block extent `sub` at `starts`),
// elements of `elem`: a subarray type, or `elem` itself for a 0-d array. Sizes beyond int
// (MPI's counts) give false with *err set.
bool makeBlockType(int ndims, const int64_t *sizes, const int64_t *sub, const int64_t *starts,
                   MPI_Datatype elem, MPI_Datatype *out, std::string *err);

// A contiguous MPI type of `bytes` bytes (one element of the file's type).
MPI_Datatype byteElemType(int64_t bytes);

// File size, or -1 with errno's text in *err.
int64_t fileSize(const std::string &path, std::string *err);

// The temporary file written before `path` is replaced: ".NAME.tmp-PID" in path's directory.
std::string tempPathFor(const std::string &path);

// Renames tmp over path and syncs the directory, so that the rename survives a crash.
Status renameDurably(const std::string &tmp, const std::string &path, const std::string &what);

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_MPI_IO_UTIL_H
