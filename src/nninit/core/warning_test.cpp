#include "nninit/core/warning.h"

#include <gtest/gtest.h>

namespace nninit {
namespace {

TEST(Warning, CaptureCollectsAndNests) {
  ScopedWarningCapture outer;
  warn("first");
  {
    ScopedWarningCapture inner;
    warn("second", WarningCategory::future);
    ASSERT_EQ(inner.warnings().size(), 1u);
    EXPECT_EQ(inner.warnings()[0].category, WarningCategory::future);
  }
  ASSERT_EQ(outer.warnings().size(), 1u);
  EXPECT_EQ(outer.warnings()[0].message, "first");
}

TEST(Warning, GlobalHandlerReceivesUncapturedWarnings) {
  std::vector<std::string> seen;
  auto previous = set_warning_handler([&](const Warning& w) { seen.push_back(w.message); });
  warn("hello");
  set_warning_handler(previous);
  warn("dropped");
  EXPECT_EQ(seen, (std::vector<std::string>{"hello"}));
}

}  // namespace
}  // namespace nninit
