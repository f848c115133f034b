// io_tensor_file_test.cpp — safetensors checkpoints and the .npy writer (runtime/src/io/
// tensor_file.h) across ranks: saved with split and replicated tensors on this mesh, loaded
// with other splits and types; the file NumPy wrote loads; corrupt, truncated and mismatched
// files give the same one-line error on every rank; failed and uncommitted writes leave
// nothing behind. The NumPy side checks the files these tests leave in MESHRT_IO_SCRATCH
// (ctest runtime.io.numpy_reads.*).
#include "io/array_reader.h"
#include "io/tensor_file.h"
#include "standard_tensors.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstring>
#include <dirent.h>
#include <fstream>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

using namespace meshrt::io;
using meshrt::Slice;
using meshrt::Status;

namespace {

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// The slice of `shape` whose dim `dim` is cut into `parts` blocks, block `part` (dim -1: whole).
Slice makeSlice(const std::vector<int64_t> &shape, int dim = -1, int parts = 1, int part = 0) {
  Slice s;
  s.ndims = static_cast<int>(shape.size());
  int64_t stride = 1;
  for (int d = s.ndims - 1; d >= 0; --d) {
    s.global[d] = shape[d];
    s.local[d] = shape[d];
    s.offset[d] = 0;
    s.globalStride[d] = stride;
    stride *= shape[d];
  }
  if (dim >= 0) {
    s.local[dim] = shape[dim] / parts;
    s.offset[dim] = s.local[dim] * part;
  }
  return s;
}

// The block's elements by tensor k's formula, converted to `type`.
std::vector<char> blockValues(size_t k, ElemType type, const Slice &s) {
  ElemType fileType = io_test::standardTensors()[k].type;
  int64_t n = s.localCount();
  std::vector<char> out(static_cast<size_t>(n * elemBytes(type)));
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, flat = 0;
    for (int d = s.ndims - 1; d >= 0; --d) {
      int64_t c = rem % s.local[d];
      rem /= s.local[d];
      flat += (c + s.offset[d]) * s.globalStride[d];
    }
    double v = io_test::standardValue(k, fileType, flat);
    EXPECT_TRUE(
        convertElems(ElemType::F64, &v, type, out.data() + i * elemBytes(type), 1, nullptr));
  }
  return out;
}

std::string scratch() {
  const char *d = std::getenv("MESHRT_IO_SCRATCH");
  std::string dir = d ? d : "/tmp/meshrt_io_scratch." + std::to_string(getppid());
  if (rank() == 0)
    ::mkdir(dir.c_str(), 0755);
  MPI_Barrier(MPI_COMM_WORLD);
  return dir;
}

// The standard tensors as this mesh saves them: split, replicated with one writer, 0-d.
struct SaveSet {
  std::vector<std::vector<char>> data;
  std::vector<SliceOut> out;
};
SaveSet saveSet() {
  int p = size(), r = rank();
  int two = p >= 2 ? 2 : 1;
  SaveSet set;
  const auto &tensors = io_test::standardTensors();
  std::vector<std::pair<Slice, bool>> slices = {
      {makeSlice(tensors[0].shape, 0, p, r), true},
      {makeSlice(tensors[1].shape, 1, p, r), true},
      {makeSlice(tensors[2].shape), r == p - 1},
      {makeSlice(tensors[3].shape), r == 0},
      {makeSlice(tensors[4].shape, 0, two, r % two), r < two},
      {makeSlice(tensors[5].shape, 1, p, r), true},
  };
  for (size_t k = 0; k < tensors.size(); ++k)
    set.data.push_back(blockValues(k, tensors[k].type, slices[k].first));
  for (size_t k = 0; k < tensors.size(); ++k)
    set.out.push_back(
        {tensors[k].name, tensors[k].type, slices[k].first, set.data[k].data(), slices[k].second});
  return set;
}

