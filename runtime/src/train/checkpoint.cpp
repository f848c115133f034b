// checkpoint.cpp — see checkpoint.h.
#include "train/checkpoint.h"

#include "context.h"
#include "io/tensor_file.h"
#include "program/agree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace meshrt {
namespace {

bool isDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// mkdir -p, on one rank.
Status makeDirectories(const std::string &dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/')
      continue;
    const std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0777) != 0 && errno != EEXIST)
      return Status::error(MESHRT_IO_ERROR, strformat("--save: cannot create directory %s: %s",
                                                      part.c_str(), std::strerror(errno)));
    if (!isDirectory(part))
      return Status::error(MESHRT_IO_ERROR,
                           strformat("--save: %s exists and is not a directory", part.c_str()));
  }
  return Status::success();
}

// A save killed midway leaves its temporary file (".model.safetensors.tmp-PID", io's naming)
// beside the intact checkpoint; the next save of the run removes such leftovers.
void removeStaleTemporaries(const std::string &path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string prefix = "." + path.substr(slash + 1) + ".tmp-";
  DIR *d = opendir(dir.c_str());
  if (!d)
    return;
  while (const dirent *e = readdir(d))
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0)
      unlink((dir + "/" + e->d_name).c_str());
  closedir(d);
}

bool checkpointed(const ProgramTensor &t, bool paramsOnly) {
  return t.role == MESHRT_ROLE_PARAM || (!paramsOnly && t.role == MESHRT_ROLE_OPT_STATE);
}

} // namespace

std::string checkpointFile(const std::string &arg) {
  if (isDirectory(arg) || !endsWith(arg, ".safetensors"))
    return arg + (endsWith(arg, "/") ? "" : "/") + "model.safetensors";
  return arg;
}

Status saveCheckpoint(Context &ctx, const ProgramInfo &program, const std::string &dir,
                      int64_t step, uint64_t seed, int64_t dataSamples) {
  const std::string path = checkpointFile(dir);
  Status s;
  if (ctx.rank() == 0) {
    s = makeDirectories(path.substr(0, path.rfind('/')));
    if (s.ok())
      removeStaleTemporaries(path);
  }
  s = agree(MPI_COMM_WORLD, s);
  if (!s.ok())
    return s;
  // Host copies of every block (an inner vector's data stays put when the outer one grows).
  std::vector<io::SliceOut> tensors;
  std::vector<std::vector<char>> host;
  for (const ProgramTensor &t : ctx.tensors())
    if (checkpointed(t, /*paramsOnly=*/false)) {
      host.emplace_back(static_cast<size_t>(t.localBytes()));
      meshrt_copy_to_host(wrap(&ctx), host.back().data(), t.buffer, t.localBytes());
      tensors.push_back({t.name, t.elemType(), t.slice, host.back().data(), t.writesBlock(ctx)});
    }
  io::Metadata meta{
      {"format", "meshc-checkpoint/1"},
      {"program", program.name},
      {"mesh", program.mesh},
      {"layout", program.layout},
      {"fingerprint", strformat("%016llx", static_cast<unsigned long long>(program.hash))},
      {"step", std::to_string(step)},
      {"seed", std::to_string(seed)},
      {"data_samples", std::to_string(dataSamples)}};
  return io::saveSafetensors(MPI_COMM_WORLD, path, tensors, meta);
}

Status loadCheckpoint(Context &ctx, const std::string &arg, bool paramsOnly, int64_t *step) {
  const std::string path = paramsOnly ? arg : checkpointFile(arg);
  const char *flag = paramsOnly ? "--init-from" : "--load";
  io::SafetensorsIndex index;
  Status s = io::readSafetensorsIndex(MPI_COMM_WORLD, path, &index);
  if (!s.ok())
    return Status::error(s.code, std::string(flag) + ": " + s.message);
  *step = 0;
  if (!paramsOnly) {
    auto it = index.metadata.find("step");
    char *end = nullptr;
    long long v = it == index.metadata.end() ? -1 : std::strtoll(it->second.c_str(), &end, 10);
    if (it == index.metadata.end() || *end != '\0' || v < 0)
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("--load: %s has no step in its metadata: it is not a meshc "
                                     "checkpoint (start from its parameters with --init-from)",
                                     path.c_str()));
    *step = v;
  }
  std::vector<io::SliceIn> tensors;
  std::vector<std::vector<char>> host;
  std::vector<const ProgramTensor *> restored;
  for (const ProgramTensor &t : ctx.tensors())
    if (checkpointed(t, paramsOnly)) {
      host.emplace_back(static_cast<size_t>(t.localBytes()));
      tensors.push_back({t.name, t.elemType(), t.slice, host.back().data()});
      restored.push_back(&t);
    }
  s = io::loadSafetensors(MPI_COMM_WORLD, path, tensors, &index);
  if (!s.ok())
    return Status::error(s.code, std::string(flag) + ": " + s.message);
  // A node-shared parameter is written by its group's first rank, the others wait for it.
  for (size_t i = 0; i < restored.size(); ++i)
    if (ctx.writesBuffer(restored[i]->buffer))
      meshrt_copy_from_host(wrap(&ctx), restored[i]->buffer, host[i].data(),
                            restored[i]->localBytes());
  ctx.check(ctx.syncSharedWrites()); // on every rank, failed or not: it is a barrier
  return agree(MPI_COMM_WORLD, ctx.status());
}

} // namespace meshrt
