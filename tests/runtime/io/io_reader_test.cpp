// io_reader_test.cpp — ArrayReader (runtime/src/io) against files written by NumPy and h5py
// (make_reader_fixtures.py): selections read and converted equal NumPy's indexing and astype
// element for element; refused files and selections give their one-line errors; a rank reading
// its slice reads its blocks and no more (bytesRead, and the kernel's count of bytes read).
#include "io/array_reader.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

using meshrt::io::ArrayReader;
using meshrt::io::ElemType;
using meshrt::io::RowSelection;

namespace {

std::string fixtureDir() {
  const char *d = std::getenv("MESHRT_IO_FIXTURES");
  return d ? d : "";
}

nlohmann::json manifest() {
  std::ifstream in(fixtureDir() + "/manifest.json");
  return nlohmann::json::parse(in);
}

std::vector<char> slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

RowSelection selection(const nlohmann::json &c) {
  RowSelection sel;
  sel.rows = c["rows"].get<std::vector<int64_t>>();
  sel.lo = c["lo"].get<std::vector<int64_t>>();
  sel.hi = c["hi"].get<std::vector<int64_t>>();
  return sel;
}

ElemType target(const nlohmann::json &c) {
  return c["target"] == "i32" ? ElemType::I32 : ElemType::F32;
}

// Bytes this process has read through read()-like system calls (/proc/self/io rchar).
int64_t processReadBytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (in >> key >> value)
    if (key == "rchar:")
      return value;
  return -1;
}

int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int worldSize() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

class ReaderTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (fixtureDir().empty())
      GTEST_SKIP() << "MESHRT_IO_FIXTURES is not set (ctest sets it)";
  }
};

TEST_F(ReaderTest, SelectionsEqualNumPy) {
  auto m = manifest();
  ASSERT_GT(m["cases"].size(), 50u);
  for (const auto &c : m["cases"]) {
    std::string spec = c["spec"];
    SCOPED_TRACE(spec + " case " + c["expected"].get<std::string>());
    std::unique_ptr<ArrayReader> r;
    auto st = ArrayReader::open(spec, &r);
    ASSERT_TRUE(st.ok()) << st.message;
    RowSelection sel = selection(c);
    std::vector<char> expected = slurp(fixtureDir() + "/" + c["expected"].get<std::string>());
    std::vector<char> got(expected.size() + 16, '\x5a');
    st = r->read(sel, target(c), got.data());
    ASSERT_TRUE(st.ok()) << st.message;
    size_t n = expected.size() / 4;
    for (size_t i = 0; i < n; ++i) {
      if (target(c) == ElemType::F32) {
        float a, b;
        std::memcpy(&a, got.data() + 4 * i, 4);
        std::memcpy(&b, expected.data() + 4 * i, 4);
        ASSERT_EQ(a, b) << "element " << i;
      } else {
        int32_t a, b;
        std::memcpy(&a, got.data() + 4 * i, 4);
        std::memcpy(&b, expected.data() + 4 * i, 4);
        ASSERT_EQ(a, b) << "element " << i;
      }
    }
    // Nothing written past the selection.
    for (size_t i = expected.size(); i < got.size(); ++i)
      ASSERT_EQ(got[i], '\x5a');
  }
}

TEST_F(ReaderTest, RefusedFilesGiveOneLineErrors) {
  auto m = manifest();
  for (const auto &c : m["open_errors"]) {
    std::string spec = c["spec"];
    std::unique_ptr<ArrayReader> r;
    auto st = ArrayReader::open(spec, &r);
    EXPECT_FALSE(st.ok()) << spec;
    EXPECT_EQ(st.code, MESHRT_IO_ERROR) << spec;
    EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
    EXPECT_TRUE(std::regex_search(st.message, std::regex(c["error"].get<std::string>())))
        << "message: " << st.message << "\nexpected: " << c["error"].get<std::string>();
    EXPECT_EQ(st.message.rfind(spec, 0), 0u) << "names the spec first: " << st.message;
  }
}

TEST_F(ReaderTest, RefusedSelectionsGiveOneLineErrors) {
  auto m = manifest();
  for (const auto &c : m["read_errors"]) {
    std::unique_ptr<ArrayReader> r;
    auto st = ArrayReader::open(c["spec"], &r);
    ASSERT_TRUE(st.ok()) << st.message;
    std::vector<float> out(64);
    st = r->read(selection(c), target(c), out.data());
    EXPECT_EQ(st.code, MESHRT_INVALID_ARGUMENT) << st.message;
    EXPECT_TRUE(std::regex_search(st.message, std::regex(c["error"].get<std::string>())))
        << "message: " << st.message << "\nexpected: " << c["error"].get<std::string>();
  }
}

// Each rank reads every 4th of its rows (rank, rank + P, ...) and its column block: a
// selection spread over the whole file. A reader that read the span between the first and the
// last selected byte (ROMIO's data sieving) would read about 4x the selection.
TEST_F(ReaderTest, RankReadsOnlyItsSlice) {
  int rank = worldRank(), size = worldSize();
  const int64_t rows = 2048, cols = 512;
  for (std::string spec : {fixtureDir() + "/big.npy", fixtureDir() + "/big.h5:/big"}) {
    SCOPED_TRACE(spec);
    RowSelection sel;
    for (int64_t r = rank; r < rows; r += 4 * size)
      sel.rows.push_back(r);
    int64_t lo = rank * cols / size, hi = (rank + 1) * cols / size;
    sel.lo = {lo};
    sel.hi = {hi};
    int64_t blockBytes = static_cast<int64_t>(sel.rows.size()) * (hi - lo) * 4;

    int64_t before = processReadBytes();
    std::unique_ptr<ArrayReader> r;
    auto st = ArrayReader::open(spec, &r);
    ASSERT_TRUE(st.ok()) << st.message;
    std::vector<float> out(sel.rows.size() * (hi - lo));
    st = r->read(sel, ElemType::F32, out.data());
    ASSERT_TRUE(st.ok()) << st.message;
    int64_t after = processReadBytes();

    for (size_t i = 0; i < sel.rows.size(); ++i)
      for (int64_t j = lo; j < hi; ++j)
        ASSERT_EQ(out[i * (hi - lo) + (j - lo)], static_cast<float>(sel.rows[i] * cols + j));
    EXPECT_EQ(r->bytesRead(), r->info().headerBytes + blockBytes);
    EXPECT_LT(r->info().headerBytes, 4096);
    // The kernel's count: the blocks, the headers and HDF5's metadata, with room for the few
    // reads of MPI's own (a slack far below the 4 MiB file and the ~3x sieving would add).
    ASSERT_GE(before, 0) << "no /proc/self/io";
    EXPECT_GE(after - before, blockBytes);
    EXPECT_LE(after - before, blockBytes + 64 * 1024)
        << "rank " << rank << " read " << (after - before) << " bytes for a slice of "
        << blockBytes;
  }
}

} // namespace
