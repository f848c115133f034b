// What `Graph::emit` prints and returns.
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace meshc::dsl;

namespace {

Dim batch{"batch", 16}, hidden{"hidden", 32}, cls{"classes", 4};

/// Calls emit(argc, argv) as a generator's main would.
int emitWith(Graph &g, std::vector<std::string> args) {
  args.insert(args.begin(), "gen");
  std::vector<char *> argv;
  argv.reserve(args.size() + 1);
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return g.emit(static_cast<int>(args.size()), argv.data());
}

TEST(DslEmit, ErrorsGoToStderrAndNoIr) {
  Graph g("t");
  g.param("w", {hidden, hidden}, Init::zeros()); const int line = __LINE__;
  Tensor w = g.param("w", {hidden}, Init::zeros()); const int line2 = __LINE__;
  g.minimize(sum(w), SGD{0.1});
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int rc = emitWith(g, {});
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(rc, 0);
  EXPECT_EQ(out, "");
  EXPECT_EQ(err.rfind(AT(line), 0), 0u) << err;
  EXPECT_NE(err.find("\n" + AT(line2)), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2) << err;
}

TEST(DslEmit, ErrorsWriteNoFile) {
  std::string path = testing::TempDir() + "meshc_dsl_emit_error.mlir";
  std::remove(path.c_str());
  Graph g("t");
  g.param("w-", {hidden}, Init::zeros());
  testing::internal::CaptureStderr();
  EXPECT_EQ(emitWith(g, {"-o", path}), 1);
  testing::internal::GetCapturedStderr();
  EXPECT_FALSE(std::ifstream(path).good());
}

TEST(DslEmit, PrintsModuleToStdout) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(cls));
  g.minimize(mean(x), SGD{0.5});
  testing::internal::CaptureStdout();
  int rc = emitWith(g, {});
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out, g.str());
  EXPECT_NE(out.find("meshc.minimize sgd %0 {learning_rate = 0.5}"),
            std::string::npos);
}

