#include "nninit/io/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace nninit::io {
namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

TEST(FindInvalidUtf8, AcceptsEveryWellFormedLengthAndRejectsTheRest) {
  const auto check = [](const std::string& text) { return find_invalid_utf8(bytes_of(text)); };
  EXPECT_EQ(check("plain ascii"), std::nullopt);
  EXPECT_EQ(check("gr\xc3\xb6\xc3\x9f"
                  "e \xe2\x82\xac \xf0\x9f\x98\x80"),
            std::nullopt);                             // 2, 3 and 4 bytes
  EXPECT_EQ(check("\xf4\x8f\xbf\xbf"), std::nullopt);  // U+10FFFF
  EXPECT_EQ(check("\xee\x80\x80"), std::nullopt);      // U+E000
  EXPECT_EQ(check("ab\xf4\x90\x80\x80"), 2U);          // above U+10FFFF
  EXPECT_EQ(check("\xe0\x80\x80"), 0U);                // overlong
  EXPECT_EQ(check("\xf0\x80\x80\x80"), 0U);            // overlong
  EXPECT_EQ(check("\xc1\xbf"), 0U);                    // overlong
  EXPECT_EQ(check("\xed\xbf\xbf"), 0U);                // surrogate
  EXPECT_EQ(check("\x80"), 0U);                        // lone continuation
  EXPECT_EQ(check("\xf5\x80\x80\x80"), 0U);
  EXPECT_EQ(check("x\xc3"), 1U);   // cut short
  EXPECT_EQ(check("x\xc3x"), 1U);  // bad continuation
}

}  // namespace
}  // namespace nninit::io