// Loads the standard tensors with other splits than saveSet's and other types, and checks
// every element against the formula.
void loadAndCheck(const std::string &path) {
  int p = size(), r = rank();
  int two = p >= 2 ? 2 : 1;
  const auto &tensors = io_test::standardTensors();
  struct Want {
    Slice slice;
    ElemType type;
  };
  std::vector<Want> wants = {
      {makeSlice(tensors[0].shape), ElemType::F32},
      {makeSlice(tensors[1].shape, 1, p, p - 1 - r), ElemType::F32},
      {makeSlice(tensors[2].shape), ElemType::F32},
      {makeSlice(tensors[3].shape), ElemType::I32},
      {makeSlice(tensors[4].shape, 1, two, r % two), ElemType::F32},
      {makeSlice(tensors[5].shape, 0, p, r), ElemType::I32},
  };
  std::vector<std::vector<char>> bufs;
  std::vector<SliceIn> in;
  for (size_t k = 0; k < tensors.size(); ++k)
    bufs.emplace_back(static_cast<size_t>(wants[k].slice.localCount() * 4));
  for (size_t k = 0; k < tensors.size(); ++k)
    in.push_back({tensors[k].name, wants[k].type, wants[k].slice, bufs[k].data()});
  SafetensorsIndex index;
  Status st = loadSafetensors(MPI_COMM_WORLD, path, in, &index);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(index.tensors.size(), tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    EXPECT_EQ(index.tensors[k].name, tensors[k].name);
    EXPECT_EQ(index.tensors[k].type, tensors[k].type);
    EXPECT_EQ(index.tensors[k].shape, tensors[k].shape);
    std::vector<char> want = blockValues(k, wants[k].type, wants[k].slice);
    ASSERT_EQ(std::memcmp(want.data(), bufs[k].data(), want.size()), 0) << tensors[k].name;
  }
}

