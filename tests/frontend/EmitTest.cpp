//===- EmitTest.cpp - What `Graph::emit` prints and returns ---------------===//
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
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return g.emit(static_cast<int>(args.size()), argv.data());
}

TEST(DslEmit, ErrorsGoToStderrAndNoIr) {
  Graph g("t");
  g.param("w", {hidden, hidden}, Init::zeros()); const int line = __LINE__;
  g.param("w", {hidden}, Init::zeros()); const int line2 = __LINE__;
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
  EXPECT_NE(out.find("meshc.minimize %0 {optimizer = \"sgd\", learning_rate = 0.5}"),
            std::string::npos);
}

TEST(DslEmit, WritesFileAfterDashO) {
  std::string path = testing::TempDir() + "meshc_dsl_emit.mlir";
  Graph g("t");
  g.param("w", {hidden}, Init::zeros());
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
  EXPECT_EQ(err.str(), "error: unknown argument '--bogus'\n");
}

} // namespace
