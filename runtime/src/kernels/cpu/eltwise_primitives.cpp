// eltwise_primitives.cpp — oneDNN eltwise forward primitives behind meshrt_unary's math ops
// (eltwise_primitives.h).
//
// oneDNN's C++ API reports errors as exceptions; they are caught here and become Status values,
// so none crosses the C ABI.
#include "kernels/cpu/eltwise_primitives.h"

#include "context.h"
#include "meshrt/meshrt.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <tuple>

namespace meshrt::cpu {

namespace {

using dnnl::algorithm;

// The oneDNN algorithm of a meshrt_unary op, or undef. Leaky relu is oneDNN's relu with a
// negative slope alpha.
algorithm algorithmOf(int op) {
  switch (op) {
  case MESHRT_SIGMOID:
    return algorithm::eltwise_logistic;
  case MESHRT_TANH:
    return algorithm::eltwise_tanh;
  case MESHRT_EXP:
    return algorithm::eltwise_exp;
  case MESHRT_LOG:
    return algorithm::eltwise_log;
  case MESHRT_SQRT:
    return algorithm::eltwise_sqrt;
  case MESHRT_LEAKY_RELU:
    return algorithm::eltwise_relu;
  default:
    return algorithm::undef;
  }
}

// One (op, n, alpha)'s primitive and its source/destination memory objects, whose data handles
// are set per call.
struct Entry {
  dnnl::eltwise_forward primitive;
  dnnl::memory src, dst;
};

} // namespace

struct EltwisePrimitives::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  // alpha is part of the key only for leaky relu (0 for the others).
  std::map<std::tuple<int, int64_t, float>, Entry> entries;

  Entry &entry(int op, int64_t n, float alpha) {
    auto key = std::make_tuple(op, n, alpha);
    auto it = entries.find(key);
    if (it != entries.end())
      return it->second;
    const dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
    dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algorithmOf(op), md, alpha,
                                     0.0f);
    Entry e;
    e.primitive = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(desc, engine));
    e.src = dnnl::memory(md, engine, nullptr);
    e.dst = dnnl::memory(md, engine, nullptr);
    return entries.emplace(key, std::move(e)).first->second;
  }
};

EltwisePrimitives::EltwisePrimitives() : impl_(std::make_unique<Impl>()) {}
EltwisePrimitives::~EltwisePrimitives() = default;

bool EltwisePrimitives::handles(int op) { return algorithmOf(op) != algorithm::undef; }

Status EltwisePrimitives::run(int op, int64_t n, float *out, const float *in, float alpha) {
  if (n == 0)
    return Status::success();
  try {
    Entry &e = impl_->entry(op, n, op == MESHRT_LEAKY_RELU ? alpha : 0.0f);
    e.src.set_data_handle(const_cast<float *>(in));
    e.dst.set_data_handle(out);
    e.primitive.execute(impl_->stream, {{DNNL_ARG_SRC, e.src}, {DNNL_ARG_DST, e.dst}});
    impl_->stream.wait();
    return Status::success();
  } catch (const dnnl::error &e) {
    return Status::error(MESHRT_KERNEL_ERROR,
                         strformat("oneDNN eltwise op %d failed (%s) on n=%lld", op, e.what(),
                                   static_cast<long long>(n)));
  }
}

} // namespace meshrt::cpu

namespace meshrt {

cpu::EltwisePrimitives &Context::eltwisePrimitives() {
  if (!eltwise_)
    eltwise_ = std::make_unique<cpu::EltwisePrimitives>();
  return *eltwise_;
}

} // namespace meshrt