// Every rank got the same message.
void expectSameEverywhere(const std::string &msg) {
  int len = static_cast<int>(msg.size()), lo = 0, hi = 0;
  MPI_Allreduce(&len, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&len, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  ASSERT_EQ(lo, hi);
  std::string root = msg;
  MPI_Bcast(root.data(), len, MPI_CHAR, 0, MPI_COMM_WORLD);
  EXPECT_EQ(root, msg);
}

void writeRaw(const std::string &path, const std::string &bytes) {
  if (rank() == 0) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

std::string safetensorsBytes(const std::string &header, const std::string &data, int64_t len = -1) {
  std::string h = header;
  h.append((8 - h.size() % 8) % 8, ' ');
  uint64_t n = len >= 0 ? static_cast<uint64_t>(len) : h.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::vector<std::string> filesIn(const std::string &dir) {
  std::vector<std::string> names;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
        names.push_back(e->d_name);
    closedir(d);
  }
  return names;
}

TEST(Safetensors, SavedSplitAndReplicatedLoadsWithOtherSplits) {
  std::string path = scratch() + "/meshc_written.safetensors";
  SaveSet set = saveSet();
  Metadata meta = {{"mesh", "b=" + std::to_string(size())}, {"step", "42"}};
  Status st = saveSafetensors(MPI_COMM_WORLD, path, set.out, meta);
  ASSERT_TRUE(st.ok()) << st.message;
  loadAndCheck(path);
  SafetensorsIndex index;
  ASSERT_TRUE(readSafetensorsIndex(MPI_COMM_WORLD, path, &index).ok());
  EXPECT_EQ(index.metadata, meta);
  EXPECT_EQ(index.dataStart % 8, 0);
  // Saved over an existing file: replaced, and no temporary file left beside it.
  st = saveSafetensors(MPI_COMM_WORLD, path, set.out, meta);
  ASSERT_TRUE(st.ok()) << st.message;
  loadAndCheck(path);
  MPI_Barrier(MPI_COMM_WORLD);
  for (const auto &name : filesIn(scratch()))
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
}

TEST(Safetensors, NumPyWrittenFileLoads) {
  const char *fixtures = std::getenv("MESHRT_IO_FIXTURES");
  if (!fixtures)
    GTEST_SKIP() << "MESHRT_IO_FIXTURES is not set (ctest sets it)";
  loadAndCheck(std::string(fixtures) + "/numpy_written.safetensors");
}

struct BadFile {
  std::string bytes;
  std::string error; // regular expression
  meshrt_status_code_t code;
};

TEST(Safetensors, BadFilesGiveOneErrorOnEveryRank) {
  std::string dir = scratch();
  std::string good = dir + "/good.safetensors";
  SaveSet set = saveSet();
  ASSERT_TRUE(saveSafetensors(MPI_COMM_WORLD, good, set.out, {}).ok());
  std::string goodBytes;
  {
    std::ifstream f(good, std::ios::binary);
    goodBytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::string f4 = std::string(16, '\0');
  std::vector<BadFile> cases = {
      {goodBytes.substr(0, goodBytes.size() - 3),
       "truncated: tensor 'pix' ends at byte [0-9]+ of the data, the file has [0-9]+ data bytes$",
       MESHRT_IO_ERROR},
      {goodBytes.substr(0, 5), "truncated: 5 bytes \\(a safetensors file starts with an 8-byte",
       MESHRT_IO_ERROR},
      {safetensorsBytes("{}", "", 1ll << 40), "corrupt: header length 1099511627776",
       MESHRT_IO_ERROR},
      {safetensorsBytes("{}", "", 4000), "truncated: header length 4000, the file has 16 bytes$",
       MESHRT_IO_ERROR},
      {safetensorsBytes("{\"a\": {\"dtype\": \"F32\",", ""),
       "corrupt header: \\[json.exception.parse_error", MESHRT_IO_ERROR},
      {safetensorsBytes("[1, 2]", ""), "corrupt header: not a JSON object$", MESHRT_IO_ERROR},
      {safetensorsBytes(R"({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})", f4),
       "tensor 'a' has unsupported dtype 'BF16' \\(meshrt reads U8, I32, I64, F32, F64\\)$",
       MESHRT_IO_ERROR},
      {safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}})", f4),
       "corrupt header: tensor 'a' has data_offsets \\[0, 12\\] for 16 bytes of F32 \\[2, 2\\]$",
       MESHRT_IO_ERROR},
      {safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                        R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                        f4),
       "corrupt header: the data of tensors 'a' and 'b' overlap$", MESHRT_IO_ERROR},
      {safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", f4),
       "corrupt header: tensor 'a' has a shape that is not of sizes$", MESHRT_IO_ERROR},
      {safetensorsBytes(R"({"__metadata__": {"x": 1}})", ""),
       "corrupt header: metadata 'x' is not a string$", MESHRT_IO_ERROR},
  };
  std::string bad = dir + "/bad.safetensors";
  for (const auto &c : cases) {
    writeRaw(bad, c.bytes);
    SliceIn in{"pix", ElemType::F32, makeSlice({4, 4}), nullptr};
    std::vector<float> buf(16);
    in.data = buf.data();
    Status st = loadSafetensors(MPI_COMM_WORLD, bad, {in});
    EXPECT_EQ(st.code, c.code) << st.message;
    EXPECT_TRUE(std::regex_search(st.message, std::regex("^checkpoint " + bad + ": " + c.error)))
        << "message: " << st.message << "\nexpected: " << c.error;
    EXPECT_EQ(st.message.find('\n'), std::string::npos);
    expectSameEverywhere(st.message);
  }
  // Missing file.
  Status st = loadSafetensors(MPI_COMM_WORLD, dir + "/none.safetensors", {});
  EXPECT_EQ(st.message,
            "checkpoint " + dir + "/none.safetensors: cannot open: No such file or directory");
  expectSameEverywhere(st.message);

  // The file is fine; the program disagrees with it (one rank's mismatch fails every rank).
  std::vector<float> buf(64);
  struct Mismatch {
    SliceIn in;
    std::string error;
  };
  std::vector<Mismatch> mismatches = {
      {{"zzz", ElemType::F32, makeSlice({2}), buf.data()},
       "no tensor 'zzz' \\(the file has w_split0, w_split1, b_repl, step, counts, pix\\)$"},
      {{"w_split1", ElemType::F32, makeSlice({8, 3}), buf.data()},
       "tensor 'w_split1' has shape \\[3, 8\\], the program's is \\[8, 3\\]$"},
      {{"b_repl", ElemType::I32, makeSlice({5}), buf.data()},
       "tensor 'b_repl' is F64, the program's is i32, and element 1 of this rank's block "
       "\\(2000.25\\) is not a value i32 holds$"},
  };
  for (const auto &m : mismatches) {
    // Only the last rank asks for the bad tensor; the others ask for a good one.
    SliceIn in =
        rank() == size() - 1 ? m.in : SliceIn{"pix", ElemType::F32, makeSlice({4, 4}), buf.data()};
    st = loadSafetensors(MPI_COMM_WORLD, good, {in});
    EXPECT_EQ(st.code, MESHRT_INVALID_ARGUMENT) << st.message;
    EXPECT_TRUE(std::regex_search(st.message, std::regex("^checkpoint " + good + ": " + m.error)))
        << "message: " << st.message << "\nexpected: " << m.error;
    expectSameEverywhere(st.message);
  }
}

