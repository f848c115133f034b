// io_save_loop.cpp — the writer the atomic-save test kills: saves two big tensors split over the
// ranks again and again, every element of version v equal to v (metadata "version" = v), and
// says "saved v" after each save. `check FILE` loads the file on this mesh and verifies that
// it is one complete version.
//
//   io_save_loop save FILE PIDDIR   (writes PIDDIR/<rank>.pid first)
//   io_save_loop check FILE
#include "io/tensor_file.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

using namespace meshrt::io;

namespace {

constexpr int64_t kRows = 1024, kCols = 4096; // 16 MiB of f32 per tensor

meshrt::Slice rowSlice(int parts, int part) {
  meshrt::Slice s;
  s.ndims = 2;
  s.global[0] = kRows;
  s.global[1] = kCols;
  s.local[0] = kRows / parts;
  s.local[1] = kCols;
  s.offset[0] = s.local[0] * part;
  s.offset[1] = 0;
  s.globalStride[0] = kCols;
  s.globalStride[1] = 1;
  return s;
}

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3) {
    if (rank == 0)
      std::fprintf(stderr, "usage: io_save_loop save FILE PIDDIR | check FILE\n");
    MPI_Finalize();
    return 2;
  }
  std::string mode = argv[1], path = argv[2];
  int rc = 0;
  if (mode == "save" && argc == 4) {
    if (FILE *f =
            std::fopen((std::string(argv[3]) + "/" + std::to_string(rank) + ".pid").c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    meshrt::Slice s = rowSlice(size, rank);
    std::vector<float> a(static_cast<size_t>(s.localCount())), b(a.size());
    for (int v = 1; v <= 100000; ++v) {
      std::fill(a.begin(), a.end(), static_cast<float>(v));
      std::fill(b.begin(), b.end(), static_cast<float>(-v));
      meshrt::Status st = saveSafetensors(
          MPI_COMM_WORLD, path,
          {{"a", ElemType::F32, s, a.data(), true}, {"b", ElemType::F32, s, b.data(), true}},
          {{"version", std::to_string(v)}});
      if (!st.ok()) {
        if (rank == 0)
          std::fprintf(stderr, "error: %s\n", st.message.c_str());
        rc = 1;
        break;
      }
      if (rank == 0) {
        std::printf("saved %d\n", v);
        std::fflush(stdout);
      }
    }
  } else if (mode == "check") {
    meshrt::Slice s = rowSlice(1, 0); // every rank loads everything
    std::vector<float> a(static_cast<size_t>(s.localCount())), b(a.size());
    SafetensorsIndex index;
    meshrt::Status st = loadSafetensors(
        MPI_COMM_WORLD, path,
        {{"a", ElemType::F32, s, a.data()}, {"b", ElemType::F32, s, b.data()}}, &index);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.message.c_str());
      rc = 1;
    } else {
      float v = static_cast<float>(std::atoi(index.metadata["version"].c_str()));
      for (size_t i = 0; i < a.size() && rc == 0; ++i)
        if (a[i] != v || b[i] != -v) {
          std::fprintf(stderr, "error: element %zu is %g/%g in version %g\n", i, a[i], b[i], v);
          rc = 1;
        }
      if (rc == 0 && rank == 0)
        std::printf("version %d complete\n", static_cast<int>(v));
    }
  } else {
    rc = 2;
  }
  MPI_Finalize();
  return rc;
}
