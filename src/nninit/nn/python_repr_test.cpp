#include "nninit/nn/python_repr.h"

#include <limits>

#include <gtest/gtest.h>

#include "nninit/core/tensor.h"

namespace nninit::nn {
namespace {

// Expected strings are what CPython 3.11 prints for repr(x).
TEST(PythonRepr, Floats) {
  EXPECT_EQ(python_float(1.0), "1.0");
  EXPECT_EQ(python_float(-0.0), "-0.0");
  EXPECT_EQ(python_float(0.1), "0.1");
  EXPECT_EQ(python_float(1e-5), "1e-05");
  EXPECT_EQ(python_float(0.0001), "0.0001");
  EXPECT_EQ(python_float(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(python_float(123456.75), "123456.75");
  EXPECT_EQ(python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float(1e16), "1e+16");
  EXPECT_EQ(python_float(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(python_float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(PythonRepr, StringsTuplesAndSizes) {
  EXPECT_EQ(python_string("same"), "'same'");
  EXPECT_EQ(python_string("it's"), "\"it's\"");
  EXPECT_EQ(python_string("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(python_string("x\ny\\"), "'x\\ny\\\\'");
  EXPECT_EQ(python_tuple(Shape{}), "()");
  EXPECT_EQ(python_tuple(Shape{3}), "(3,)");
  EXPECT_EQ(python_tuple(Shape{3, -1}), "(3, -1)");
  EXPECT_EQ(python_size(Shape{2}), "2");
  EXPECT_EQ(python_size(Shape{2, 3}), "(2, 3)");
  EXPECT_EQ(python_optional(std::optional<double>{}), "None");
  EXPECT_EQ(python_optional(std::optional<std::int64_t>{-1}), "-1");
}

TEST(PythonRepr, FloorDivision) {
  EXPECT_EQ(python_floor_divide(8, -2), -4);
  EXPECT_EQ(python_floor_divide(7, -2), -4);
  EXPECT_EQ(python_floor_divide(-7, 2), -4);
  EXPECT_EQ(python_floor_divide(7, 2), 3);
  EXPECT_EQ(python_floor_divide(-8, -3), 2);
}

}  // namespace
}  // namespace nninit::nn