TEST(DslEmit, WritesFileAfterDashO) {
  std::string path = testing::TempDir() + "meshc_dsl_emit.mlir";
  Graph g("t");
  g.minimize(sum(g.param("w", {hidden}, Init::zeros())), SGD{0.1});
  testing::internal::CaptureStdout();
  EXPECT_EQ(emitWith(g, {"-o", path}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  std::stringstream file;
  file << std::ifstream(path).rdbuf();
  EXPECT_EQ(file.str(), g.str());
  std::remove(path.c_str());
}

TEST(DslEmit, UnknownArgument) {
  Graph g("t");
  std::ostringstream out, err;
  EXPECT_EQ(g.emit({"--bogus"}, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "error: unknown argument '--bogus' (see --help)\n");
}

// A graph without a loss would train nothing and report a loss of 0 every step: emit refuses
// it at the graph's line, and prints no IR.
TEST(DslEmit, NoMinimizeIsAnError) {
  Graph g("nothing"); const int line = __LINE__;
  g.param("w", {hidden}, Init::zeros());
  std::ostringstream out, err;
  EXPECT_EQ(g.emit(std::vector<std::string>{}, out, err), 1);
  EXPECT_EQ(out.str(), "");
  const std::string text = err.str();
  EXPECT_EQ(text.rfind(AT(line), 0), 0u) << text;
  EXPECT_NE(text.find(": error: graph 'nothing' minimizes no loss, so it would train "
                      "nothing: call g.minimize(loss, optimizer) before emit"),
            std::string::npos)
      << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_TRUE(g.errors().empty()); // a graph may be inspected before its loss is set
}

/// A model reading its flags as examples/mlp/mlp.cpp does.
Graph &model(Graph &g, Args &args) {
  Dim b{"batch", args.integer("--batch", 64)}, h{"hidden", args.integer("--hidden", 128)};
  double lr = args.number("--lr", 0.1);
  Tensor w = g.param("w", {b, h}, Init::zeros());
  g.minimize(sum(w), SGD{lr});
  g.mesh(args.string("--mesh", "b=2,m=2"));
  return g;
}

TEST(DslEmit, HelpListsTheModelFlagsWithDefaults) {
  std::string argv0 = "/some/dir/mlp_gen", help = "--help";
  char *argv[] = {argv0.data(), help.data(), nullptr};
  Args args(2, argv);
  Graph g("t");
  model(g, args);
  std::ostringstream out, err;
  EXPECT_EQ(g.emit(args, out, err), 0);
  EXPECT_EQ(err.str(), "");
  std::string text = out.str();
  EXPECT_EQ(text.rfind("usage: mlp_gen [flags] [-o FILE]\n", 0), 0u) << text;
  for (const char *row : {"  --batch N             default 64\n",
                          "  --hidden N            default 128\n",
                          "  --lr X                default 0.1\n",
                          "  --mesh S              default b=2,m=2\n",
                          "  -o FILE               write the program to FILE instead of stdout\n",
                          "  -h, --help            print this help\n"})
    EXPECT_NE(text.find(row), std::string::npos) << row << " in:\n" << text;
  EXPECT_LT(text.find("--batch"), text.find("--hidden")); // in the order the model reads them
  EXPECT_EQ(text.find("module"), std::string::npos);     // no IR
}

// --help wins over a bad flag value, so a user can learn what the flags are.
TEST(DslEmit, HelpDespiteABadValue) {
  Args args({"--batch", "many", "-h"});
  Graph g("t");
  model(g, args);
  std::ostringstream out, err;
  EXPECT_EQ(g.emit(args, out, err), 0);
  EXPECT_NE(out.str().find("--batch N"), std::string::npos) << out.str();
}

TEST(DslEmit, UnknownFlagGetsTheClosestKnownOne) {
  Args args({"--btach", "8"});
  Graph g("t");
  model(g, args);
  std::ostringstream out, err;
  EXPECT_EQ(g.emit(args, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "error: unknown argument '--btach'; did you mean '--batch'? (see --help)\n");
}

TEST(DslEmit, UnknownFlagWithValueAndNothingClose) {
  Args args({"--zzz=3"});
  Graph g("t");
  model(g, args);
  std::ostringstream out, err;
  EXPECT_EQ(g.emit(args, out, err), 1);
  EXPECT_EQ(err.str(), "error: unknown argument '--zzz=3' (see --help)\n");
}

} // namespace

// Ops made while a RematScope lives carry meshc-remat's mark in their location (nested scopes
// too); ops made before and after do not.
namespace {
using meshc::dsl::test::lineWith;

TEST(DslEmit, RematScopeMarksItsOpsLocations) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(cls));
  Tensor a = relu(x);
  Tensor b, c;
  {
    RematScope remat(g);
    {
      RematScope inner(g);
      b = gelu(a);
    }
    c = tanh(b); const int line = __LINE__;
    std::string ir = g.str();
    EXPECT_NE(lineWith(ir, "meshc.tanh").find("loc(fused<\"meshc.remat\">[\"" __FILE__ "\":" +
                                             std::to_string(line) + ":"),
              std::string::npos)
        << ir;
  }
  Tensor d = sigmoid(c);
  g.minimize(mean(d), SGD{0.1});
  std::string ir = g.str();
  EXPECT_EQ(lineWith(ir, "meshc.relu").find("meshc.remat"), std::string::npos) << ir;
  EXPECT_NE(lineWith(ir, "meshc.gelu").find("loc(fused<\"meshc.remat\">["), std::string::npos) << ir;
  EXPECT_NE(lineWith(ir, "meshc.tanh").find("loc(fused<\"meshc.remat\">["), std::string::npos) << ir;
  EXPECT_EQ(lineWith(ir, "meshc.sigmoid").find("meshc.remat"), std::string::npos) << ir;
}
} // namespace
