// agree.cpp — see agree.h.
#include "program/agree.h"

#include <vector>

namespace meshrt {

Status agree(MPI_Comm comm, const Status &mine) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int candidate = mine.ok() ? size : rank, first = size;
  MPI_Allreduce(&candidate, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size)
    return Status::success();
  int header[2] = {static_cast<int>(mine.code), static_cast<int>(mine.message.size())};
  MPI_Bcast(header, 2, MPI_INT, first, comm);
  std::vector<char> text(mine.message.begin(), mine.message.end());
  text.resize(static_cast<size_t>(header[1]));
  MPI_Bcast(text.data(), header[1], MPI_CHAR, first, comm);
  return Status::error(static_cast<meshrt_status_code_t>(header[0]),
                       std::string(text.begin(), text.end()));
}

} // namespace meshrt
