// elem_type.cpp — element type names in the NumPy and safetensors formats, and the checked
// conversions from a file's element type to the type a program's tensor holds.
#include "io/elem_type.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

namespace meshrt::io {

int64_t elemBytes(ElemType t) {
  switch (t) {
  case ElemType::U8:
    return 1;
  case ElemType::I32:
  case ElemType::F32:
    return 4;
  case ElemType::I64:
  case ElemType::F64:
    return 8;
  }
  return 0;
}

const char *elemTypeName(ElemType t) {
  switch (t) {
  case ElemType::U8:
    return "u8";
  case ElemType::I32:
    return "i32";
  case ElemType::I64:
    return "i64";
  case ElemType::F32:
    return "f32";
  case ElemType::F64:
    return "f64";
  }
  return "?";
}

const char *npyDescr(ElemType t) {
  switch (t) {
  case ElemType::U8:
    return "|u1";
  case ElemType::I32:
    return "<i4";
  case ElemType::I64:
    return "<i8";
  case ElemType::F32:
    return "<f4";
  case ElemType::F64:
    return "<f8";
  }
  return "?";
}

const char *safetensorsDtype(ElemType t) {
  switch (t) {
  case ElemType::U8:
    return "U8";
  case ElemType::I32:
    return "I32";
  case ElemType::I64:
    return "I64";
  case ElemType::F32:
    return "F32";
  case ElemType::F64:
    return "F64";
  }
  return "?";
}

std::optional<ElemType> fromNpyDescr(const std::string &descr) {
  // NumPy writes '|' for one-byte types and '<' for little-endian ones; '<u1' and '|u1' are
  // the same type (byte order does not apply to one byte).
  if (descr == "|u1" || descr == "<u1")
    return ElemType::U8;
  if (descr == "<i4")
    return ElemType::I32;
  if (descr == "<i8")
    return ElemType::I64;
  if (descr == "<f4")
    return ElemType::F32;
  if (descr == "<f8")
    return ElemType::F64;
  return std::nullopt;
}

std::optional<ElemType> fromSafetensorsDtype(const std::string &dtype) {
  for (ElemType t : {ElemType::U8, ElemType::I32, ElemType::I64, ElemType::F32, ElemType::F64})
    if (dtype == safetensorsDtype(t))
      return t;
  return std::nullopt;
}

namespace {

// Whether v is an integral value that To holds exactly (To an integer type).
template <typename To, typename From> bool fitsInteger(From v) {
  if constexpr (std::is_floating_point_v<From>) {
    if (!std::isfinite(v) || v != std::trunc(v))
      return false;
    // Both bounds are powers of two (or one less), exact in double.
    return static_cast<double>(v) >= static_cast<double>(std::numeric_limits<To>::min()) &&
           static_cast<double>(v) <= static_cast<double>(std::numeric_limits<To>::max());
  } else {
    using Wide = std::conditional_t<std::is_signed_v<From>, int64_t, uint64_t>;
    Wide w = static_cast<Wide>(v);
    if constexpr (std::is_signed_v<From>) {
      return w >= static_cast<int64_t>(std::numeric_limits<To>::min()) &&
             (w < 0 ||
              static_cast<uint64_t>(w) <= static_cast<uint64_t>(std::numeric_limits<To>::max()));
    } else {
      return w <= static_cast<uint64_t>(std::numeric_limits<To>::max());
    }
  }
}

template <typename From, typename To>
bool convertTyped(const void *src, void *dst, int64_t n, int64_t *badIndex) {
  const From *s = static_cast<const From *>(src);
  To *d = static_cast<To *>(dst);
  if constexpr (std::is_same_v<From, To>) {
    std::memcpy(d, s, static_cast<size_t>(n) * sizeof(From));
  } else if constexpr (std::is_floating_point_v<To>) {
    for (int64_t i = 0; i < n; ++i)
      d[i] = static_cast<To>(s[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      if (!fitsInteger<To>(s[i])) {
        if (badIndex)
          *badIndex = i;
        return false;
      }
      d[i] = static_cast<To>(s[i]);
    }
  }
  return true;
}

template <typename From>
bool convertFrom(const void *src, ElemType to, void *dst, int64_t n, int64_t *badIndex) {
  switch (to) {
  case ElemType::U8:
    return convertTyped<From, uint8_t>(src, dst, n, badIndex);
  case ElemType::I32:
    return convertTyped<From, int32_t>(src, dst, n, badIndex);
  case ElemType::I64:
    return convertTyped<From, int64_t>(src, dst, n, badIndex);
  case ElemType::F32:
    return convertTyped<From, float>(src, dst, n, badIndex);
  case ElemType::F64:
    return convertTyped<From, double>(src, dst, n, badIndex);
  }
  if (badIndex)
    *badIndex = -1;
  return false;
}

} // namespace

// Any of the five types converts to any other: into a floating type by rounding to nearest,
// into an integer type only values that are integers within its range.
bool convertElems(ElemType from, const void *src, ElemType to, void *dst, int64_t n,
                  int64_t *badIndex) {
  switch (from) {
  case ElemType::U8:
    return convertFrom<uint8_t>(src, to, dst, n, badIndex);
  case ElemType::I32:
    return convertFrom<int32_t>(src, to, dst, n, badIndex);
  case ElemType::I64:
    return convertFrom<int64_t>(src, to, dst, n, badIndex);
  case ElemType::F32:
    return convertFrom<float>(src, to, dst, n, badIndex);
  case ElemType::F64:
    return convertFrom<double>(src, to, dst, n, badIndex);
  }
  if (badIndex)
    *badIndex = -1;
  return false;
}

std::string elemValueString(ElemType t, const void *p) {
  char buf[64];
  switch (t) {
  case ElemType::U8:
    std::snprintf(buf, sizeof(buf), "%u", *static_cast<const uint8_t *>(p));
    break;
  case ElemType::I32:
    std::snprintf(buf, sizeof(buf), "%d", *static_cast<const int32_t *>(p));
    break;
  case ElemType::I64:
    std::snprintf(buf, sizeof(buf), "%lld",
                  static_cast<long long>(*static_cast<const int64_t *>(p)));
    break;
  case ElemType::F32:
    std::snprintf(buf, sizeof(buf), "%.9g", *static_cast<const float *>(p));
    break;
  case ElemType::F64:
    std::snprintf(buf, sizeof(buf), "%.17g", *static_cast<const double *>(p));
    break;
  }
  return buf;
}

} // namespace meshrt::io
