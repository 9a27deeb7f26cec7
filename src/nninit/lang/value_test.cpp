#include "nninit/lang/value.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <gtest/gtest.h>

namespace nninit::lang {
namespace {

TEST(ValueRepr, FloatsPrintLikePythonRepr) {
  // {float.hex(x), repr(x)} from CPython 3.11.7: random magnitudes (random.seed(7)), then subnormals, the
  // smallest normal, 0.1, 2**53 and 2**52 + 1.
  const struct {
    const char* hex;
    const char* repr;
  } cases[] = {
      {"-0x1.05faf5c1a0c10p-30", "-9.53078824548157e-10"},
      {"0x1.0b360030810c8p+37", "143457781264.1311"},
      {"0x1.4f47e440aca03p-21", "6.245092053130196e-07"},
      {"-0x1.c1a45c3ae4af0p-93", "-1.7735251032025449e-28"},
      {"-0x1.398acca49040bp-85", "-3.165967001143225e-26"},
      {"0x1.4e68b20817016p-87", "8.441669122048343e-27"},
      {"0x1.2fd8b8d4e76cdp+101", "3.009150681463131e+30"},
      {"0x1.7eaec3370dc62p+22", "6269872.803763481"},
      {"0x1.474162d8b8d77p-53", "1.4192441255598064e-16"},
      {"0x1.4fd13d0585708p-38", "4.772251392143187e-12"},
      {"0x1.ccfa8355d8cb7p+21", "3776336.4169174093"},
      {"0x1.e25d0b13ba045p-78", "6.234401472962196e-24"},
      {"0x1.930e4def4181fp-23", "1.8768751839526002e-07"},
      {"0x1.7719a879a29c8p+20", "1536410.5296960939"},
      {"-0x1.1cf1a959ed6adp+6", "-71.23599758636074"},
      {"-0x1.0992f0ece8940p+65", "-3.827324533391124e+19"},
      {"0x1.8d0f2ed24aba7p-22", "3.697902971773141e-07"},
      {"0x1.6ca33ce41f5dap+49", "801846667525819.2"},
      {"-0x1.c3ef108908707p+21", "-3702242.0669106278"},
      {"-0x1.526c3fe0ed8c2p+88", "-4.091281209625359e+26"},
      {"0x1.c808ac29d457cp-38", "6.480631171327631e-12"},
      {"0x1.0f28319a04273p-74", "5.607395475827942e-23"},
      {"-0x1.c4ce018a386f8p+61", "-4.078502255438721e+18"},
      {"0x1.1bb767495e681p-13", "0.00013528653134269392"},
      {"0x0.0000000000001p-1022", "5e-324"},
      {"0x0.fffffffffffffp-1022", "2.225073858507201e-308"},
      {"0x1.0000000000000p-1022", "2.2250738585072014e-308"},
      {"0x1.999999999999ap-4", "0.1"},
      {"0x1.0000000000000p+53", "9007199254740992.0"},
      {"0x1.0000000000001p+52", "4503599627370497.0"},
  };
  for (const auto& c : cases) EXPECT_EQ(python_float_repr(std::strtod(c.hex, nullptr)), c.repr) << c.hex;
}

TEST(ValueRepr, FloatLayoutSwitchesWhereCPythonSwitches) {
  // Fixed notation for decimal exponents -4..15, scientific outside, as CPython's float_repr_style 'short'.
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(100.0), "100.0");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e22), "1e+22");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00001), "1e-05");
  EXPECT_EQ(python_float_repr(2.5e-5), "2.5e-05");
  EXPECT_EQ(python_float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(ValueRepr, StringsQuoteAndEscapeLikePython) {
  EXPECT_EQ(python_string_repr("fan_out"), "'fan_out'");
  EXPECT_EQ(python_string_repr(""), "''");
  EXPECT_EQ(python_string_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_string_repr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(python_string_repr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(python_string_repr("a\\b\tc\nd\re"), "'a\\\\b\\tc\\nd\\re'");
  EXPECT_EQ(python_string_repr(std::string("\x01\x7f", 2)), "'\\x01\\x7f'");
  EXPECT_EQ(python_string_repr("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

TEST(ValueRepr, ContainersCallsAndNames) {
  EXPECT_EQ(Value().repr(), "None");
  EXPECT_EQ(Value::make_bool(true).repr(), "True");
  EXPECT_EQ(Value::make_bool(false).repr(), "False");
  EXPECT_EQ(Value::make_int(-42).repr(), "-42");
  EXPECT_EQ(Value::make_int(std::numeric_limits<std::int64_t>::min()).repr(), "-9223372036854775808");
  EXPECT_EQ(Value::make_tuple({}).repr(), "()");
  EXPECT_EQ(Value::make_tuple({Value::make_int(3)}).repr(), "(3,)");
  EXPECT_EQ(Value::make_tuple({Value::make_int(3), Value::make_int(3)}).repr(), "(3, 3)");
  EXPECT_EQ(Value::make_list({}).repr(), "[]");
  EXPECT_EQ(Value::make_list({Value::make_int(1), Value::make_int(2)}).repr(), "[1, 2]");
  EXPECT_EQ(Value::make_name("nn.init.zeros_").repr(), "nn.init.zeros_");

  Call linear;
  linear.callee = "nn.Linear";
  linear.args = {Value::make_int(784), Value::make_int(256)};
  linear.keywords.push_back({"bias", Value::make_bool(false), {}});
  EXPECT_EQ(Value::make_call(linear).repr(), "nn.Linear(784, 256, bias=False)");
  Call relu;
  relu.callee = "ReLU";
  EXPECT_EQ(Value::make_call(relu).repr(), "ReLU()");
  Call init;
  init.callee = "kaiming_normal_";
  init.keywords.push_back({"mode", Value::make_string("fan_out"), {}});
  init.keywords.push_back({"a", Value::make_float(1e-5), {}});
  EXPECT_EQ(Value::make_call(init).repr(), "kaiming_normal_(mode='fan_out', a=1e-05)");
}

TEST(ValueTypeName, NamesPythonTypes) {
  EXPECT_EQ(Value().type_name(), "NoneType");
  EXPECT_EQ(Value::make_bool(true).type_name(), "bool");
  EXPECT_EQ(Value::make_int(1).type_name(), "int");
  EXPECT_EQ(Value::make_float(1).type_name(), "float");
  EXPECT_EQ(Value::make_string("").type_name(), "str");
  EXPECT_EQ(Value::make_tuple({}).type_name(), "tuple");
  EXPECT_EQ(Value::make_list({}).type_name(), "list");
  Call call;
  call.callee = "torch.nn.Linear";
  EXPECT_EQ(Value::make_call(call).type_name(), "Linear");
  EXPECT_EQ(Value::make_name("nn.ReLU").type_name(), "type");
  EXPECT_EQ(Value::make_name("nn.init.zeros_").type_name(), "function");
}

TEST(ValueEquality, IsStructuralAndIgnoresRanges) {
  EXPECT_EQ(Value::make_int(1, {0, 1}), Value::make_int(1, {5, 6}));
  EXPECT_NE(Value::make_int(1), Value::make_float(1.0));
  EXPECT_NE(Value::make_int(1), Value::make_bool(true));
  EXPECT_NE(Value::make_float(0.0), Value::make_float(-0.0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Value::make_float(nan), Value::make_float(nan));
  EXPECT_NE(Value::make_tuple({Value::make_int(1)}), Value::make_list({Value::make_int(1)}));
  EXPECT_NE(Value::make_string("a"), Value::make_name("a"));
  Call a;
  a.callee = "Linear";
  a.args = {Value::make_int(1)};
  Call b = a;
  EXPECT_EQ(Value::make_call(a), Value::make_call(b));
  b.keywords.push_back({"bias", Value::make_bool(false), {}});
  EXPECT_NE(Value::make_call(a), Value::make_call(b));
}

TEST(ValueCall, BaseNameAndKeywordLookup) {
  Call call;
  call.callee = "torch.nn.init.trunc_normal_";
  call.keywords.push_back({"std", Value::make_float(0.02), {}});
  EXPECT_EQ(call.base_name(), "trunc_normal_");
  ASSERT_NE(call.keyword("std"), nullptr);
  EXPECT_EQ(*call.keyword("std"), Value::make_float(0.02));
  EXPECT_EQ(call.keyword("mean"), nullptr);
  call.callee = "ReLU";
  EXPECT_EQ(call.base_name(), "ReLU");
}

}  // namespace
}  // namespace nninit::lang
