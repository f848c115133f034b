// array_reader.cpp — ArrayReader::open: "PATH:/DATASET" is an HDF5 dataset, anything else a
// .npy file.
#include "io/array_reader.h"
#include "io/readers.h"

namespace meshrt::io {

Status ArrayReader::open(const std::string &spec, std::unique_ptr<ArrayReader> *out) {
  size_t colon = spec.rfind(":/");
  if (colon != std::string::npos && colon > 0)
    return openHdf5Reader(spec, spec.substr(0, colon), spec.substr(colon + 1), out);
  return openNpyReader(spec, out);
}

} // namespace meshrt::io
