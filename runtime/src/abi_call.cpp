// abi_call.cpp — the argument checks of the ABI entry points (see abi_call.h).
#include "abi_call.h"

#include "data/slice_desc.h"
#include "kernels/collapse.h"

#include <cstdarg>

namespace meshrt {

AbiCall::AbiCall(meshrt_context_t handle, ProfileKind kind, std::initializer_list<NamedSize> sizes)
    : profile_(kind), ctx_(unwrap(handle)), name_(abiFunctionName(kind)), ok_(ctx_ && ctx_->ok()) {
  for (const NamedSize &s : sizes)
    if (numNamed_ < kMaxNamed)
      named_[numNamed_++] = s;
  if (!ok_)
    return;
  for (const NamedSize &s : sizes)
    if (s.value < 0 && !s.signedOk) {
      fail(strformat("%s is negative", s.name));
      return;
    }
}

bool AbiCall::fail(std::string why) {
  if (!ok_)
    return false;
  ok_ = false;
  std::string text = std::string(name_) + "(";
  for (int i = 0; i < numNamed_; ++i)
    text += strformat("%s%s=%lld", i ? ", " : "", named_[i].name,
                      static_cast<long long>(named_[i].value));
  text += "): " + why;
  ctx_->fail(MESHRT_INVALID_ARGUMENT, std::move(text));
  return false;
}

bool AbiCall::require(bool condition, const char *fmt, ...) {
  if (!ok_)
    return false;
  if (condition)
    return true;
  va_list args;
  va_start(args, fmt);
  char text[512];
  std::vsnprintf(text, sizeof(text), fmt, args);
  va_end(args);
  return fail(text);
}

bool AbiCall::fits(std::initializer_list<int64_t> factors, int64_t elemBytes, int64_t *elements) {
  if (!ok_)
    return false;
  // The nonzero factors' product must fit even where another factor is 0: kernels multiply
  // sizes in any order.
  int64_t count = 1, bytes = 0;
  bool good = true, empty = false;
  for (int64_t f : factors) {
    good = good && f >= 0;
    empty = empty || f == 0;
    if (f > 0)
      good = good && checkedMul(count, f, &count);
  }
  good = good && checkedMul(count, elemBytes, &bytes);
  if (!good) {
    std::string product;
    for (int64_t f : factors)
      product += strformat("%s%lld", product.empty() ? "" : " x ", static_cast<long long>(f));
    if (elemBytes == 1)
      return fail(strformat("%s bytes overflow int64", product.c_str()));
    return fail(strformat("%s elements of %lld bytes overflow int64", product.c_str(),
                          static_cast<long long>(elemBytes)));
  }
  if (elements)
    *elements = empty ? 0 : count;
  return true;
}

std::string AbiCall::shapeText(int32_t ndims, const int64_t *dims) const {
  std::string text = "[";
  for (int d = 0; d < ndims; ++d)
    text += strformat("%s%lld", d ? ", " : "", static_cast<long long>(dims[d]));
  return text + "]";
}

bool AbiCall::shape(const char *what, int32_t ndims, const int64_t *dims, int64_t elemBytes,
                    int64_t *elements) {
  if (!ok_)
    return false;
  if (ndims < 0 || ndims > kMaxDims)
    return fail(strformat("%s has %d dims (0 to %d supported)", what, ndims, kMaxDims));
  if (ndims > 0 && !dims)
    return fail(strformat("%s of %d dims is null", what, ndims));
  // As in fits(): the nonzero dims' product must fit even in an empty tensor.
  int64_t count = 1, bytes = 0;
  bool overflow = false;
  for (int d = 0; d < ndims; ++d)
    if (dims[d] < 0)
      return fail(strformat("%s %s: dim %d is negative", what, shapeText(ndims, dims).c_str(), d));
  for (int d = 0; d < ndims; ++d)
    if (dims[d] > 0)
      overflow = overflow || !checkedMul(count, dims[d], &count);
  for (int d = 0; d < ndims; ++d)
    if (dims[d] == 0)
      count = 0;
  if (overflow || !checkedMul(count, elemBytes, &bytes))
    return fail(strformat("%s %s: element count times %lld bytes overflows int64", what,
                          shapeText(ndims, dims).c_str(), static_cast<long long>(elemBytes)));
  if (elements)
    *elements = count;
  return true;
}

bool AbiCall::strides(const char *what, int32_t ndims, const int64_t *dims, const int64_t *strides,
                      int64_t elemBytes, int64_t limit) {
  if (!ok_)
    return false;
  if (ndims > 0 && !strides)
    return fail(strformat("%s of %d dims is null", what, ndims));
  bool empty = false;
  for (int d = 0; d < ndims; ++d)
    empty = empty || dims[d] == 0;
  int64_t maxOffset = 0, bytes = 0;
  bool overflow = false;
  for (int d = 0; d < ndims; ++d) {
    if (strides[d] < 0)
      return fail(
          strformat("%s %s: stride %d is negative", what, shapeText(ndims, strides).c_str(), d));
    int64_t term = 0;
    if (!empty && dims[d] > 0)
      overflow = overflow || !checkedMul(dims[d] - 1, strides[d], &term) ||
                 __builtin_add_overflow(maxOffset, term, &maxOffset);
  }
  if (overflow || !checkedMul(maxOffset, elemBytes, &bytes))
    return fail(strformat("%s %s over shape %s: the largest offset times %lld bytes overflows "
                          "int64",
                          what, shapeText(ndims, strides).c_str(), shapeText(ndims, dims).c_str(),
                          static_cast<long long>(elemBytes)));
  if (limit >= 0 && !empty && maxOffset >= limit)
    return fail(strformat("%s %s over shape %s reaches offset %lld of %lld elements", what,
                          shapeText(ndims, strides).c_str(), shapeText(ndims, dims).c_str(),
                          static_cast<long long>(maxOffset), static_cast<long long>(limit)));
  return true;
}

bool AbiCall::slice(int32_t ndims, const int64_t *globalShape, const int32_t *dimAxes, Slice *out) {
  if (!shape("global shape", ndims, globalShape, 4))
    return false;
  static_assert(kMaxSliceDims == kMaxDims, "a Slice must fit every tensor a kernel takes");
  Slice s;
  s.ndims = ndims;
  int used = 0;
  for (int d = 0; d < ndims; ++d) {
    const int64_t g = globalShape[d];
    const int32_t axis = dimAxes ? dimAxes[d] : -1;
    s.global[d] = g;
    s.local[d] = g;
    s.offset[d] = 0;
    if (axis < 0)
      continue;
    if (!ctx_->validAxis(axis) || (used & (1 << axis)))
      return fail(strformat("dim %d is on mesh axis %d, which does not exist or is used by "
                            "another dim",
                            d, axis));
    used |= 1 << axis;
    const int64_t p = ctx_->axisSize(axis);
    if (g % p != 0)
      return fail(strformat("dim %d of size %lld is not divisible by mesh axis '%s' of size %lld",
                            d, static_cast<long long>(g), ctx_->mesh().names[axis].c_str(),
                            static_cast<long long>(p)));
    s.local[d] = g / p;
    s.offset[d] = ctx_->coord(axis) * s.local[d];
  }
  // shape() proved that the product of the nonzero dims fits; past a 0 dim the strides are
  // never used.
  int64_t stride = 1;
  for (int d = ndims - 1; d >= 0; --d) {
    s.globalStride[d] = stride;
    stride *= s.global[d] > 0 ? s.global[d] : 1;
  }
  *out = s;
  return true;
}

} // namespace meshrt
