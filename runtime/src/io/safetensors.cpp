// safetensors.cpp — checkpoints as safetensors files: an 8-byte little-endian header length,
// a JSON header (dtype, shape and data_offsets of every tensor, "__metadata__"), padded with
// spaces to a multiple of 8, then the tensors' bytes (row-major, little-endian).
//
// Saving: every rank writes its blocks in parallel through MPI-IO file views into a temporary
// file beside the target, which rank 0 renames over it once all ranks have synced (atomic
// replacement). Loading: rank 0 reads and checks the header, every rank parses the same bytes,
// then reads its own blocks on MPI_COMM_SELF.
#include "io/mpi_io_util.h"
#include "io/tensor_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <unordered_map>

namespace meshrt::io {

namespace {

using OrderedJson = nlohmann::ordered_json;

// safetensors' own limit on the header (100 MB): a larger length is a corrupt file.
constexpr int64_t kMaxHeaderBytes = 100'000'000;

std::string shapeText(const int64_t *dims, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string where(const std::string &path) { return "checkpoint " + path; }

Status ioError(const std::string &path, const std::string &what) {
  return Status::error(MESHRT_IO_ERROR, where(path) + ": " + what);
}
Status mismatch(const std::string &path, const std::string &what) {
  return Status::error(MESHRT_INVALID_ARGUMENT, where(path) + ": " + what);
}

// FNV-1a: the ranks compare the headers they built without sending them.
uint64_t fnv1a(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

bool checkSlice(const Slice &s, std::string *err) {
  if (s.ndims < 0 || s.ndims > kMaxSliceDims) {
    *err = "has " + std::to_string(s.ndims) + " dims";
    return false;
  }
  for (int d = 0; d < s.ndims; ++d)
    if (s.global[d] < 0 || s.local[d] < 0 || s.offset[d] < 0 ||
        s.offset[d] + s.local[d] > s.global[d]) {
      *err = "block out of range in dim " + std::to_string(d) + " (global " +
             shapeText(s.global, s.ndims) + ", block " + shapeText(s.local, s.ndims) + " at " +
             shapeText(s.offset, s.ndims) + ")";
      return false;
    }
  return true;
}

int64_t globalCount(const Slice &s) {
  int64_t n = 1;
  for (int d = 0; d < s.ndims; ++d)
    n *= s.global[d];
  return n;
}

// The file type of this rank's block of a tensor, or `elem` itself when the block is empty
// (then nothing is transferred) or the tensor is 0-d.
bool blockFileType(const Slice &s, MPI_Datatype elem, MPI_Datatype *out, std::string *err) {
  if (s.localCount() == 0) {
    MPI_Type_dup(elem, out);
    return true;
  }
  if (s.localCount() > INT_MAX) {
    *err =
        "a block of " + std::to_string(s.localCount()) + " elements is beyond MPI-IO's int counts";
    return false;
  }
  return makeBlockType(s.ndims, s.global, s.local, s.offset, elem, out, err);
}

// Checks a parsed header and fills the index; every rank runs it on the same bytes.
Status parseIndex(const std::string &path, const std::string &header, int64_t fileSize,
                  SafetensorsIndex *out) {
  OrderedJson j;
  try {
    j = OrderedJson::parse(header);
  } catch (const nlohmann::json::exception &e) {
    return ioError(path, std::string("corrupt header: ") + e.what());
  }
  if (!j.is_object())
    return ioError(path, "corrupt header: not a JSON object");
  SafetensorsIndex idx;
  idx.dataStart = 8 + static_cast<int64_t>(header.size());
  int64_t dataBytes = fileSize - idx.dataStart;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string &name = it.key();
    const OrderedJson &v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object())
        return ioError(path, "corrupt header: __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          return ioError(path, "corrupt header: metadata '" + m.key() + "' is not a string");
        idx.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    std::string t = "tensor '" + name + "'";
    if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets"))
      return ioError(path,
                     "corrupt header: " + t + " is not an object of dtype, shape and data_offsets");
    if (!v["dtype"].is_string())
      return ioError(path, "corrupt header: " + t + " has a dtype that is not a string");
    std::string dtype = v["dtype"].get<std::string>();
    TensorEntry e;
    e.name = name;
    auto type = fromSafetensorsDtype(dtype);
    if (!type)
      return ioError(path, t + " has unsupported dtype '" + dtype +
                               "' (meshrt reads U8, I32, I64, F32, F64)");
    e.type = *type;
    const OrderedJson &shape = v["shape"], &offs = v["data_offsets"];
    if (!shape.is_array() || shape.size() > static_cast<size_t>(kMaxSliceDims))
      return ioError(path, "corrupt header: " + t + " has no valid shape");
    int64_t bytes = elemBytes(e.type);
    for (const auto &d : shape) {
      if (!d.is_number_unsigned())
        return ioError(path, "corrupt header: " + t + " has a shape that is not of sizes");
      int64_t n = static_cast<int64_t>(std::min<uint64_t>(d.get<uint64_t>(), INT64_MAX));
      if (n != 0 && bytes > INT64_MAX / n)
        return ioError(path, "corrupt header: " + t + " has a shape that overflows");
      bytes *= n;
      e.shape.push_back(n);
    }
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() ||
        !offs[1].is_number_unsigned())
      return ioError(path, "corrupt header: " + t + " has no valid data_offsets");
    uint64_t b = offs[0].get<uint64_t>(), en = offs[1].get<uint64_t>();
    if (b > en || en - b != static_cast<uint64_t>(bytes))
      return ioError(
          path, strformat("corrupt header: %s has data_offsets [%llu, %llu] for %lld "
                          "bytes of %s %s",
                          t.c_str(), static_cast<unsigned long long>(b),
                          static_cast<unsigned long long>(en), static_cast<long long>(bytes),
                          dtype.c_str(),
                          shapeText(e.shape.data(), static_cast<int>(e.shape.size())).c_str()));
    if (en > static_cast<uint64_t>(dataBytes))
      return ioError(path, strformat("truncated: %s ends at byte %llu of the data, the file has "
                                     "%lld data bytes",
                                     t.c_str(), static_cast<unsigned long long>(en),
                                     static_cast<long long>(dataBytes)));
    e.begin = static_cast<int64_t>(b);
    e.end = static_cast<int64_t>(en);
    idx.tensors.push_back(std::move(e));
  }
  std::vector<const TensorEntry *> byOffset;
  for (const auto &e : idx.tensors)
    if (e.end > e.begin)
      byOffset.push_back(&e);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorEntry *a, const TensorEntry *b) { return a->begin < b->begin; });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->begin < byOffset[i - 1]->end)
      return ioError(path, "corrupt header: the data of tensors '" + byOffset[i - 1]->name +
                               "' and '" + byOffset[i]->name + "' overlap");
  *out = std::move(idx);
  return Status::success();
}

