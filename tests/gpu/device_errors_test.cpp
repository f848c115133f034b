// device_errors_test.cpp — meshrt_context_use_device's refusals, which need no GPU: an unknown
// device kind, matmul precision or collective path is named in the message; a context that
// already allocated cannot move; and where no GPU can be used, "cuda" fails with a message that
// names the failing CUDA call or says the build has no CUDA.
#include "device_pair.h"

#include <regex>

using namespace meshrt_gpu_test;

namespace {

// A fresh context's use_device(kind, precision, comm): the status code, and the message.
struct Outcome {
  meshrt_status_code_t code;
  std::string message;
};
Outcome useDevice(const char *kind, const char *precision, const char *comm) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  meshrt_status_code_t code = meshrt_context_use_device(ctx.get(), kind, precision, comm);
  EXPECT_EQ(code, meshrt_context_status(ctx.get()));
  return {code, meshrt_context_message(ctx.get())};
}

} // namespace

TEST(DeviceErrors, DeviceCounts) {
  EXPECT_EQ(meshrt_device_count("cpu"), 1);
  EXPECT_EQ(meshrt_device_count("tpu"), 0);
  EXPECT_GE(meshrt_device_count("cuda"), 0);
}

TEST(DeviceErrors, UnknownKindIsNamed) {
  Outcome o = useDevice("tpu", nullptr, nullptr);
  EXPECT_EQ(o.code, MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(o.message.find("'tpu'"), std::string::npos) << o.message;
}

TEST(DeviceErrors, UnknownPrecisionIsNamed) {
  Outcome o = useDevice("cuda", "fp8", nullptr);
  EXPECT_EQ(o.code, MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(o.message.find("'fp8'"), std::string::npos) << o.message;
}

TEST(DeviceErrors, UnknownCollectivePathIsNamed) {
  Outcome o = useDevice("cuda", "fp32", "foo");
  EXPECT_EQ(o.code, MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(o.message.find("'foo'"), std::string::npos) << o.message;
}

TEST(DeviceErrors, CpuStaysOnTheHost) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  EXPECT_EQ(meshrt_context_use_device(ctx.get(), "cpu", nullptr, nullptr), MESHRT_OK);
  EXPECT_EQ(std::string(meshrt_context_device_name(ctx.get())), "cpu");
  // Host memory: plain loads work.
  float *p = static_cast<float *>(meshrt_alloc(ctx.get(), 16));
  ASSERT_NE(p, nullptr);
  p[1] = 2.5f;
  EXPECT_EQ(meshrt_load_f32(ctx.get(), p + 1), 2.5f);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(DeviceErrors, RefusedAfterTheContextAllocated) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  ASSERT_NE(meshrt_alloc(ctx.get(), 64), nullptr);
  EXPECT_EQ(meshrt_context_use_device(ctx.get(), "cuda", nullptr, nullptr),
            MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("meshrt_context_use_device"),
            std::string::npos)
      << meshrt_context_message(ctx.get());
}

TEST(DeviceErrors, CudaWithoutAUsableGpuNamesTheCause) {
  if (haveCuda())
    GTEST_SKIP() << "a CUDA device is present";
  Outcome o = useDevice("cuda", "fp32", nullptr);
  EXPECT_NE(o.code, MESHRT_OK);
  // e.g. "--device cuda on rank 0: cudaGetDeviceCount failed: CUDA driver version is
  // insufficient for CUDA runtime version", or "... built without CUDA support".
  EXPECT_TRUE(std::regex_search(o.message, std::regex("cuda[A-Z][A-Za-z]+|without CUDA")))
      << o.message;
  EXPECT_NE(o.message.find("rank"), std::string::npos) << o.message;
  EXPECT_EQ(o.message.find('\n'), std::string::npos) << "one line: " << o.message;
}
