// The one grammar of the user-facing mesh and layout specs, shared by the frontend (the DSL's
// g.mesh/g.layout/relayout), the dialect (#meshc.mesh/#meshc.layout, meshc --mesh/--layout)
// and the runtime (the mesh a program was compiled for). No MLIR/LLVM dependency.
//
//   mesh   := axis ("," axis)*          axis := name "=" size
//   layout := rule ("," rule)* | ""     rule := name ":" name        (dimension : mesh axis)
//   name   := [A-Za-z_][A-Za-z0-9_]*    size := [0-9]+, 1 .. kMaxAxisSize
//
// Whitespace (spaces and tabs) around every token is allowed and ignored: " b = 2 , m=4" is
// "b=2,m=4"; a blank layout is the empty layout (everything replicated); a blank mesh is an
// error (a mesh has at least one axis). Nothing else is accepted: no empty items, no trailing
// comma, no whitespace inside a name or a number.
#ifndef MESHC_SUPPORT_MESHSPEC_MESHSPEC_H
#define MESHC_SUPPORT_MESHSPEC_MESHSPEC_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshc::meshspec {

/// The most mesh axes: the runtime makes one communicator per non-empty subset of axes
/// (runtime/include/meshrt/meshrt.h's MESHRT_MAX_MESH_AXES equals it, checked at compile time).
inline constexpr int kMaxAxes = 8;
/// The largest size of one mesh axis.
inline constexpr int64_t kMaxAxisSize = int64_t{1} << 24;
/// The most ranks of a mesh (the product of its axis sizes).
inline constexpr int64_t kMaxRanks = int64_t{1} << 30;

struct Axis {
  std::string name;
  int64_t size = 0;
};

struct Rule {
  std::string dim;
  std::string axis;
};

/// True for names of dimensions and mesh axes: [A-Za-z_][A-Za-z0-9_]*.
bool isName(std::string_view name);

/// Parses a mesh spec into `axes` (replaced). Returns the problem as a one-line message
/// (nothing is written to `axes` then), or nullopt.
std::optional<std::string> parseMesh(std::string_view spec, std::vector<Axis> &axes);

/// Checks parsed or constructed axes: at least one, valid and distinct names, sizes from 1,
/// and at most kMaxAxes axes, kMaxAxisSize per axis and kMaxRanks ranks. parseMesh runs it.
std::optional<std::string> checkMesh(const std::vector<Axis> &axes);

/// Parses a layout spec into `rules` (replaced). Checks the syntax and that no dimension is
/// mapped twice; the axes are not checked against a mesh here.
std::optional<std::string> parseLayout(std::string_view spec, std::vector<Rule> &rules);

/// The canonical spellings: "b=2,m=4" and "batch:b,hidden:m" (no whitespace).
std::string printMesh(const std::vector<Axis> &axes);
std::string printLayout(const std::vector<Rule> &rules);

} // namespace meshc::meshspec

#endif // MESHC_SUPPORT_MESHSPEC_MESHSPEC_H