// Rank 0's part of reading the index: the header bytes and the file size.
Status readHeader(const std::string &path, std::string *header, int64_t *size) {
  std::string err;
  *size = fileSize(path, &err);
  if (*size < 0)
    return ioError(path, "cannot open: " + err);
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return ioError(path, std::string("cannot open: ") + std::strerror(errno));
  auto readFully = [&](void *buf, int64_t n, int64_t off) {
    int64_t done = 0;
    while (done < n) {
      ssize_t r =
          ::pread(fd, static_cast<char *>(buf) + done, static_cast<size_t>(n - done), off + done);
      if (r <= 0)
        return false;
      done += r;
    }
    return true;
  };
  Status st;
  unsigned char len8[8];
  if (*size < 8) {
    st = ioError(path, strformat("truncated: %lld bytes (a safetensors file starts with an "
                                 "8-byte header length)",
                                 static_cast<long long>(*size)));
  } else if (!readFully(len8, 8, 0)) {
    st = ioError(path, std::string("read error: ") + std::strerror(errno));
  } else {
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i)
      len = len << 8 | len8[i];
    if (len > static_cast<uint64_t>(kMaxHeaderBytes))
      st = ioError(path, strformat("corrupt: header length %llu (not a safetensors file?)",
                                   static_cast<unsigned long long>(len)));
    else if (static_cast<int64_t>(len) > *size - 8)
      st = ioError(path,
                   strformat("truncated: header length %llu, the file has %lld bytes",
                             static_cast<unsigned long long>(len), static_cast<long long>(*size)));
    else {
      header->resize(len);
      if (!readFully(header->data(), static_cast<int64_t>(len), 8))
        st = ioError(path, std::string("read error: ") + std::strerror(errno));
    }
  }
  ::close(fd);
  return st;
}

} // namespace

Status readSafetensorsIndex(MPI_Comm comm, const std::string &path, SafetensorsIndex *out) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string header;
  int64_t size = 0;
  Status st;
  if (rank == 0) {
    st = readHeader(path, &header, &size);
    SafetensorsIndex idx;
    if (st.ok())
      st = parseIndex(path, header, size, &idx);
  }
  st = agreeStatus(comm, st);
  if (!st.ok())
    return st;
  int64_t meta[2] = {size, static_cast<int64_t>(header.size())};
  MPI_Bcast(meta, 2, MPI_INT64_T, 0, comm);
  header.resize(static_cast<size_t>(meta[1]));
  if (meta[1] > 0)
    MPI_Bcast(header.data(), static_cast<int>(meta[1]), MPI_CHAR, 0, comm);
  return parseIndex(path, header, meta[0], out);
}

