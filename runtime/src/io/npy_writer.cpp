// npy_writer.cpp — NpyWriter: a .npy file written collectively block by block into a temporary
// file beside its path, renamed over the path on commit (prediction outputs).
#include "io/mpi_io_util.h"
#include "io/npy_format.h"
#include "io/tensor_file.h"

#include <climits>
#include <unistd.h>

namespace meshrt::io {

namespace {

class MpiNpyWriter final : public NpyWriter {
public:
  MpiNpyWriter(MPI_Comm comm, std::string path, ElemType type, std::vector<int64_t> shape)
      : comm_(comm), path_(std::move(path)), type_(type), shape_(std::move(shape)) {
    MPI_Comm_rank(comm_, &rank_);
  }

  ~MpiNpyWriter() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized)
      return;
    if (fh_ != MPI_FILE_NULL)
      MPI_File_close(&fh_); // collective: every rank destroys its writer alike
    if (elem_ != MPI_DATATYPE_NULL)
      MPI_Type_free(&elem_);
    if (!committed_ && rank_ == 0 && !tmp_.empty())
      ::unlink(tmp_.c_str());
  }

  Status start() {
    Status st;
    int64_t count = 1;
    for (int64_t d : shape_) {
      if (d < 0 || (d != 0 && count > INT64_MAX / d)) {
        st = Status::error(MESHRT_INVALID_ARGUMENT, path_ + ": invalid shape");
        break;
      }
      count *= d;
    }
    if (st.ok() && static_cast<int>(shape_.size()) > kMaxSliceDims)
      st = Status::error(MESHRT_INVALID_ARGUMENT, path_ + ": too many dims");
    st = agreeStatus(comm_, st);
    if (!st.ok())
      return st;
    std::string header = formatNpyHeader(type_, shape_);
    dataOffset_ = static_cast<int64_t>(header.size());
    tmp_ = rank_ == 0 ? tempPathFor(path_) : std::string();
    int64_t len = static_cast<int64_t>(tmp_.size());
    MPI_Bcast(&len, 1, MPI_INT64_T, 0, comm_);
    tmp_.resize(static_cast<size_t>(len));
    MPI_Bcast(tmp_.data(), static_cast<int>(len), MPI_CHAR, 0, comm_);
    int rc =
        MPI_File_open(comm_, tmp_.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh_);
    if (rc != MPI_SUCCESS)
      fh_ = MPI_FILE_NULL;
    st = agreeStatus(comm_, rc == MPI_SUCCESS
                                ? Status::success()
                                : Status::error(MESHRT_IO_ERROR, path_ + ": cannot create " + tmp_ +
                                                                     ": " + mpiErrorString(rc)));
    if (!st.ok()) {
      tmp_.clear(); // nothing to remove
      return st;
    }
    elem_ = byteElemType(elemBytes(type_));
    Status local;
    rc = MPI_File_set_size(fh_, dataOffset_ + count * elemBytes(type_));
    if (rc != MPI_SUCCESS)
      local = Status::error(MESHRT_IO_ERROR,
                            path_ + ": cannot size " + tmp_ + ": " + mpiErrorString(rc));
    MPI_Status status;
    rc = MPI_File_write_at_all(fh_, 0, header.data(),
                               rank_ == 0 ? static_cast<int>(header.size()) : 0, MPI_BYTE, &status);
    if (rc != MPI_SUCCESS && local.ok())
      local = Status::error(MESHRT_IO_ERROR, path_ + ": write error: " + mpiErrorString(rc));
    return agreeStatus(comm_, local);
  }

