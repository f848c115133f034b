// io_thread_test.cpp — the data path's threading: readers (.npy through MPI-IO, HDF5) used from
// a prefetch thread while the main thread runs collectives on MPI_COMM_WORLD, as
// runtime/src/data's loader does (MPI initialised with MPI_THREAD_MULTIPLE). Every batch read
// on the thread must equal the formula of big.npy / big.h5 (a[i, j] = i * 512 + j), and the
// main thread's allreduces must stay right meanwhile.
//   io_thread_test FIXTURE_DIR
#include "io/array_reader.h"

#include <mpi.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace meshrt::io;

int main(int argc, char **argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (provided < MPI_THREAD_MULTIPLE || argc != 2) {
    if (rank == 0)
      std::fprintf(stderr, provided < MPI_THREAD_MULTIPLE ? "no MPI_THREAD_MULTIPLE\n"
                                                          : "usage: io_thread_test FIXTURE_DIR\n");
    MPI_Finalize();
    return 1;
  }
  std::string dir = argv[1];
  std::atomic<int> bad{0};
  std::atomic<bool> done{false};
  std::thread prefetch([&] {
    for (std::string spec : {dir + "/big.npy", dir + "/big.h5:/big"}) {
      std::unique_ptr<ArrayReader> r;
      auto st = ArrayReader::open(spec, &r);
      if (!st.ok()) {
        std::fprintf(stderr, "rank %d: %s\n", rank, st.message.c_str());
        ++bad;
        continue;
      }
      for (int batch = 0; batch < 50; ++batch) {
        RowSelection sel;
        for (int i = 0; i < 16; ++i)
          sel.rows.push_back((batch * 131 + i * 37 + rank * 7) % 2048);
        sel.lo = {rank * 512 / size};
        sel.hi = {(rank + 1) * 512 / size};
        int64_t w = sel.hi[0] - sel.lo[0];
        std::vector<float> out(sel.rows.size() * w);
        st = r->read(sel, ElemType::F32, out.data());
        if (!st.ok()) {
          std::fprintf(stderr, "rank %d: %s\n", rank, st.message.c_str());
          ++bad;
          break;
        }
        for (size_t i = 0; i < sel.rows.size(); ++i)
          for (int64_t j = 0; j < w; ++j)
            if (out[i * w + j] != static_cast<float>(sel.rows[i] * 512 + sel.lo[0] + j))
              ++bad;
      }
    }
    done = true;
  });
  // The "step": collectives on the main thread until the reads are done (and at least 100).
  int steps = 0, wrong = 0;
  for (bool finished = false; !finished || steps < 100; ++steps) {
    std::vector<float> v(4096, static_cast<float>(rank + 1)), sum(4096);
    MPI_Allreduce(v.data(), sum.data(), 4096, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (sum[4095] != static_cast<float>(size * (size + 1) / 2))
      ++wrong;
    int mine = done ? 1 : 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    finished = all == 1;
  }
  prefetch.join();
  int total = bad + wrong, worst = 0;
  MPI_Allreduce(&total, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0)
    std::printf("%d collective steps while reading 2 x 50 batches on a thread: %s\n", steps,
                worst ? "WRONG" : "all values right");
  MPI_Finalize();
  return worst ? 1 : 0;
}