Status saveSafetensors(MPI_Comm comm, const std::string &path, const std::vector<SliceOut> &tensors,
                       const Metadata &metadata) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  // The header and the file types of this rank's blocks.
  Status st;
  std::string header;
  std::vector<int64_t> begins;
  std::vector<MPI_Datatype> elems, views;
  try {
    OrderedJson h = OrderedJson::object();
    h["__metadata__"] = OrderedJson::object();
    for (const auto &[k, v] : metadata)
      h["__metadata__"][k] = v;
    int64_t offset = 0;
    for (const auto &t : tensors) {
      std::string err;
      if (t.name.empty() || t.name == "__metadata__" || h.contains(t.name))
        err = "invalid or repeated tensor name '" + t.name + "'";
      else if (!checkSlice(t.slice, &err))
        err = "tensor '" + t.name + "' " + err;
      else if (t.writer && t.slice.localCount() > 0 && !t.data)
        err = "tensor '" + t.name + "' has no data";
      if (!err.empty()) {
        st = mismatch(path, err);
        break;
      }
      int64_t bytes = globalCount(t.slice) * elemBytes(t.type);
      OrderedJson shape = OrderedJson::array();
      for (int d = 0; d < t.slice.ndims; ++d)
        shape.push_back(t.slice.global[d]);
      h[t.name] = {{"dtype", safetensorsDtype(t.type)},
                   {"shape", shape},
                   {"data_offsets", {offset, offset + bytes}}};
      begins.push_back(offset);
      offset += bytes;
      MPI_Datatype elem = byteElemType(elemBytes(t.type)), view;
      elems.push_back(elem);
      if (!blockFileType(t.slice, elem, &view, &err)) {
        st = mismatch(path, "tensor '" + t.name + "': " + err);
        break;
      }
      views.push_back(view);
    }
    header = h.dump();
  } catch (const nlohmann::json::exception &e) {
    st = mismatch(path, std::string("cannot write the header: ") + e.what());
  }
  header.append((8 - header.size() % 8) % 8, ' ');
  // All ranks must describe the same file.
  uint64_t hash = fnv1a(header), lo = 0, hi = 0;
  MPI_Allreduce(&hash, &lo, 1, MPI_UINT64_T, MPI_MIN, comm);
  MPI_Allreduce(&hash, &hi, 1, MPI_UINT64_T, MPI_MAX, comm);
  if (st.ok() && lo != hi)
    st = mismatch(path, "the ranks pass different tensor lists, shapes or metadata");
  auto freeTypes = [&] {
    for (auto &t : views)
      MPI_Type_free(&t);
    for (auto &t : elems)
      MPI_Type_free(&t);
  };
  st = agreeStatus(comm, st);
  if (!st.ok()) {
    freeTypes();
    return st;
  }
  int64_t dataStart = 8 + static_cast<int64_t>(header.size());
  int64_t total = dataStart;
  for (const auto &t : tensors)
    total += globalCount(t.slice) * elemBytes(t.type);

  std::string tmp = rank == 0 ? tempPathFor(path) : std::string();
  int64_t tmpLen = static_cast<int64_t>(tmp.size());
  MPI_Bcast(&tmpLen, 1, MPI_INT64_T, 0, comm);
  tmp.resize(static_cast<size_t>(tmpLen));
  MPI_Bcast(tmp.data(), static_cast<int>(tmpLen), MPI_CHAR, 0, comm);

  MPI_File fh;
  int rc = MPI_File_open(comm, tmp.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
  st = agreeStatus(comm, rc == MPI_SUCCESS
                             ? Status::success()
                             : ioError(path, "cannot create " + tmp + ": " + mpiErrorString(rc)));
  if (!st.ok()) {
    freeTypes();
    return st;
  }
  // From here every rank takes part in every collective call; a local failure is remembered
  // and agreed on at the end.
  Status local;
  auto note = [&](int code, const std::string &what) {
    if (code != MPI_SUCCESS && local.ok())
      local = ioError(path, what + ": " + mpiErrorString(code));
  };
  note(MPI_File_set_size(fh, total), "cannot size " + tmp);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto &t = tensors[i];
    if (globalCount(t.slice) == 0)
      continue;
    note(MPI_File_set_view(fh, dataStart + begins[i], elems[i], views[i], "native", MPI_INFO_NULL),
         "cannot set a file view");
    int count = t.writer ? static_cast<int>(t.slice.localCount()) : 0;
    MPI_Status status;
    note(MPI_File_write_all(fh, count ? t.data : nullptr, count, elems[i], &status),
         "write error in tensor '" + t.name + "'");
  }
  note(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL),
       "cannot set a file view");
  std::string head(8, '\0');
  for (int i = 0; i < 8; ++i)
    head[i] = static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  head += header;
  MPI_Status status;
  note(MPI_File_write_at_all(fh, 0, head.data(), rank == 0 ? static_cast<int>(head.size()) : 0,
                             MPI_BYTE, &status),
       "write error in the header");
  note(MPI_File_sync(fh), "cannot sync " + tmp);
  note(MPI_File_close(&fh), "cannot close " + tmp);
  freeTypes();
  st = agreeStatus(comm, local);
  if (rank == 0) {
    if (st.ok())
      local = renameDurably(tmp, path, where(path));
    if (!st.ok() || !local.ok())
      ::unlink(tmp.c_str());
  }
  if (!st.ok())
    return st;
  return agreeStatus(comm, local);
}

