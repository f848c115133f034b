// trace.cpp — the per-rank Chrome/Perfetto trace behind --trace (see trace.h).
//
// The format is the Trace Event Format's JSON object form: {"traceEvents": [...]}, complete
// ("ph": "X") events with "ts" and "dur" in microseconds, pid = rank, tid = track, plus "M"
// metadata events that name the process and the tracks. chrome://tracing and ui.perfetto.dev
// open each file; loaded together, the ranks' files line up because every rank's time 0 is the
// end of the collective that opened the files.
#include "trace.h"

#include "mesh.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

namespace meshrt {

bool gTraceEnabled = false;

namespace {

using Clock = std::chrono::steady_clock;

// A long run with --trace must not take the node's memory: past this many spans (64 bytes
// each, 256 MiB) the trace keeps its start and counts what it dropped.
constexpr size_t kMaxEvents = size_t{1} << 22;

struct Event {
  const char *name, *category; // literals
  int64_t beginNs, endNs;      // since the origin
  TraceTrack track;
  int32_t collective = -1; // CollectiveKind, -1: not a collective
  int32_t axesMask = 0;
  int64_t bytes = 0;
  int64_t index = -1;             // a collective's number in --explain, a step, a batch
  const char *location = nullptr; // a collective's DSL site (generated code's constant)
};

struct Trace {
  std::ofstream file;
  std::string path;
  Clock::time_point origin;
  std::mutex mutex; // traceSpan may run on the loader's thread
  std::vector<Event> events;
  int64_t dropped = 0;
  // The running ABI call's collective, if any (step thread only; calls do not nest).
  bool pendingCollective = false;
  CollectiveKind kind = CollectiveKind::AllReduce;
  int32_t axesMask = 0;
  int64_t bytes = 0;
  CollectiveSite site;
};

Trace &trace() {
  static Trace t;
  return t;
}

int64_t sinceOrigin(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t - trace().origin).count();
}

void push(const Event &e) {
  Trace &t = trace();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.events.size() < kMaxEvents)
    t.events.push_back(e);
  else
    ++t.dropped;
}

// "b,m" from the mesh's names (a bit without a name as its index), "-" for none: as --explain.
std::string axesText(int32_t mask, const Mesh &mesh) {
  std::string text;
  for (int a = 0; a < 31; ++a)
    if (mask & (1 << a)) {
      if (!text.empty())
        text += ",";
      text += a < mesh.numAxes() ? mesh.names[a] : std::to_string(a);
    }
  return text.empty() ? "-" : text;
}

double micros(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

} // namespace

std::string tracePathForRank(const std::string &file, int rank) {
  const std::string tag = ".rank" + std::to_string(rank);
  const size_t slash = file.find_last_of('/');
  const size_t dot = file.find_last_of('.');
  const bool hasExtension =
      dot != std::string::npos && dot > 0 && (slash == std::string::npos || dot > slash + 1);
  if (!hasExtension)
    return file + tag;
  return file.substr(0, dot) + tag + file.substr(dot);
}

Status openTrace(const std::string &file, int rank) {
  Trace &t = trace();
  t.path = tracePathForRank(file, rank);
  t.file.open(t.path, std::ios::out | std::ios::trunc);
  if (!t.file)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("--trace: cannot open '%s' for writing: %s", t.path.c_str(),
                                   std::strerror(errno)));
  t.events.reserve(size_t{1} << 16);
  t.origin = Clock::now();
  gTraceEnabled = true;
  gCollectiveObserver = traceCollective;
  return Status::success();
}

void traceCollective(CollectiveKind kind, int32_t axesMask, int64_t bytes) {
  Trace &t = trace();
  t.pendingCollective = true;
  t.kind = kind;
  t.axesMask = axesMask;
  t.bytes = bytes;
}

void traceCollectiveSite(CollectiveSite site) { trace().site = site; }

