// meshc-data: converts datasets to the formats meshc programs read with --data (a NumPy .npy
// file or an HDF5 dataset), and says what a data file holds.
//
//   meshc-data convert IN OUT   IN: an IDX file (MNIST, Fashion-MNIST), gzip-compressed or not
//                               OUT: FILE.npy or FILE.h5:/DATASET (added to FILE.h5 if it exists)
//   meshc-data info FILE        FILE: IDX (.gz), .npy or FILE.h5:/DATASET
//
// The element type is kept (u8 images stay u8; IDX's i8 and i16 widen to i32, the smallest
// signed type the runtime reads). A converter, not the training path: it reads the whole input.
#include "io/array_reader.h"
#include "io/hdf5_util.h"
#include "io/tensor_file.h"

#include <hdf5.h>
#include <mpi.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace meshrt::io;

namespace {

const char kUsage[] =
    "usage: meshc-data convert IN OUT\n"
    "       meshc-data info FILE\n"
    "\n"
    "convert  reads IN, an IDX file (as MNIST and Fashion-MNIST ship; gzip-compressed or not),\n"
    "         and writes OUT, a NumPy file (OUT.npy) or an HDF5 dataset (FILE.h5:/NAME; added\n"
    "         to FILE.h5 when it exists). The element type is kept: u8 stays u8, i32, f32 and\n"
    "         f64 likewise; IDX's i8 and i16 become i32.\n"
    "info     prints the shape and element type of FILE: an IDX file, a .npy file or an HDF5\n"
    "         dataset FILE.h5:/NAME.\n"
    "\n"
    "example: meshc-data convert /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\\n"
    "             train_x.npy\n";

struct Array {
  ElemType type = ElemType::U8;
  std::vector<int64_t> shape;
  std::vector<char> data; // little-endian, row-major
};

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool isIdx(const std::string &path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    return false;
  unsigned char m[2];
  bool idx = gzread(f, m, 2) == 2 && m[0] == 0 && m[1] == 0;
  gzclose(f);
  return idx;
}

// Reads a whole IDX file (zlib reads plain files as they are). Returns "" or the problem.
std::string readIdx(const std::string &path, Array *out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    return std::string("cannot open: ") + std::strerror(errno);
  auto readAll = [&](void *buf, int64_t n, std::string *err) {
    int64_t done = 0;
    while (done < n) {
      unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
      int r = gzread(f, static_cast<char *>(buf) + done, chunk);
      if (r < 0) {
        int code = 0;
        *err = std::string("corrupt gzip data: ") + gzerror(f, &code);
        return done;
      }
      if (r == 0)
        break;
      done += r;
    }
    return done;
  };
  std::string err;
  unsigned char magic[4];
  int64_t got = readAll(magic, 4, &err);
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  if (!err.empty())
    return err;
  if (got < 4 || magic[0] != 0 || magic[1] != 0)
    return "not an IDX file (it does not start with two zero bytes)";
  int widen = 0; // IDX i8/i16, read then widened to i32
  switch (magic[2]) {
  case 0x08:
    out->type = ElemType::U8;
    break;
  case 0x09:
    out->type = ElemType::I32;
    widen = 1;
    break;
  case 0x0B:
    out->type = ElemType::I32;
    widen = 2;
    break;
  case 0x0C:
    out->type = ElemType::I32;
    break;
  case 0x0D:
    out->type = ElemType::F32;
    break;
  case 0x0E:
    out->type = ElemType::F64;
    break;
  default: {
    char buf[96];
    std::snprintf(buf, sizeof(buf),
                  "unknown IDX element type 0x%02X (IDX has 0x08, 0x09, 0x0B-0x0E)", magic[2]);
    return buf;
  }
  }
  int nd = magic[3];
  if (nd == 0)
    return "an IDX file of 0 dims (no sample dim)";
  std::vector<unsigned char> dims(4 * static_cast<size_t>(nd));
  if (readAll(dims.data(), 4 * nd, &err) != 4 * nd)
    return err.empty() ? "truncated: the file ends inside its dims" : err;
  int64_t count = 1;
  out->shape.clear();
  for (int d = 0; d < nd; ++d) {
    int64_t n = static_cast<int64_t>(dims[4 * d]) << 24 | dims[4 * d + 1] << 16 |
                dims[4 * d + 2] << 8 | dims[4 * d + 3];
    out->shape.push_back(n);
    if (n != 0 && count > INT64_MAX / n)
      return "corrupt: the dims overflow";
    count *= n;
  }
  int64_t fileElem = widen ? widen : elemBytes(out->type);
  if (count > (int64_t(1) << 40) / fileElem)
    return "corrupt: the dims describe more than 1 TiB";
  std::vector<char> raw(static_cast<size_t>(count * fileElem));
  got = readAll(raw.data(), static_cast<int64_t>(raw.size()), &err);
  if (!err.empty())
    return err;
  if (got != static_cast<int64_t>(raw.size()))
    return "truncated: the header's shape " + shapeText(out->shape) + " needs " +
           std::to_string(raw.size()) + " data bytes, the file has " + std::to_string(got);
  char extra;
  if (readAll(&extra, 1, &err) != 0)
    return "corrupt: bytes after the data the header's shape " + shapeText(out->shape) +
           " describes";
  // IDX is big-endian.
  out->data.resize(static_cast<size_t>(count * elemBytes(out->type)));
  for (int64_t i = 0; i < count; ++i) {
    const unsigned char *s = reinterpret_cast<unsigned char *>(raw.data()) + i * fileElem;
    if (widen) {
      int32_t v = widen == 1 ? static_cast<int8_t>(s[0]) : static_cast<int16_t>(s[0] << 8 | s[1]);
      std::memcpy(out->data.data() + 4 * i, &v, 4);
    } else {
      for (int64_t b = 0; b < fileElem; ++b)
        out->data[i * fileElem + b] = static_cast<char>(s[fileElem - 1 - b]);
    }
  }
  return "";
}

std::string writeNpy(const std::string &path, const Array &a) {
  meshrt::Slice s;
  s.ndims = static_cast<int>(a.shape.size());
  int64_t stride = 1;
  for (int d = s.ndims - 1; d >= 0; --d) {
    s.global[d] = s.local[d] = a.shape[d];
    s.offset[d] = 0;
    s.globalStride[d] = stride;
    stride *= a.shape[d];
  }
  std::unique_ptr<NpyWriter> w;
  meshrt::Status st = NpyWriter::create(MPI_COMM_SELF, path, a.type, a.shape, &w);
  if (st.ok())
    st = w->write(s, a.data.data(), true);
  if (st.ok())
    st = w->commit();
  return st.message;
}

std::string writeHdf5(const std::string &file, const std::string &dataset, const Array &a) {
  quietHdf5();
  hid_t f;
  FILE *probe = std::fopen(file.c_str(), "rb");
  if (probe) {
    std::fclose(probe);
    if (H5Fis_hdf5(file.c_str()) <= 0)
      return file + " exists and is not an HDF5 file";
    f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  } else {
    f = H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  }
  if (f < 0)
    return "cannot open " + file + ": " + hdf5Error();
  std::string err;
  if (H5Lexists(f, dataset.c_str(), H5P_DEFAULT) > 0) {
    err = file + " already has '" + dataset + "' (pick another name)";
  } else {
    H5Eclear2(H5E_DEFAULT);
    hid_t fileType, memType;
    switch (a.type) {
    case ElemType::U8:
      fileType = H5T_STD_U8LE;
      memType = H5T_NATIVE_UINT8;
      break;
    case ElemType::I32:
      fileType = H5T_STD_I32LE;
      memType = H5T_NATIVE_INT32;
      break;
    case ElemType::I64:
      fileType = H5T_STD_I64LE;
      memType = H5T_NATIVE_INT64;
      break;
    case ElemType::F32:
      fileType = H5T_IEEE_F32LE;
      memType = H5T_NATIVE_FLOAT;
      break;
    default:
      fileType = H5T_IEEE_F64LE;
      memType = H5T_NATIVE_DOUBLE;
      break;
    }
    std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    // Contiguous layout: a row selection reads exactly its bytes.
    hid_t d = H5Dcreate2(f, dataset.c_str(), fileType, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0)
      err = "cannot create " + file + ":" + dataset + ": " + hdf5Error();
    else if (H5Dwrite(d, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data()) < 0)
      err = "cannot write " + file + ":" + dataset + ": " + hdf5Error();
    if (d >= 0)
      H5Dclose(d);
    H5Pclose(lcpl);
    H5Sclose(space);
  }
  if (H5Fclose(f) < 0 && err.empty())
    err = "cannot close " + file + ": " + hdf5Error();
  return err;
}

int fail(const std::string &msg) {
  std::fprintf(stderr, "meshc-data: error: %s\n", msg.c_str());
  return 1;
}

// The command, once the arguments are known to be one.
int run(char **argv) {
  std::string cmd = argv[1];
  std::string in = argv[2];
  if (cmd == "info") {
    if (in.rfind(":/") == std::string::npos && isIdx(in)) {
      Array a;
      std::string err = readIdx(in, &a);
      if (!err.empty())
        return fail(in + ": " + err);
      std::printf("%s: IDX, shape %s, %s\n", in.c_str(), shapeText(a.shape).c_str(),
                  elemTypeName(a.type));
      return 0;
    }
    std::unique_ptr<ArrayReader> r;
    meshrt::Status st = ArrayReader::open(in, &r);
    if (!st.ok())
      return fail(st.message);
    std::printf("%s: %s, shape %s, %s\n", in.c_str(),
                in.rfind(":/") == std::string::npos ? "NumPy" : "HDF5",
                shapeText(r->info().shape).c_str(), elemTypeName(r->info().type));
    return 0;
  }
  std::string out = argv[3];
  Array a;
  std::string err = readIdx(in, &a);
  if (!err.empty())
    return fail(in + ": " + err);
  size_t colon = out.rfind(":/");
  if (colon != std::string::npos && colon > 0)
    err = writeHdf5(out.substr(0, colon), out.substr(colon + 1), a);
  else if (out.size() >= 4 && out.compare(out.size() - 4, 4, ".npy") == 0)
    err = writeNpy(out, a);
  else
    err = "output " + out + ": name a .npy file or an HDF5 dataset FILE.h5:/NAME";
  if (!err.empty())
    return fail(err);
  std::printf("%s -> %s: shape %s, %s\n", in.c_str(), out.c_str(), shapeText(a.shape).c_str(),
              elemTypeName(a.type));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string cmd = argc >= 2 ? argv[1] : "";
  if (!((cmd == "convert" && argc == 4) || (cmd == "info" && argc == 3))) {
    std::fprintf(stderr, "meshc-data: expected 'convert IN OUT' or 'info FILE' (see --help)\n");
    return 2;
  }
  // MPI-IO (the .npy writer and reader) needs MPI; one process, no mpirun.
  MPI_Init(&argc, &argv);
  int rc = run(argv);
  MPI_Finalize();
  return rc;
}
