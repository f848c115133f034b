// Helpers for the DSL tests.
#ifndef MESHC_TESTS_FRONTEND_TESTUTIL_H
#define MESHC_TESTS_FRONTEND_TESTUTIL_H

#include "meshc/dsl.h"

#include <gtest/gtest.h>

#include <string>

namespace meshc::dsl::test {

/// `file:line:` of a line of the calling test file, as errors spell their location.
inline std::string at(const char *file, int line) {
  return std::string(file) + ":" + std::to_string(line) + ":";
}
#define AT(line) ::meshc::dsl::test::at(__FILE__, line)

/// Expects exactly one error, located on `line` of this file (any column), whose
/// message starts with `message`.
#define EXPECT_ONE_ERROR(graph, line, message)                                                     \
  do {                                                                                             \
    std::vector<std::string> errs = (graph).errors();                                              \
    ASSERT_EQ(errs.size(), 1u) << ::testing::PrintToString(errs);                                  \
    const std::string prefix = AT(line);                                                           \
    ASSERT_EQ(errs[0].rfind(prefix, 0), 0u) << errs[0];                                            \
    size_t e = errs[0].find(": error: ", prefix.size());                                           \
    ASSERT_NE(e, std::string::npos) << errs[0];                                                    \
    EXPECT_EQ(errs[0].substr(e + 9, std::string(message).size()), std::string(message))            \
        << errs[0];                                                                                \
  } while (0)

/// The printed line of the op whose text contains `needle`.
inline std::string lineWith(const std::string &ir, const std::string &needle) {
  size_t p = ir.find(needle);
  if (p == std::string::npos)
    return "";
  size_t b = ir.rfind('\n', p) + 1, e = ir.find('\n', p);
  return ir.substr(b, e - b);
}

} // namespace meshc::dsl::test

#endif // MESHC_TESTS_FRONTEND_TESTUTIL_H
