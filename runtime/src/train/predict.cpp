// predict.cpp — see predict.h.
#include "train/predict.h"

#include "context.h"
#include "io/tensor_file.h"
#include "program/agree.h"

#include <memory>

namespace meshrt {
namespace {

std::string outputPath(const std::string &out, const std::string &name, bool several) {
  if (!several)
    return out;
  const size_t slash = out.rfind('/');
  const size_t dot = out.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return out + "." + name;
  return out.substr(0, dot) + "." + name + out.substr(dot);
}

} // namespace

Status predictAll(Context &ctx, BatchLoader &data, const ProgramInfo &program,
                  const std::string &out, std::vector<std::string> *written) {
  std::vector<const ProgramTensor *> outputs;
  for (const ProgramTensor &t : ctx.tensors())
    if (t.role == MESHRT_ROLE_OUTPUT)
      outputs.push_back(&t);
  if (!program.predict || outputs.empty())
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         "--predict: program '" + program.name +
                             "' names no outputs (declare them with g.output(...) in the model)");
  const int64_t n = data.samples();
  std::vector<std::unique_ptr<io::NpyWriter>> writers(outputs.size());
  Status s;
  for (size_t o = 0; o < outputs.size() && s.ok(); ++o) {
    const Slice &sl = outputs[o]->slice;
    std::vector<int64_t> shape(sl.global, sl.global + sl.ndims);
    shape[0] = n;
    const std::string path = outputPath(out, outputs[o]->name, outputs.size() > 1);
    s = io::NpyWriter::create(MPI_COMM_WORLD, path, outputs[o]->elemType(), shape, &writers[o]);
    written->push_back(path);
  }
  if (!s.ok())
    return s;
  InputSource *previous = ctx.inputSource();
  ctx.setInputSource(&data);
  std::vector<char> host;
  const int64_t batches = data.batchesPerEpoch();
  for (int64_t k = 0; k < batches && s.ok(); ++k) {
    Status read = agree(MPI_COMM_WORLD, data.begin(k, batches));
    if (!read.ok()) {
      s = read;
      break;
    }
    program.predict(wrap(&ctx), 0);
    s = agree(MPI_COMM_WORLD, ctx.status());
    const int64_t valid = data.validSamples(k);
    for (size_t o = 0; o < outputs.size() && s.ok(); ++o) {
      const ProgramTensor &t = *outputs[o];
      host.resize(static_cast<size_t>(t.localBytes()));
      meshrt_copy_to_host(wrap(&ctx), host.data(), t.buffer, t.localBytes());
      // This rank's block of the file: its rows of the batch that are real samples.
      Slice block = t.slice;
      block.global[0] = n;
      block.offset[0] = k * data.batch() + t.slice.offset[0];
      int64_t rows = valid - t.slice.offset[0];
      block.local[0] = rows < 0 ? 0 : rows > t.slice.local[0] ? t.slice.local[0] : rows;
      if (block.local[0] == 0) // only padding here: an empty block at the end of the file
        block.offset[0] = n;
      s = writers[o]->write(block, host.data(), t.writesBlock(ctx));
    }
  }
  ctx.setInputSource(previous);
  for (size_t o = 0; o < writers.size() && s.ok(); ++o)
    s = writers[o]->commit();
  return s;
}

} // namespace meshrt
