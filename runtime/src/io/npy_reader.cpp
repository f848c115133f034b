// npy_reader.cpp — ArrayReader over a .npy file: the header read once, then each read() is one
// MPI-IO file view (on MPI_COMM_SELF) over the selected rows' blocks in file order, so that
// only those bytes are read.
#include "io/mpi_io_util.h"
#include "io/npy_format.h"
#include "io/read_plan.h"
#include "io/readers.h"

#include <cstring>
#include <vector>

namespace meshrt::io {

namespace {

class NpyReader final : public ArrayReader {
public:
  ~NpyReader() override {
    if (fh_ != MPI_FILE_NULL)
      MPI_File_close(&fh_);
    if (elem_ != MPI_DATATYPE_NULL)
      MPI_Type_free(&elem_);
  }

  Status openFile(const std::string &spec) {
    info_.spec = spec;
    std::string err;
    int64_t size = fileSize(spec, &err);
    if (size < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": cannot open: " + err);
    MPI_Info hints = noSievingHints();
    int rc = MPI_File_open(MPI_COMM_SELF, spec.c_str(), MPI_MODE_RDONLY, hints, &fh_);
    MPI_Info_free(&hints);
    if (rc != MPI_SUCCESS) {
      fh_ = MPI_FILE_NULL;
      return Status::error(MESHRT_IO_ERROR, spec + ": cannot open: " + mpiErrorString(rc));
    }
    unsigned char pre[kNpyPreambleBytes] = {};
    int64_t npre = std::min<int64_t>(size, kNpyPreambleBytes);
    Status st = readAt(0, pre, npre);
    if (!st.ok())
      return st;
    int64_t dictStart = 0, dataOffset = 0;
    err = parseNpyPreamble(pre, npre, &dictStart, &dataOffset);
    if (!err.empty() && npre >= 8 && std::memcmp(pre, "\x89HDF\r\n\x1a\n", 8) == 0)
      return Status::error(MESHRT_IO_ERROR,
                           spec + ": an HDF5 file; name its dataset: " + spec + ":/DATASET");
    if (!err.empty())
      return Status::error(MESHRT_IO_ERROR, spec + ": " + err);
    if (dataOffset > size)
      return Status::error(MESHRT_IO_ERROR,
                           strformat("%s: truncated .npy header (%lld bytes, the file has %lld)",
                                     spec.c_str(), static_cast<long long>(dataOffset),
                                     static_cast<long long>(size)));
    std::string dict(static_cast<size_t>(dataOffset - dictStart), '\0');
    st = readAt(dictStart, dict.data(), static_cast<int64_t>(dict.size()));
    if (!st.ok())
      return st;
    err = parseNpyDict(dict, &info_.type, &info_.shape);
    if (!err.empty())
      return Status::error(MESHRT_IO_ERROR, spec + ": " + err);
    if (info_.shape.empty())
      return Status::error(MESHRT_IO_ERROR,
                           spec + ": a 0-d array (no sample dim; the leading dim is the sample)");
    int64_t need = elemBytes(info_.type);
    for (int64_t d : info_.shape) {
      if (d != 0 && need > INT64_MAX / d)
        return Status::error(MESHRT_IO_ERROR, spec + ": corrupt header: the shape overflows");
      need *= d;
    }
    if (size - dataOffset != need)
      return Status::error(
          MESHRT_IO_ERROR,
          strformat("%s: %s: the header's shape %s of %s needs %lld data bytes, the file has %lld",
                    spec.c_str(), size - dataOffset < need ? "truncated" : "corrupt",
                    shapeText().c_str(), elemTypeName(info_.type), static_cast<long long>(need),
                    static_cast<long long>(size - dataOffset)));
    dataOffset_ = dataOffset;
    info_.headerBytes = bytesRead_;
    elem_ = byteElemType(elemBytes(info_.type));
    return Status::success();
  }

