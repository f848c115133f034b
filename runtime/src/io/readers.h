// readers.h — the two ArrayReader implementations behind ArrayReader::open.
#ifndef MESHRT_SRC_IO_READERS_H
#define MESHRT_SRC_IO_READERS_H

#include "io/array_reader.h"

namespace meshrt::io {

Status openNpyReader(const std::string &spec, std::unique_ptr<ArrayReader> *out);
Status openHdf5Reader(const std::string &spec, const std::string &path, const std::string &dataset,
                      std::unique_ptr<ArrayReader> *out);

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_READERS_H