  Status write(const Slice &slice, const void *data, bool writer) override {
    Status st;
    if (committed_ || fh_ == MPI_FILE_NULL)
      st = Status::error(MESHRT_INVALID_ARGUMENT, path_ + ": write after commit");
    else if (slice.ndims != static_cast<int>(shape_.size()))
      st = Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s: a block of %d dims, the file has %zu", path_.c_str(),
                                   slice.ndims, shape_.size()));
    for (int d = 0; st.ok() && d < slice.ndims; ++d)
      if (slice.global[d] != shape_[d] || slice.offset[d] < 0 || slice.local[d] < 0 ||
          slice.offset[d] + slice.local[d] > shape_[d])
        st = Status::error(MESHRT_INVALID_ARGUMENT,
                           path_ + ": block out of range in dim " + std::to_string(d));
    MPI_Datatype view = MPI_DATATYPE_NULL;
    int64_t n = writer ? slice.localCount() : 0;
    if (st.ok()) {
      std::string err;
      if (slice.localCount() == 0 || slice.ndims == 0)
        MPI_Type_dup(elem_, &view);
      else if (slice.localCount() > INT_MAX ||
               !makeBlockType(slice.ndims, slice.global, slice.local, slice.offset, elem_, &view,
                              &err))
        st = Status::error(MESHRT_INVALID_ARGUMENT,
                           path_ + ": " + (err.empty() ? "block beyond MPI-IO's int counts" : err));
    }
    st = agreeStatus(comm_, st);
    if (!st.ok()) {
      if (view != MPI_DATATYPE_NULL)
        MPI_Type_free(&view);
      return st;
    }
    Status local;
    int rc = MPI_File_set_view(fh_, dataOffset_, elem_, view, "native", MPI_INFO_NULL);
    MPI_Type_free(&view);
    if (rc != MPI_SUCCESS)
      local =
          Status::error(MESHRT_IO_ERROR, path_ + ": cannot set a file view: " + mpiErrorString(rc));
    MPI_Status status;
    rc = MPI_File_write_all(fh_, n ? data : nullptr, static_cast<int>(n), elem_, &status);
    if (rc != MPI_SUCCESS && local.ok())
      local = Status::error(MESHRT_IO_ERROR, path_ + ": write error: " + mpiErrorString(rc));
    return agreeStatus(comm_, local);
  }

  Status commit() override {
    if (committed_ || fh_ == MPI_FILE_NULL)
      return Status::error(MESHRT_INVALID_ARGUMENT, path_ + ": commit of a closed writer");
    Status local;
    int rc = MPI_File_sync(fh_);
    if (rc != MPI_SUCCESS)
      local = Status::error(MESHRT_IO_ERROR,
                            path_ + ": cannot sync " + tmp_ + ": " + mpiErrorString(rc));
    rc = MPI_File_close(&fh_);
    fh_ = MPI_FILE_NULL;
    if (rc != MPI_SUCCESS && local.ok())
      local = Status::error(MESHRT_IO_ERROR,
                            path_ + ": cannot close " + tmp_ + ": " + mpiErrorString(rc));
    Status st = agreeStatus(comm_, local);
    if (!st.ok())
      return st; // the destructor removes the temporary file
    if (rank_ == 0)
      local = renameDurably(tmp_, path_, path_);
    st = agreeStatus(comm_, local);
    committed_ = st.ok();
    return st;
  }

private:
  MPI_Comm comm_;
  int rank_ = 0;
  std::string path_, tmp_;
  ElemType type_;
  std::vector<int64_t> shape_;
  MPI_File fh_ = MPI_FILE_NULL;
  MPI_Datatype elem_ = MPI_DATATYPE_NULL;
  int64_t dataOffset_ = 0;
  bool committed_ = false;
};

} // namespace

Status NpyWriter::create(MPI_Comm comm, const std::string &path, ElemType type,
                         const std::vector<int64_t> &shape, std::unique_ptr<NpyWriter> *out) {
  auto w = std::make_unique<MpiNpyWriter>(comm, path, type, shape);
  Status st = w->start();
  if (!st.ok())
    return st;
  *out = std::move(w);
  return Status::success();
}

} // namespace meshrt::io