  Status read(const RowSelection &sel, ElemType target, void *out) override {
    ReadPlan plan;
    Status st = planRead(info_, sel, &plan);
    if (!st.ok())
      return st;
    int64_t eb = elemBytes(info_.type);
    int64_t rowElems = 1;
    for (size_t d = 1; d < info_.shape.size(); ++d)
      rowElems *= info_.shape[d];
    int64_t rowBytes = rowElems * eb;
    // One row's block as a file type whose extent is the whole row, so that rows can be placed
    // at their byte displacements.
    MPI_Datatype block, row;
    std::string err;
    if (!makeBlockType(static_cast<int>(info_.shape.size()) - 1, info_.shape.data() + 1,
                       plan.sub.data(), plan.start.data(), elem_, &block, &err))
      return Status::error(MESHRT_INVALID_ARGUMENT, info_.spec + ": " + err);
    MPI_Type_create_resized(block, 0, rowBytes, &row);
    MPI_Type_commit(&row);
    MPI_Type_free(&block);
    std::vector<char> staged;
    std::vector<MPI_Aint> displs;
    for (size_t u0 = 0; u0 < plan.unique.size() && st.ok();
         u0 += static_cast<size_t>(plan.rowsPerChunk)) {
      size_t u1 = std::min(plan.unique.size(), u0 + static_cast<size_t>(plan.rowsPerChunk));
      int64_t n = static_cast<int64_t>(u1 - u0) * plan.blockElems;
      staged.resize(static_cast<size_t>(n * eb));
      displs.resize(u1 - u0);
      for (size_t u = u0; u < u1; ++u)
        displs[u - u0] = static_cast<MPI_Aint>(plan.unique[u] * rowBytes);
      MPI_Datatype view;
      MPI_Type_create_hindexed_block(static_cast<int>(u1 - u0), 1, displs.data(), row, &view);
      MPI_Type_commit(&view);
      int rc = MPI_File_set_view(fh_, dataOffset_, elem_, view, "native", MPI_INFO_NULL);
      MPI_Type_free(&view);
      if (rc != MPI_SUCCESS) {
        st = Status::error(MESHRT_IO_ERROR,
                           info_.spec + ": cannot set a file view: " + mpiErrorString(rc));
        break;
      }
      MPI_Status status;
      rc = MPI_File_read(fh_, staged.data(), static_cast<int>(n), elem_, &status);
      int got = 0;
      if (rc == MPI_SUCCESS)
        MPI_Get_count(&status, elem_, &got);
      if (rc != MPI_SUCCESS || got != n) {
        st = Status::error(MESHRT_IO_ERROR,
                           rc != MPI_SUCCESS
                               ? info_.spec + ": read error: " + mpiErrorString(rc)
                               : strformat("%s: short read (%d of %lld elements; the file shrank?)",
                                           info_.spec.c_str(), got, static_cast<long long>(n)));
        break;
      }
      bytesRead_ += n * eb;
      st = placeRows(info_, sel, plan, u0, u1, staged.data(), target, out);
    }
    MPI_Type_free(&row);
    return st;
  }

private:
  Status readAt(int64_t offset, void *buf, int64_t n) {
    MPI_Status status;
    int rc = MPI_File_read_at(fh_, offset, buf, static_cast<int>(n), MPI_BYTE, &status);
    int got = 0;
    if (rc == MPI_SUCCESS)
      MPI_Get_count(&status, MPI_BYTE, &got);
    if (rc != MPI_SUCCESS || got != n)
      return Status::error(
          MESHRT_IO_ERROR,
          info_.spec + ": read error: " + (rc != MPI_SUCCESS ? mpiErrorString(rc) : "short read"));
    bytesRead_ += n;
    return Status::success();
  }
  std::string shapeText() const {
    std::string s = "[";
    for (size_t i = 0; i < info_.shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(info_.shape[i]);
    return s + "]";
  }

  MPI_File fh_ = MPI_FILE_NULL;
  MPI_Datatype elem_ = MPI_DATATYPE_NULL;
  int64_t dataOffset_ = 0;
};

} // namespace

Status openNpyReader(const std::string &spec, std::unique_ptr<ArrayReader> *out) {
  auto reader = std::make_unique<NpyReader>();
  Status st = reader->openFile(spec);
  if (!st.ok())
    return st;
  *out = std::move(reader);
  return Status::success();
}

} // namespace meshrt::io
