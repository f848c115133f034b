// mpi_io_util.cpp — see mpi_io_util.h.
#include "io/mpi_io_util.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace meshrt::io {

std::string mpiErrorString(int rc) {
  char buf[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS)
    return "MPI error " + std::to_string(rc);
  return std::string(buf, len);
}

Status agreeStatus(MPI_Comm comm, const Status &local) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int mine = local.ok() ? INT_MAX : rank, first = INT_MAX;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT_MAX)
    return Status::success();
  int code = local.code;
  int64_t len = static_cast<int64_t>(local.message.size());
  MPI_Bcast(&code, 1, MPI_INT, first, comm);
  MPI_Bcast(&len, 1, MPI_INT64_T, first, comm);
  std::string msg = rank == first ? local.message : std::string(static_cast<size_t>(len), ' ');
  if (len > 0)
    MPI_Bcast(msg.data(), static_cast<int>(len), MPI_CHAR, first, comm);
  return Status::error(static_cast<meshrt_status_code_t>(code), msg);
}

MPI_Info noSievingHints() {
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "romio_ds_read", "disable");
  MPI_Info_set(info, "romio_ds_write", "disable");
  return info;
}

bool makeBlockType(int ndims, const int64_t *sizes, const int64_t *sub, const int64_t *starts,
                   MPI_Datatype elem, MPI_Datatype *out, std::string *err) {
  if (ndims == 0) {
    MPI_Type_dup(elem, out);
    return true;
  }
  std::vector<int> s(ndims), b(ndims), o(ndims);
  for (int d = 0; d < ndims; ++d) {
    if (sizes[d] > INT_MAX || sub[d] < 1 || starts[d] < 0 || starts[d] + sub[d] > sizes[d]) {
      *err = sizes[d] > INT_MAX
                 ? "a dimension of " + std::to_string(sizes[d]) + " is beyond MPI-IO's int counts"
                 : "block out of range";
      return false;
    }
    s[d] = static_cast<int>(sizes[d]);
    b[d] = static_cast<int>(sub[d]);
    o[d] = static_cast<int>(starts[d]);
  }
  MPI_Type_create_subarray(ndims, s.data(), b.data(), o.data(), MPI_ORDER_C, elem, out);
  MPI_Type_commit(out);
  return true;
}

MPI_Datatype byteElemType(int64_t bytes) {
  MPI_Datatype t;
  MPI_Type_contiguous(static_cast<int>(bytes), MPI_BYTE, &t);
  MPI_Type_commit(&t);
  return t;
}

int64_t fileSize(const std::string &path, std::string *err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *err = std::strerror(errno);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = "is a directory";
    return -1;
  }
  return static_cast<int64_t>(st.st_size);
}

namespace {
std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}
} // namespace

std::string tempPathFor(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".tmp-" + std::to_string(::getpid());
}

Status renameDurably(const std::string &tmp, const std::string &path, const std::string &what) {
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::error(MESHRT_IO_ERROR, what + ": cannot rename " + tmp + " to " + path + ": " +
                                              std::strerror(errno));
  std::string dir = dirOf(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return Status::error(MESHRT_IO_ERROR,
                         what + ": cannot open directory " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0)
    return Status::error(MESHRT_IO_ERROR,
                         what + ": cannot sync directory " + dir + ": " + std::strerror(e));
  return Status::success();
}

} // namespace meshrt::io
