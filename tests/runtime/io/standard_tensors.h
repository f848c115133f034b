// standard_tensors.h — the tensors the checkpoint tests write and read on every mesh, and the
// formula of their values (safetensors_np.py has the same list and formula on the NumPy side).
#ifndef MESHC_TESTS_RUNTIME_IO_STANDARD_TENSORS_H
#define MESHC_TESTS_RUNTIME_IO_STANDARD_TENSORS_H

#include "io/elem_type.h"

#include <cstdint>
#include <string>
#include <vector>

namespace io_test {

struct StdTensor {
  std::string name;
  meshrt::io::ElemType type;
  std::vector<int64_t> shape;
};

inline const std::vector<StdTensor> &standardTensors() {
  using meshrt::io::ElemType;
  static const std::vector<StdTensor> t = {
      {"w_split0", ElemType::F32, {8, 6}}, {"w_split1", ElemType::F32, {3, 8}},
      {"b_repl", ElemType::F64, {5}},      {"step", ElemType::I64, {}},
      {"counts", ElemType::I32, {4, 2}},   {"pix", ElemType::U8, {4, 4}},
  };
  return t;
}

// Tensor k's element at flat (row-major global) index i.
inline double standardValue(size_t k, meshrt::io::ElemType type, int64_t i) {
  using meshrt::io::ElemType;
  if (type == ElemType::U8)
    return static_cast<double>((k + static_cast<size_t>(i) * 7) % 256);
  if (type == ElemType::I32 || type == ElemType::I64)
    return static_cast<double>(k * 1000 + i) * (i % 2 ? -1 : 1);
  return static_cast<double>(k) * 1000 + static_cast<double>(i) * 0.25;
}

} // namespace io_test

#endif // MESHC_TESTS_RUNTIME_IO_STANDARD_TENSORS_H