Status loadSafetensors(MPI_Comm comm, const std::string &path, const std::vector<SliceIn> &tensors,
                       SafetensorsIndex *indexOut) {
  SafetensorsIndex index;
  Status st = readSafetensorsIndex(comm, path, &index);
  if (!st.ok())
    return st;
  std::unordered_map<std::string, const TensorEntry *> byName;
  for (const auto &e : index.tensors)
    byName[e.name] = &e;
  Status local;
  MPI_File fh = MPI_FILE_NULL;
  std::vector<char> staged;
  for (const auto &t : tensors) {
    auto it = byName.find(t.name);
    if (it == byName.end()) {
      std::string names;
      for (size_t i = 0; i < index.tensors.size() && i < 8; ++i)
        names += (i ? ", " : "") + index.tensors[i].name;
      if (index.tensors.size() > 8)
        names += ", ...";
      local = mismatch(path, "no tensor '" + t.name + "' (the file has " +
                                 (names.empty() ? std::string("none") : names) + ")");
      break;
    }
    const TensorEntry &e = *it->second;
    std::string err;
    if (!checkSlice(t.slice, &err)) {
      local = mismatch(path, "tensor '" + t.name + "': the program's slice " + err);
      break;
    }
    if (static_cast<int>(e.shape.size()) != t.slice.ndims ||
        !std::equal(e.shape.begin(), e.shape.end(), t.slice.global)) {
      local = mismatch(path, "tensor '" + t.name + "' has shape " +
                                 shapeText(e.shape.data(), static_cast<int>(e.shape.size())) +
                                 ", the program's is " + shapeText(t.slice.global, t.slice.ndims));
      break;
    }
    int64_t n = t.slice.localCount();
    if (n == 0)
      continue;
    if (!t.data) {
      local = mismatch(path, "tensor '" + t.name + "' has no buffer");
      break;
    }
    if (fh == MPI_FILE_NULL) {
      MPI_Info hints = noSievingHints();
      int rc = MPI_File_open(MPI_COMM_SELF, path.c_str(), MPI_MODE_RDONLY, hints, &fh);
      MPI_Info_free(&hints);
      if (rc != MPI_SUCCESS) {
        fh = MPI_FILE_NULL;
        local = ioError(path, "cannot open: " + mpiErrorString(rc));
        break;
      }
    }
    MPI_Datatype elem = byteElemType(elemBytes(e.type)), view;
    if (!blockFileType(t.slice, elem, &view, &err)) {
      MPI_Type_free(&elem);
      local = mismatch(path, "tensor '" + t.name + "': " + err);
      break;
    }
    staged.resize(static_cast<size_t>(n * elemBytes(e.type)));
    int rc = MPI_File_set_view(fh, index.dataStart + e.begin, elem, view, "native", MPI_INFO_NULL);
    int got = 0;
    if (rc == MPI_SUCCESS) {
      MPI_Status status;
      rc = MPI_File_read(fh, staged.data(), static_cast<int>(n), elem, &status);
      if (rc == MPI_SUCCESS)
        MPI_Get_count(&status, elem, &got);
    }
    MPI_Type_free(&view);
    MPI_Type_free(&elem);
    if (rc != MPI_SUCCESS || got != n) {
      local = ioError(path, "tensor '" + t.name + "': " +
                                (rc != MPI_SUCCESS ? "read error: " + mpiErrorString(rc)
                                                   : std::string("short read (the file shrank?)")));
      break;
    }
    int64_t bad = -1;
    if (!convertElems(e.type, staged.data(), t.type, t.data, n, &bad)) {
      local = mismatch(
          path, strformat("tensor '%s' is %s, the program's is %s, and element %lld "
                          "of this rank's block (%s) is not a value %s holds",
                          t.name.c_str(), safetensorsDtype(e.type), elemTypeName(t.type),
                          static_cast<long long>(bad),
                          elemValueString(e.type, staged.data() + bad * elemBytes(e.type)).c_str(),
                          elemTypeName(t.type)));
      break;
    }
  }
  if (fh != MPI_FILE_NULL)
    MPI_File_close(&fh);
  st = agreeStatus(comm, local);
  if (st.ok() && indexOut)
    *indexOut = std::move(index);
  return st;
}

} // namespace meshrt::io
