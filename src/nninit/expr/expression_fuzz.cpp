// libFuzzer entry point for the expression and rule parsers (built with -DNNINIT_FUZZ=ON and clang).
// Any input must either parse or throw one of nninit's typed errors; crashes, sanitizer reports, hangs and
// other exceptions are bugs. A parsed value must also print (repr) without failing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nninit/core/error.h"
#include "nninit/expr/rules.h"
#include "nninit/lang/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)nninit::lang::parse_expression(text).repr();
  } catch (const nninit::Error&) {
  }
  try {
    (void)nninit::expr::parse_rule(text).expression.repr();
  } catch (const nninit::Error&) {
  }
  try {
    (void)nninit::expr::glob_match(text.substr(0, size / 2), text.substr(size / 2));
  } catch (const nninit::Error&) {
  }
  return 0;
}