void traceCall(ProfileKind kind, Clock::time_point begin, Clock::time_point end) {
  Trace &t = trace();
  Event e{profileKindName(kind), "kernel", sinceOrigin(begin), sinceOrigin(end),
          TraceTrack::Compute};
  if (t.pendingCollective) {
    e.category = "collective";
    // A weight update in node-shared storage (meshrt_sgd_update_matmul) is the step thread's
    // GEMMs between barriers, which the communication thread's started collectives may overlap:
    // it stays on the compute track, marked as the collective it replaces.
    if (kind != ProfileKind::SgdUpdateMatmul)
      e.track = TraceTrack::Communication;
    e.collective = static_cast<int32_t>(t.kind);
    e.axesMask = t.axesMask;
    e.bytes = t.bytes;
    e.index = t.site.index;
    e.location = t.site.location;
  }
  t.pendingCollective = false;
  t.site = {};
  push(e);
}

void traceAsyncCollective(ProfileKind kind, CollectiveKind collective, int32_t axesMask,
                          int64_t bytes, CollectiveSite site, Clock::time_point begin,
                          Clock::time_point end) {
  if (!gTraceEnabled)
    return;
  Event e{profileKindName(kind), "collective", sinceOrigin(begin), sinceOrigin(end),
          TraceTrack::Communication};
  e.collective = static_cast<int32_t>(collective);
  e.axesMask = axesMask;
  e.bytes = bytes;
  e.index = site.index;
  e.location = site.location;
  push(e);
}

void traceSpan(TraceTrack track, const char *name, int64_t index, Clock::time_point begin,
               Clock::time_point end) {
  Event e{name, name, sinceOrigin(begin), sinceOrigin(end), track};
  e.index = index;
  push(e);
}

Status writeTrace(const Mesh &mesh, int rank, const std::string &program, const std::string &device,
                  std::string *path, int64_t *count) {
  if (!gTraceEnabled)
    return Status::success();
  gTraceEnabled = false;
  gCollectiveObserver = nullptr;
  Trace &t = trace();
  std::lock_guard<std::mutex> lock(t.mutex);
  // Per track in time order, an enclosing span (a step) before the calls inside it.
  std::stable_sort(t.events.begin(), t.events.end(), [](const Event &a, const Event &b) {
    if (a.beginNs != b.beginNs)
      return a.beginNs < b.beginNs;
    return a.endNs > b.endNs;
  });
  using nlohmann::json;
  json events = json::array();
  auto meta = [&](const char *name, int tid, const std::string &value) {
    json m = {{"name", name}, {"ph", "M"}, {"pid", rank}, {"args", {{"name", value}}}};
    if (tid >= 0)
      m["tid"] = tid;
    events.push_back(std::move(m));
  };
  meta("process_name", -1, "rank " + std::to_string(rank));
  meta("process_sort_index", -1, std::to_string(rank));
  events.back()["args"] = {{"sort_index", rank}};
  meta("thread_name", static_cast<int>(TraceTrack::Compute), "compute");
  meta("thread_name", static_cast<int>(TraceTrack::Communication), "communication");
  meta("thread_name", static_cast<int>(TraceTrack::Data), "data");
  for (const Event &e : t.events) {
    json j = {{"name", e.name},
              {"ph", "X"},
              {"ts", micros(e.beginNs)},
              {"dur", micros(e.endNs - e.beginNs)},
              {"pid", rank},
              {"tid", static_cast<int>(e.track)},
              {"cat", e.category}};
    if (e.collective >= 0)
      j["args"] = {{"op", collectiveKindName(static_cast<CollectiveKind>(e.collective))},
                   {"bytes", e.bytes},
                   {"axes", axesText(e.axesMask, mesh)},
                   {"collective", e.index},
                   {"site", e.location ? e.location : ""}};
    else if (e.index >= 0)
      j["args"] = {{"index", e.index}};
    events.push_back(std::move(j));
  }
  json doc = {{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ms"},
              {"otherData",
               {{"program", program},
                {"rank", rank},
                {"ranks", mesh.numRanks()},
                {"device", device},
                {"dropped_events", t.dropped}}}};
  t.file << doc.dump() << '\n';
  t.file.close();
  *path = t.path;
  *count = static_cast<int64_t>(t.events.size());
  t.events.clear();
  if (!t.file)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("--trace: writing '%s' failed", t.path.c_str()));
  return Status::success();
}

} // namespace meshrt
