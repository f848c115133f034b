// elem_type.h — element types of the files meshrt reads and writes, and their names in the
// NumPy (descr) and safetensors (dtype) formats.
#ifndef MESHRT_SRC_IO_ELEM_TYPE_H
#define MESHRT_SRC_IO_ELEM_TYPE_H

#include <cstdint>
#include <optional>
#include <string>

namespace meshrt::io {

enum class ElemType { U8, I32, I64, F32, F64 };

int64_t elemBytes(ElemType t);
const char *elemTypeName(ElemType t);     // "u8", "i32", "i64", "f32", "f64" (messages)
const char *npyDescr(ElemType t);         // "|u1", "<i4", "<i8", "<f4", "<f8"
const char *safetensorsDtype(ElemType t); // "U8", "I32", "I64", "F32", "F64"
std::optional<ElemType> fromNpyDescr(const std::string &descr);
std::optional<ElemType> fromSafetensorsDtype(const std::string &dtype);

// Converts n elements of `from` at src to `to` at dst (the data path uses to = F32 or I32; any
// pair works). Into an integer type a value must be an integer within that type's range:
// otherwise returns false with *badIndex the first offender. Into a floating type: rounded.
bool convertElems(ElemType from, const void *src, ElemType to, void *dst, int64_t n,
                  int64_t *badIndex);

// The element at p as text, for error messages ("2.5", "-3").
std::string elemValueString(ElemType t, const void *p);

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_ELEM_TYPE_H
