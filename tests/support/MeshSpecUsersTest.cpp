// The three users of the mesh/layout grammar (support/meshspec) accept and reject the same odd
// spellings with the same message: the frontend (the DSL's g.mesh/g.layout/relayout checks),
// the dialect (meshc --mesh/--layout and the #meshc.mesh/#meshc.layout attribute parsers) and
// the runtime (the mesh an executable was compiled for). The runtime's parser is internal to
// libmeshrt (hidden symbols), so the test compiles runtime/src/mesh.cpp in.
#include "support/meshspec/MeshSpec.h"

#include "GraphImpl.h" // frontend/src
#include "mesh.h"      // runtime/src

#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

/// Spellings at the edges of the grammar: whitespace around and inside tokens, empty items,
/// signs, leading zeros, blanks.
const std::vector<std::string> kMeshes = {
    "b=2,m=2",
    " b = 2 , m = 2 ",
    "b\t=2,\tm=2",
    "b=2,",
    ",b=2",
    "b=2,,m=2",
    "b =2 m=2",
    "b=+2",
    "b=02",
    "b=2 ",
    "",
    "  ",
    "b=0",
    "b=-1",
    "b=1,b=1",
    "b=2=2",
    "b:2",
    "b2=1",
    "2b=1",
    "b=1 6",
};
const std::vector<std::string> kLayouts = {
    "batch:b",   " batch : b , hidden:m ", "",      " ",         "batch:b,",
    "batch b:m", "batch:b,batch:m",        "batch", "batch:b:m", "batch:2",
};

/// What the grammar says: "" (accepted) or its message.
std::string expectedMesh(const std::string &spec) {
  std::vector<meshc::meshspec::Axis> axes;
  return meshc::meshspec::parseMesh(spec, axes).value_or("");
}
std::string expectedLayout(const std::string &spec) {
  std::vector<meshc::meshspec::Rule> rules;
  return meshc::meshspec::parseLayout(spec, rules).value_or("");
}

// The test cannot pass by every user refusing (or accepting) everything.
TEST(MeshSpecUsers, SpellingsAreMixed) {
  int meshesAccepted = 0, layoutsAccepted = 0;
  for (const std::string &spec : kMeshes)
    meshesAccepted += expectedMesh(spec).empty();
  for (const std::string &spec : kLayouts)
    layoutsAccepted += expectedLayout(spec).empty();
  EXPECT_EQ(meshesAccepted, 6); // the three b=2,m=2 spellings, "b=02", "b=2 " and "b2=1"
  EXPECT_EQ(layoutsAccepted, 4);
}

TEST(MeshSpecUsers, Frontend) {
  for (const std::string &spec : kMeshes) {
    std::vector<std::string> axes;
    EXPECT_EQ(meshc::dsl::detail::checkMeshSpec(spec, axes).value_or(""), expectedMesh(spec))
        << "mesh '" << spec << "'";
  }
  for (const std::string &spec : kLayouts) {
    std::vector<std::pair<std::string, std::string>> map;
    EXPECT_EQ(meshc::dsl::detail::checkLayoutSpec(spec, map).value_or(""), expectedLayout(spec))
        << "layout '" << spec << "'";
  }
}

/// The message of the attribute `text` failing to parse, or "" when it parses.
std::string attributeError(mlir::MLIRContext &context, const std::string &text) {
  std::string message;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diagnostic) {
    if (message.empty())
      message = diagnostic.str();
    return mlir::success();
  });
  mlir::Attribute attr = mlir::parseAttribute(text, &context);
  return attr ? std::string() : message;
}

/// `spec` as an MLIR string literal.
std::string quoted(const std::string &spec) {
  std::string out = "\"";
  for (char c : spec)
    out += c == '\t' ? std::string("\\09") : std::string(1, c);
  return out + "\"";
}

TEST(MeshSpecUsers, Dialect) {
  mlir::MLIRContext context;
  context.loadDialect<meshc::MeshcDialect>();
  for (const std::string &spec : kMeshes) {
    std::string error;
    meshc::MeshAttr mesh = meshc::parseMeshSpec(&context, spec, error);
    EXPECT_EQ(mesh ? std::string() : error, expectedMesh(spec)) << "mesh '" << spec << "'";
    EXPECT_EQ(attributeError(context, "#meshc.mesh<" + quoted(spec) + ">"), expectedMesh(spec))
        << "#meshc.mesh '" << spec << "'";
  }
  for (const std::string &spec : kLayouts) {
    std::string error;
    meshc::LayoutAttr layout = meshc::parseLayoutSpec(&context, spec, error);
    EXPECT_EQ(layout ? std::string() : error, expectedLayout(spec)) << "layout '" << spec << "'";
    EXPECT_EQ(attributeError(context, "#meshc.layout<" + quoted(spec) + ">"), expectedLayout(spec))
        << "#meshc.layout '" << spec << "'";
  }
}

TEST(MeshSpecUsers, Runtime) {
  for (const std::string &spec : kMeshes) {
    meshrt::Mesh mesh;
    meshrt::Status status = meshrt::Mesh::parse(spec, &mesh);
    EXPECT_EQ(status.ok() ? std::string() : status.message, expectedMesh(spec))
        << "mesh '" << spec << "'";
    if (status.ok())
      EXPECT_EQ(mesh.spec, spec); // kept as given, for messages
  }
}

} // namespace
