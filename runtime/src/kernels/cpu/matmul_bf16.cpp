// matmul_bf16.cpp — oneDNN's bf16 matmul behind --precision bf16 on the CPU (matmul_bf16.h).
//
// oneDNN's C++ API reports errors as exceptions; they are caught here and become Status values,
// so none crosses the C ABI.
#include "kernels/cpu/matmul_bf16.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

namespace meshrt::cpu {

namespace {

using dnnl::memory;
using Dt = memory::data_type;

// One shape's primitives: the two f32 -> bf16 reorders (which also undo a transposition) and
// the matmul, with memory objects whose data handles are set per call.
struct Entry {
  dnnl::reorder toA, toB;
  dnnl::matmul mul;
  memory a32, b32, a16, b16, c32;
};

// A [batch, rows, cols] f32 operand stored as rows x cols, or cols x rows when transposed.
memory::desc f32Operand(int64_t batch, int64_t rows, int64_t cols, bool trans) {
  const memory::dims strides =
      trans ? memory::dims{rows * cols, 1, rows} : memory::dims{rows * cols, cols, 1};
  return memory::desc({batch, rows, cols}, Dt::f32, strides);
}

memory::desc plain(int64_t batch, int64_t rows, int64_t cols, Dt type) {
  return memory::desc({batch, rows, cols}, type, memory::format_tag::abc);
}

} // namespace

struct Bf16Matmul::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, bool, bool>, Entry> entries;
  std::vector<uint16_t> a16, b16; // bf16 copies of the inputs, reused across calls

  Entry &entry(int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
    auto key = std::make_tuple(batch, m, n, k, transA, transB);
    auto it = entries.find(key);
    if (it != entries.end())
      return it->second;
    Entry e;
    const memory::desc a32 = f32Operand(batch, m, k, transA), b32 = f32Operand(batch, k, n, transB);
    const memory::desc a16 = plain(batch, m, k, Dt::bf16), b16 = plain(batch, k, n, Dt::bf16);
    const memory::desc c32 = plain(batch, m, n, Dt::f32);
    e.toA = dnnl::reorder(dnnl::reorder::primitive_desc(engine, a32, engine, a16));
    e.toB = dnnl::reorder(dnnl::reorder::primitive_desc(engine, b32, engine, b16));
    e.mul = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a16, b16, c32), engine));
    e.a32 = memory(a32, engine, nullptr);
    e.b32 = memory(b32, engine, nullptr);
    e.a16 = memory(a16, engine, nullptr);
    e.b16 = memory(b16, engine, nullptr);
    e.c32 = memory(c32, engine, nullptr);
    return entries.emplace(key, std::move(e)).first->second;
  }
};

Bf16Matmul::Bf16Matmul(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Bf16Matmul::~Bf16Matmul() = default;

Status Bf16Matmul::create(std::unique_ptr<Bf16Matmul> *out, std::string *impl) {
  try {
    auto state = std::make_unique<Impl>();
    const memory::desc a = plain(1, 16, 16, Dt::bf16), c = plain(1, 16, 16, Dt::f32);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, a, c), state->engine);
    *impl = pd.impl_info_str();
    out->reset(new Bf16Matmul(std::move(state)));
    return Status::success();
  } catch (const dnnl::error &e) {
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("oneDNN has no bf16 matmul for this CPU (%s; oneDNN 2.x needs "
                                   "AVX-512)",
                                   e.what()));
  }
}

Status Bf16Matmul::run(int64_t batch, int64_t m, int64_t n, int64_t k, const float *a, bool transA,
                       const float *b, bool transB, float *c) {
  if (batch == 0 || m == 0 || n == 0)
    return Status::success();
  if (k == 0) { // an empty sum
    std::fill(c, c + batch * m * n, 0.0f);
    return Status::success();
  }
  try {
    Entry &e = impl_->entry(batch, m, n, k, transA, transB);
    // The counts were checked to fit int64 bytes as f32, so they fit as bf16.
    impl_->a16.resize(static_cast<size_t>(batch * m * k));
    impl_->b16.resize(static_cast<size_t>(batch * k * n));
    e.a32.set_data_handle(const_cast<float *>(a));
    e.b32.set_data_handle(const_cast<float *>(b));
    e.a16.set_data_handle(impl_->a16.data());
    e.b16.set_data_handle(impl_->b16.data());
    e.c32.set_data_handle(c);
    e.toA.execute(impl_->stream, e.a32, e.a16);
    e.toB.execute(impl_->stream, e.b32, e.b16);
    e.mul.execute(impl_->stream,
                  {{DNNL_ARG_SRC, e.a16}, {DNNL_ARG_WEIGHTS, e.b16}, {DNNL_ARG_DST, e.c32}});
    impl_->stream.wait();
    return Status::success();
  } catch (const dnnl::error &e) {
    return Status::error(MESHRT_KERNEL_ERROR,
                         strformat("oneDNN bf16 matmul failed (%s) on batch=%lld m=%lld n=%lld "
                                   "k=%lld",
                                   e.what(), static_cast<long long>(batch),
                                   static_cast<long long>(m), static_cast<long long>(n),
                                   static_cast<long long>(k)));
  }
}

} // namespace meshrt::cpu