TEST(Safetensors, FailedSavesLeaveTheOldFile) {
  std::string dir = scratch();
  std::string path = dir + "/kept.safetensors";
  SaveSet set = saveSet();
  ASSERT_TRUE(saveSafetensors(MPI_COMM_WORLD, path, set.out, {}).ok());
  // Ranks that disagree on the tensors: refused before anything is written.
  SaveSet other = saveSet();
  if (rank() == size() - 1)
    other.out[0].slice.global[1] = 5;
  Status st = saveSafetensors(MPI_COMM_WORLD, path, other.out, {});
  if (size() > 1) {
    EXPECT_EQ(st.message,
              "checkpoint " + path + ": the ranks pass different tensor lists, shapes or metadata");
  } else {
    EXPECT_EQ(st.message, "checkpoint " + path +
                              ": tensor 'w_split0' block out of range in dim 1 (global [8, 5], "
                              "block [8, 6] at [0, 0])");
  }
  expectSameEverywhere(st.message);
  // An unwritable place.
  st = saveSafetensors(MPI_COMM_WORLD, dir + "/no/such/dir/x.safetensors", set.out, {});
  EXPECT_EQ(st.code, MESHRT_IO_ERROR);
  EXPECT_TRUE(std::regex_search(st.message,
                                std::regex("^checkpoint .*/no/such/dir/x.safetensors: "
                                           "cannot create .*\\.x\\.safetensors\\.tmp-[0-9]+: ")))
      << st.message;
  expectSameEverywhere(st.message);
  loadAndCheck(path);
}

// A [12, 6] f32 output written as 3 batches of 4 rows, each batch's rows split over the ranks
// (and, with 4 ranks, the columns over 2 of them, the rows over the other 2).
TEST(NpyWriter, BatchesWrittenByAllRanks) {
  std::string path = scratch() + "/pred.npy";
  int p = size(), r = rank();
  std::unique_ptr<NpyWriter> w;
  ASSERT_TRUE(NpyWriter::create(MPI_COMM_WORLD, path, ElemType::F32, {12, 6}, &w).ok());
  for (int b = 0; b < 3; ++b) {
    Slice s = makeSlice({12, 6});
    int rowParts = p == 4 ? 2 : p, colParts = p == 4 ? 2 : 1;
    s.local[0] = 4 / rowParts;
    s.offset[0] = b * 4 + (r % rowParts) * s.local[0];
    s.local[1] = 6 / colParts;
    s.offset[1] = (r / rowParts) * s.local[1];
    std::vector<float> block(static_cast<size_t>(s.localCount()));
    for (int64_t i = 0; i < s.local[0]; ++i)
      for (int64_t j = 0; j < s.local[1]; ++j)
        block[i * s.local[1] + j] =
            static_cast<float>((s.offset[0] + i) * 100 + (s.offset[1] + j) * 0.5);
    Status st = w->write(s, block.data(), true);
    ASSERT_TRUE(st.ok()) << st.message;
  }
  Status st = w->commit();
  ASSERT_TRUE(st.ok()) << st.message;
  w.reset();
  // Read back through the reader (NumPy reads it too: runtime.io.numpy_reads.*).
  std::unique_ptr<ArrayReader> reader;
  ASSERT_TRUE(ArrayReader::open(path, &reader).ok());
  EXPECT_EQ(reader->info().shape, (std::vector<int64_t>{12, 6}));
  RowSelection sel{{11, 0, 5}, {0}, {6}};
  std::vector<float> out(18);
  ASSERT_TRUE(reader->read(sel, ElemType::F32, out.data()).ok());
  EXPECT_EQ(out[0], 1100.0f);
  EXPECT_EQ(out[17], 502.5f);
}

TEST(NpyWriter, UncommittedLeavesNothing) {
  std::string dir = scratch() + "/uncommitted";
  if (rank() == 0)
    ::mkdir(dir.c_str(), 0755);
  MPI_Barrier(MPI_COMM_WORLD);
  {
    std::unique_ptr<NpyWriter> w;
    ASSERT_TRUE(NpyWriter::create(MPI_COMM_WORLD, dir + "/p.npy", ElemType::I32, {4}, &w).ok());
    Slice s = makeSlice({4});
    std::vector<int32_t> v = {1, 2, 3, 4};
    ASSERT_TRUE(w->write(s, v.data(), rank() == 0).ok());
    // A block of the wrong shape: refused on every rank.
    Slice wrong = makeSlice({5});
    Status st = w->write(wrong, v.data(), true);
    EXPECT_EQ(st.code, MESHRT_INVALID_ARGUMENT);
    expectSameEverywhere(st.message);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_TRUE(filesIn(dir).empty()) << filesIn(dir).front();
}

} // namespace
