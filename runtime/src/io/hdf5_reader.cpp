// hdf5_reader.cpp — ArrayReader over an HDF5 dataset, through Debian's parallel HDF5 with the
// MPI-IO driver on MPI_COMM_SELF: each read() selects the union of the rows' blocks (one
// hyperslab per run of consecutive rows) and reads only that, in file order, into a buffer of
// the dataset's own element type, which the shared placement then converts.
#include "io/hdf5_util.h"
#include "io/mpi_io_util.h"
#include "io/read_plan.h"
#include "io/readers.h"

#include <vector>

namespace meshrt::io {

namespace {

// The element types meshrt reads, from the dataset's HDF5 type (any byte order).
bool elemTypeOf(hid_t type, ElemType *out, hid_t *memType) {
  H5T_class_t cls = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  if (cls == H5T_INTEGER) {
    H5T_sign_t sign = H5Tget_sign(type);
    if (size == 1 && sign == H5T_SGN_NONE) {
      *out = ElemType::U8;
      *memType = H5T_NATIVE_UINT8;
      return true;
    }
    if (size == 4 && sign == H5T_SGN_2) {
      *out = ElemType::I32;
      *memType = H5T_NATIVE_INT32;
      return true;
    }
    if (size == 8 && sign == H5T_SGN_2) {
      *out = ElemType::I64;
      *memType = H5T_NATIVE_INT64;
      return true;
    }
  } else if (cls == H5T_FLOAT) {
    if (size == 4) {
      *out = ElemType::F32;
      *memType = H5T_NATIVE_FLOAT;
      return true;
    }
    if (size == 8) {
      *out = ElemType::F64;
      *memType = H5T_NATIVE_DOUBLE;
      return true;
    }
  }
  return false;
}

std::string typeText(hid_t type) {
  H5T_class_t cls = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  const char *name = cls == H5T_INTEGER    ? (H5Tget_sign(type) == H5T_SGN_NONE ? "unsigned integer"
                                                                                : "signed integer")
                     : cls == H5T_FLOAT    ? "float"
                     : cls == H5T_STRING   ? "string"
                     : cls == H5T_COMPOUND ? "compound"
                                           : "non-numeric";
  return strformat("%s of %zu bytes", name, size);
}

class Hdf5Reader final : public ArrayReader {
public:
  ~Hdf5Reader() override {
    if (space_ >= 0)
      H5Sclose(space_);
    if (dset_ >= 0)
      H5Dclose(dset_);
    if (file_ >= 0)
      H5Fclose(file_);
  }

  Status openDataset(const std::string &spec, const std::string &path, const std::string &dataset) {
    info_.spec = spec;
    quietHdf5();
    std::string err;
    if (fileSize(path, &err) < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": cannot open " + path + ": " + err);
    htri_t is = H5Fis_hdf5(path.c_str());
    if (is <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return Status::error(MESHRT_IO_ERROR, spec + ": " + path + " is not an HDF5 file");
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    MPI_Info hints = noSievingHints();
    H5Pset_fapl_mpio(fapl, MPI_COMM_SELF, hints);
    MPI_Info_free(&hints);
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (file_ < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": cannot open " + path + ": " + hdf5Error());
    // Each link of the path must exist before the next can be asked about.
    for (size_t slash = dataset.find('/', 1);; slash = dataset.find('/', slash + 1)) {
      std::string prefix = dataset.substr(0, slash);
      if (prefix.size() > 1 && H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return Status::error(MESHRT_IO_ERROR, spec + ": no dataset '" + dataset + "' in " + path);
      }
      if (slash == std::string::npos)
        break;
    }
    H5O_info_t oinfo;
    if (H5Oget_info_by_name2(file_, dataset.c_str(), &oinfo, H5O_INFO_BASIC | H5O_INFO_HDR,
                             H5P_DEFAULT) < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": " + hdf5Error());
    if (oinfo.type != H5O_TYPE_DATASET)
      return Status::error(MESHRT_IO_ERROR,
                           spec + ": '" + dataset + "' in " + path + " is not a dataset");
    dset_ = H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT);
    if (dset_ < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": cannot open the dataset: " + hdf5Error());
    hid_t type = H5Dget_type(dset_);
    bool known = elemTypeOf(type, &info_.type, &memType_);
    std::string text = typeText(type);
    H5Tclose(type);
    if (!known)
      return Status::error(MESHRT_IO_ERROR, spec + ": unsupported element type (" + text +
                                                "; meshrt reads u8, i32, i64, f32, f64)");
    space_ = H5Dget_space(dset_);
    int nd = H5Sget_simple_extent_ndims(space_);
    if (nd < 0)
      return Status::error(MESHRT_IO_ERROR, spec + ": " + hdf5Error());
    if (nd == 0)
      return Status::error(MESHRT_IO_ERROR,
                           spec +
                               ": a scalar dataset (no sample dim; the leading dim is the sample)");
    std::vector<hsize_t> dims(nd);
    H5Sget_simple_extent_dims(space_, dims.data(), nullptr);
    info_.shape.assign(dims.begin(), dims.end());
    // HDF5 reads the metadata through its cache, out of our sight: the estimate is the
    // superblock, the root group's object header and the dataset's.
    H5F_info2_t finfo;
    H5O_info_t root;
    int64_t header = oinfo.hdr.space.total;
    if (H5Fget_info2(file_, &finfo) >= 0)
      header += static_cast<int64_t>(finfo.super.super_size + finfo.super.super_ext_size);
    if (H5Oget_info_by_name2(file_, "/", &root, H5O_INFO_HDR, H5P_DEFAULT) >= 0)
      header += static_cast<int64_t>(root.hdr.space.total);
    H5Eclear2(H5E_DEFAULT);
    info_.headerBytes = header;
    bytesRead_ = header;
    return Status::success();
  }

