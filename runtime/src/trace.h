// trace.h — the timeline behind `--trace FILE.json` / MESHRT_TRACE=FILE.json (Horovod's
// timeline): each rank writes a Chrome/Perfetto trace of its run.
//
// The spans come from the scopes --profile already opens (ProfileScope): with tracing on, each
// ABI call also appends one span, named as --profile names its kind, to an in-memory list. A
// call that is a collective (it went through recordCollective, stats.h) goes on the
// communication track with its op, bytes, mesh axes, its number in `meshc --explain` and its DSL
// site (meshrt_collective_site, taken in watchdog.cpp); every other call on the compute track.
// The step loop adds one span per step, the batch loader one per batch read (on the data track
// when its prefetch thread reads). The list is written at the end, one file per rank, so
// tracing costs the run a clock read and a push per call, and nothing when off beyond the
// profile's branch. On a device the times are the profile's: both ends of a call wait for the
// device, so a span is the call's execution time (and the device no longer overlaps calls).
#ifndef MESHRT_SRC_TRACE_H
#define MESHRT_SRC_TRACE_H

#include "profile.h"
#include "stats.h"
#include "status.h"
#include "watchdog.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace meshrt {

struct Mesh;

// The tracks of a rank (the trace's tids).
enum class TraceTrack : int { Compute = 1, Communication = 2, Data = 3 };

extern bool gTraceEnabled;

// FILE with ".rankN" before its extension (run.json -> run.rank1.json; run -> run.rank1).
std::string tracePathForRank(const std::string &file, int rank);

// Opens this rank's file for writing (the error names it and why) and starts the clock: time 0
// of every rank's trace is the moment this returns. The caller makes it collective.
Status openTrace(const std::string &file, int rank);

// ProfileScope's end: one span for the ABI call of `kind`, on the communication track with the
// collective's fields where the call recorded one, else on the compute track.
void traceCall(ProfileKind kind, std::chrono::steady_clock::time_point begin,
               std::chrono::steady_clock::time_point end);
// The collective the running call performs (recordCollective) and its site
// (takeNextCollectiveSite); both are attached to the call's span when it ends.
void traceCollective(CollectiveKind kind, int32_t axesMask, int64_t bytes);
void traceCollectiveSite(CollectiveSite site);
// A collective the communication thread ran (a non-blocking one, comm/comm_thread.h): its span,
// named as --profile names `kind`, on the communication track with the collective's fields.
// Thread-safe; a no-op when tracing is off.
void traceAsyncCollective(ProfileKind kind, CollectiveKind collective, int32_t axesMask,
                          int64_t bytes, CollectiveSite site,
                          std::chrono::steady_clock::time_point begin,
                          std::chrono::steady_clock::time_point end);
// Any other span: a step, an evaluation, a batch read (`index`: its step or batch, -1 none).
// `name` must outlive the run (a literal). Thread-safe.
void traceSpan(TraceTrack track, const char *name, int64_t index,
               std::chrono::steady_clock::time_point begin,
               std::chrono::steady_clock::time_point end);

// Writes the rank's trace (mesh axes named from `mesh`; the program and device go into its
// metadata), closes the file and returns its path and event count (*count). No-op when tracing
// is off.
Status writeTrace(const Mesh &mesh, int rank, const std::string &program, const std::string &device,
                  std::string *path, int64_t *count);

} // namespace meshrt

#endif // MESHRT_SRC_TRACE_H
