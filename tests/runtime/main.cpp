// main.cpp — GoogleTest driver for the runtime tests under mpirun.
//
// Every rank runs every test in the same order (collective tests need that). Only rank 0 prints
// the usual report; other ranks print just their failures, tagged with the rank. The exit code
// is the worst over all ranks, so a failure on any rank fails the ctest.
#include <gtest/gtest.h>
#include <mpi.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult &result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                   result.file_name() ? result.file_name() : "?", result.line_number(),
                   result.summary());
  }

private:
  int rank_;
};

} // namespace

int main(int argc, char **argv) {
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  // SERIALIZED: what the executables ask for, so that the communication thread runs
  // (nonblocking_collectives_test.cpp).
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // Two threads so that the kernels' parallel paths run too (the machines have 2 cores).
  omp_set_num_threads(2);
  if (rank != 0) {
    auto &listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(rank));
  }
  int rc = RUN_ALL_TESTS();
  int worst = rc;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