  Status read(const RowSelection &sel, ElemType target, void *out) override {
    ReadPlan plan;
    Status st = planRead(info_, sel, &plan);
    if (!st.ok())
      return st;
    size_t nd = info_.shape.size();
    int64_t eb = elemBytes(info_.type);
    std::vector<char> staged;
    std::vector<hsize_t> start(nd), count(nd);
    for (size_t d = 1; d < nd; ++d) {
      start[d] = static_cast<hsize_t>(plan.start[d - 1]);
      count[d] = static_cast<hsize_t>(plan.sub[d - 1]);
    }
    for (size_t u0 = 0; u0 < plan.unique.size(); u0 += static_cast<size_t>(plan.rowsPerChunk)) {
      size_t u1 = std::min(plan.unique.size(), u0 + static_cast<size_t>(plan.rowsPerChunk));
      hsize_t n = static_cast<hsize_t>(u1 - u0) * static_cast<hsize_t>(plan.blockElems);
      staged.resize(static_cast<size_t>(n) * static_cast<size_t>(eb));
      hid_t fileSpace = H5Scopy(space_);
      H5Sselect_none(fileSpace);
      // One hyperslab per run of consecutive rows.
      for (size_t u = u0; u < u1;) {
        size_t v = u + 1;
        while (v < u1 && plan.unique[v] == plan.unique[v - 1] + 1)
          ++v;
        start[0] = static_cast<hsize_t>(plan.unique[u]);
        count[0] = static_cast<hsize_t>(v - u);
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_OR, start.data(), nullptr, count.data(), nullptr);
        u = v;
      }
      hid_t memSpace = H5Screate_simple(1, &n, nullptr);
      herr_t rc = H5Dread(dset_, memType_, memSpace, fileSpace, H5P_DEFAULT, staged.data());
      H5Sclose(memSpace);
      H5Sclose(fileSpace);
      if (rc < 0)
        return Status::error(MESHRT_IO_ERROR, info_.spec + ": read error: " + hdf5Error());
      bytesRead_ += static_cast<int64_t>(n) * eb;
      st = placeRows(info_, sel, plan, u0, u1, staged.data(), target, out);
      if (!st.ok())
        return st;
    }
    return Status::success();
  }

private:
  hid_t file_ = -1, dset_ = -1, space_ = -1;
  hid_t memType_ = -1;
};

} // namespace

Status openHdf5Reader(const std::string &spec, const std::string &path, const std::string &dataset,
                      std::unique_ptr<ArrayReader> *out) {
  auto reader = std::make_unique<Hdf5Reader>();
  Status st = reader->openDataset(spec, path, dataset);
  if (!st.ok())
    return st;
  *out = std::move(reader);
  return Status::success();
}

} // namespace meshrt::io
