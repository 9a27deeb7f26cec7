#include "nninit/lang/evaluate.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "nninit/lang/parser.h"

namespace nninit::lang {
namespace {

Value eval(std::string_view text) {
  return parse_expression(text);
}

double hex(const char* text) {
  return std::strtod(text, nullptr);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The message of the error (of class E) that evaluating `text` throws.
template <typename E>
std::string error_of(std::string_view text) {
  try {
    return "no error; got " + eval(text).repr();
  } catch (const E& e) {
    return e.what();
  }
}

// Only the first line: the reason and the column.
template <typename E>
std::string reason_of(std::string_view text) {
  const std::string message = error_of<E>(text);
  return message.substr(0, message.find('\n'));
}

TEST(EvalArithmetic, PythonPrecedence) {
  EXPECT_EQ(eval("2*3+4"), Value::make_int(10));
  EXPECT_EQ(eval("2+3*4"), Value::make_int(14));
  EXPECT_EQ(eval("10-2-3"), Value::make_int(5));
  EXPECT_EQ(eval("(10-2)*3"), Value::make_int(24));
  EXPECT_EQ(eval("-2**2"), Value::make_int(-4));
  EXPECT_EQ(eval("(-2)**2"), Value::make_int(4));
  EXPECT_EQ(eval("2**3**2"), Value::make_int(512));
  EXPECT_EQ(eval("2**-1**2"), Value::make_float(0.5));
  EXPECT_EQ(eval("--3"), Value::make_int(3));
  EXPECT_EQ(eval("-+-3"), Value::make_int(3));
  EXPECT_EQ(eval("2*-3"), Value::make_int(-6));
}

TEST(EvalArithmetic, IntsStayIntsAndDivisionIsTrue) {
  // Expected values are CPython 3.11's.
  EXPECT_EQ(eval("2**-1"), Value::make_float(0.5));
  EXPECT_EQ(eval("2**10"), Value::make_int(1024));
  EXPECT_EQ(eval("2**62"), Value::make_int(std::int64_t{1} << 62));
  EXPECT_EQ(eval("0**0"), Value::make_int(1));
  EXPECT_EQ(eval("7//2"), Value::make_int(3));
  EXPECT_EQ(eval("-7//2"), Value::make_int(-4));
  EXPECT_EQ(eval("7//-2"), Value::make_int(-4));
  EXPECT_EQ(eval("7/2"), Value::make_float(3.5));
  EXPECT_EQ(eval("6/3"), Value::make_float(2.0));
  EXPECT_EQ(eval("-7%3"), Value::make_int(2));
  EXPECT_EQ(eval("7%-3"), Value::make_int(-2));
  EXPECT_EQ(eval("-9223372036854775807-1"), Value::make_int(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(eval("(-9223372036854775807-1) % -1"), Value::make_int(0));
  EXPECT_EQ(eval("True+1"), Value::make_int(2));
  EXPECT_EQ(eval("True+True"), Value::make_int(2));
  EXPECT_EQ(eval("-True"), Value::make_int(-1));
  EXPECT_EQ(eval("~5"), Value::make_int(-6));
  EXPECT_EQ(eval("~True"), Value::make_int(-2));
  EXPECT_EQ(eval("True/2"), Value::make_float(0.5));
}

TEST(EvalArithmetic, IntTrueDivisionIsCorrectlyRounded) {
  // CPython rounds the exact quotient once, even for operands beyond 2**53 ({float.hex} from CPython 3.11.7).
  EXPECT_EQ(eval("(2**62+1)/(2**53+1)"), Value::make_float(hex("0x1.fffffffffffffp+8")));
  EXPECT_EQ(eval("-9007199254740993/3"), Value::make_float(hex("-0x1.5555555555556p+51")));
  EXPECT_EQ(eval("9223372036854775807/7"), Value::make_float(hex("0x1.2492492492492p+60")));
  EXPECT_EQ(eval("9007199254740993/1"), Value::make_float(9007199254740992.0));
  EXPECT_EQ(eval("(2**62)/3").repr(), "1.5372286728091292e+18");
  EXPECT_EQ(eval("(-9223372036854775807-1)/-1"), Value::make_float(9223372036854775808.0));
}

TEST(EvalArithmetic, FloatsFollowCPython) {
  EXPECT_EQ(eval("0.1+0.2").repr(), "0.30000000000000004");
  EXPECT_EQ(eval("2**0.5"), Value::make_float(hex("0x1.6a09e667f3bcdp+0")));
  EXPECT_EQ(eval("7.5//2"), Value::make_float(3.0));
  EXPECT_EQ(eval("-7.5//2"), Value::make_float(-4.0));
  EXPECT_EQ(eval("7.5%-2"), Value::make_float(-0.5));
  EXPECT_EQ(eval("-0.0%5"), Value::make_float(0.0));
  EXPECT_EQ(eval("0.0%-5"), Value::make_float(-0.0));
  EXPECT_EQ(eval("-0.0//5"), Value::make_float(-0.0));
  EXPECT_EQ(eval("1e308*10"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("10.0**-310").repr(), "1e-310");
  EXPECT_EQ(eval("10.0**-400"), Value::make_float(0.0));
  EXPECT_EQ(eval("(-8)**2.0"), Value::make_float(64.0));
  EXPECT_EQ(eval("(-2.0)**3"), Value::make_float(-8.0));
  EXPECT_EQ(eval("math.inf**0"), Value::make_float(1.0));
  EXPECT_EQ(eval("(-math.inf)**3"), Value::make_float(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("0.5**math.inf"), Value::make_float(0.0));
  EXPECT_EQ(eval("-2*.02"), Value::make_float(-2 * 0.02));
  EXPECT_EQ(eval("1/3"), Value::make_float(1.0 / 3.0));
  EXPECT_TRUE(std::isnan(eval("math.inf*0").float_value()));
}

TEST(EvalSequences, ConcatenateAndRepeatLikePython) {
  EXPECT_EQ(eval("'fan' + '_out'"), Value::make_string("fan_out"));
  EXPECT_EQ(eval("(1,) + (2,)").repr(), "(1, 2)");
  EXPECT_EQ(eval("[1] + [2]").repr(), "[1, 2]");
  EXPECT_EQ(eval("(3,) * 2").repr(), "(3, 3)");
  EXPECT_EQ(eval("2 * [0]").repr(), "[0, 0]");
  EXPECT_EQ(eval("'ab' * True"), Value::make_string("ab"));
  EXPECT_EQ(eval("(1, 2) * -1").repr(), "()");
  EXPECT_EQ(eval("[Linear(1, 2)] * 1").repr(), "[Linear(1, 2)]");
}

TEST(EvalMath, BitForBitWithCPython) {
  // {float.hex} of CPython 3.11.7 on glibc; nninit calls the same libm functions.
  EXPECT_EQ(eval("math.sqrt(5)"), Value::make_float(std::sqrt(5.0)));
  EXPECT_EQ(eval("math.sqrt(5)"), Value::make_float(hex("0x1.1e3779b97f4a8p+1")));
  EXPECT_EQ(eval("math.pi"), Value::make_float(hex("0x1.921fb54442d18p+1")));
  EXPECT_EQ(eval("math.e"), Value::make_float(hex("0x1.5bf0a8b145769p+1")));
  EXPECT_EQ(eval("math.tau"), Value::make_float(2 * hex("0x1.921fb54442d18p+1")));
  EXPECT_EQ(eval("math.log(10)"), Value::make_float(hex("0x1.26bb1bbb55516p+1")));
  EXPECT_EQ(eval("math.log(3)"), Value::make_float(hex("0x1.193ea7aad030bp+0")));
  EXPECT_EQ(eval("math.exp(1)"), Value::make_float(hex("0x1.5bf0a8b145769p+1")));
  EXPECT_EQ(eval("math.exp(0.5)"), Value::make_float(hex("0x1.a61298e1e069cp+0")));
  EXPECT_EQ(eval("math.log(1000, 10)"),
            Value::make_float(hex("0x1.7ffffffffffffp+1")));  // 2.9999999999999996
  EXPECT_EQ(eval("math.log(8, 2)"), Value::make_float(3.0));
  EXPECT_EQ(eval("math.log2(8)"), Value::make_float(3.0));
  EXPECT_EQ(eval("math.log10(1000)"), Value::make_float(3.0));
  EXPECT_EQ(eval("math.pow(2, 0.5)"), Value::make_float(hex("0x1.6a09e667f3bcdp+0")));
  EXPECT_EQ(eval("math.sqrt(True)"), Value::make_float(1.0));
  EXPECT_EQ(eval("math.log(math.inf)"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("math.inf"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("-math.inf"), Value::make_float(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(eval("math.nan").float_value()));
  // Runtime libm calls, not values the compiler folded: the parser must agree with them bit for bit.
  volatile double ten = 10.0;
  volatile double half = 0.5;
  EXPECT_TRUE(same_bits(eval("math.log(10)").float_value(), std::log(ten)));
  EXPECT_TRUE(same_bits(eval("math.exp(0.5)").float_value(), std::exp(half)));
  EXPECT_EQ(eval("math.sqrt").kind(), Value::Kind::name);  // a function not called stays a name
}

TEST(EvalMath, IntFloatAndAbsConversions) {
  EXPECT_EQ(eval("float('inf')"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("float('-inf')"), Value::make_float(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("float('  -iNF ')"), Value::make_float(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(eval("float('Infinity')"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(eval("float('nan')").float_value()));
  EXPECT_EQ(eval("float(' 1_0 ')"), Value::make_float(10.0));
  EXPECT_EQ(eval("float('+1.5e3')"), Value::make_float(1500.0));
  EXPECT_EQ(eval("float('.5')"), Value::make_float(0.5));
  EXPECT_EQ(eval("float('5.')"), Value::make_float(5.0));
  EXPECT_EQ(eval("float(3)"), Value::make_float(3.0));
  EXPECT_EQ(eval("float(True)"), Value::make_float(1.0));
  EXPECT_EQ(eval("float()"), Value::make_float(0.0));
  EXPECT_EQ(eval("int(2.9)"), Value::make_int(2));
  EXPECT_EQ(eval("int(-3.9)"), Value::make_int(-3));
  EXPECT_EQ(eval("int('10', 2)"), Value::make_int(2));
  EXPECT_EQ(eval("int('10', base=2)"), Value::make_int(2));
  EXPECT_EQ(eval("int('0x10', 16)"), Value::make_int(16));
  EXPECT_EQ(eval("int('0x10', 0)"), Value::make_int(16));
  EXPECT_EQ(eval("int('z', 36)"), Value::make_int(35));
  EXPECT_EQ(eval("int(' 1_0 ')"), Value::make_int(10));
  EXPECT_EQ(eval("int('+5')"), Value::make_int(5));
  EXPECT_EQ(eval("int('-9223372036854775808')"), Value::make_int(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(eval("int(True)"), Value::make_int(1));
  EXPECT_EQ(eval("int()"), Value::make_int(0));
  EXPECT_EQ(eval("abs(-3)"), Value::make_int(3));
  EXPECT_EQ(eval("abs(-2.5)"), Value::make_float(2.5));
  EXPECT_EQ(eval("abs(-True)"), Value::make_int(1));
}

TEST(EvalErrors, ArithmeticInPythonsWords) {
  EXPECT_EQ(error_of<ParseError>("1/0"), "division by zero at column 2\n  1/0\n   ^");
  EXPECT_EQ(reason_of<ParseError>("1//0"), "integer division or modulo by zero at column 2");
  EXPECT_EQ(reason_of<ParseError>("1%0"), "integer modulo by zero at column 2");
  EXPECT_EQ(reason_of<ParseError>("1.0/0"), "float division by zero at column 4");
  EXPECT_EQ(reason_of<ParseError>("1.0//0"), "float floor division by zero at column 4");
  EXPECT_EQ(reason_of<ParseError>("1.0%0.0"), "float modulo at column 4");
  EXPECT_EQ(reason_of<ParseError>("0**-1"), "0.0 cannot be raised to a negative power at column 2");
  EXPECT_EQ(reason_of<ParseError>("0.0**-1"), "0.0 cannot be raised to a negative power at column 4");
  EXPECT_EQ(reason_of<ParseError>("10.0**400"), "(34, 'Numerical result out of range') at column 5");
  EXPECT_EQ(reason_of<ParseError>("(-8)**(1/3)"),
            "a negative number raised to a fractional power is complex; complex numbers are not supported at "
            "column 5");
}

TEST(EvalErrors, SixtyFourBitOverflowIsAnErrorNotAWrap) {
  EXPECT_EQ(reason_of<ParseError>("2**64"), "2 ** 64 does not fit in a 64-bit integer at column 2");
  EXPECT_EQ(reason_of<ParseError>("2**63"), "2 ** 63 does not fit in a 64-bit integer at column 2");
  EXPECT_EQ(reason_of<ParseError>("9223372036854775807+1"),
            "9223372036854775807 + 1 does not fit in a 64-bit integer at column 20");
  EXPECT_EQ(reason_of<ParseError>("-(-9223372036854775807-1)"),
            "-(-9223372036854775808) does not fit in a 64-bit integer at column 1");
  EXPECT_EQ(reason_of<ParseError>("(-9223372036854775807-1)//-1"),
            "-9223372036854775808 // -1 does not fit in a 64-bit integer at column 25");
  EXPECT_EQ(reason_of<ParseError>("3037000500*3037000500"),
            "3037000500 * 3037000500 does not fit in a 64-bit integer at column 11");
}

TEST(EvalErrors, MathAndConversionsInPythonsWords) {
  EXPECT_EQ(error_of<ParseError>("math.sqrt(-1)"), "math domain error at column 1\n  math.sqrt(-1)\n  ^");
  EXPECT_EQ(reason_of<ParseError>("math.log(0)"), "math domain error at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.log(-1)"), "math domain error at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.log(1, 1)"), "float division by zero at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.exp(1000)"), "math range error at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.pow(0, -1)"), "math domain error at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.pow(10, 400)"), "math range error at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.pow(-8, 1/3)"), "math domain error at column 1");
  EXPECT_EQ(reason_of<ParseError>("f(x=int(float('inf')))"),
            "cannot convert float infinity to integer at column 5");
  EXPECT_EQ(reason_of<ParseError>("int(float('nan'))"), "cannot convert float NaN to integer at column 1");
  EXPECT_EQ(reason_of<ParseError>("int(1e30)"), "int(1e+30) does not fit in a 64-bit integer at column 1");
  EXPECT_EQ(reason_of<ParseError>("int('9223372036854775808')"),
            "int('9223372036854775808') does not fit in a 64-bit integer at column 1");
  EXPECT_EQ(reason_of<ParseError>("float('abc')"), "could not convert string to float: 'abc' at column 1");
  EXPECT_EQ(reason_of<ParseError>("float('1__0')"), "could not convert string to float: '1__0' at column 1");
  EXPECT_EQ(reason_of<ParseError>("float('0x10')"), "could not convert string to float: '0x10' at column 1");
  EXPECT_EQ(reason_of<ParseError>("int('abc')"), "invalid literal for int() with base 10: 'abc' at column 1");
  EXPECT_EQ(reason_of<ParseError>("int('1_')"), "invalid literal for int() with base 10: '1_' at column 1");
  EXPECT_EQ(reason_of<ParseError>("int('010', 0)"),
            "invalid literal for int() with base 0: '010' at column 1");
  EXPECT_EQ(reason_of<ParseError>("int('10', 1)"), "int() base must be >= 2 and <= 36, or 0 at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.foo"), "module 'math' has no attribute 'foo' at column 1");
  EXPECT_EQ(reason_of<ParseError>("math.sqr(2)"),
            "module 'math' has no attribute 'sqr' (did you mean 'sqrt'?) at column 1");
}

TEST(EvalErrors, SequencesInPythonsWordsAndNninitsLimits) {
  EXPECT_EQ(reason_of<ParseError>("'%d' % 3"), "string formatting with '%' is not supported at column 6");
  EXPECT_EQ(
      reason_of<ParseError>("[Linear(1, 2)] * 2"),
      "repeating a sequence that holds calls would share one object between its elements in Python; write "
      "the elements out at column 16");
  EXPECT_EQ(reason_of<ParseError>("[0] * 10**7"),
            "repeating a sequence of size 1 (elements and what they hold) 10000000 times makes more than "
            "1048576 at column 5");
}

TEST(EvalErrors, RepetitionAndConcatenationAreBoundedByWhatTheyProduce) {
  // Once an empty sequence was copied 10**18 times, element by element: a hang. It is empty, at once.
  EXPECT_EQ(eval("[] * 10**18"), Value::make_list({}));
  EXPECT_EQ(eval("() * 10**18"), Value::make_tuple({}));
  EXPECT_EQ(eval("'' * 10**18"), Value::make_string(""));
  EXPECT_EQ(eval("[[]] * 0"), Value::make_list({}));
  // The limit once counted only the outer elements: a million strings of a million characters (a TB)
  // passed. It counts what the elements hold.
  EXPECT_EQ(
      reason_of<ParseError>("['a' * 1000000] * 1000000"),
      "repeating a sequence of size 1000001 (elements and what they hold) 1000000 times makes more than "
      "1048576 at column 17");
  EXPECT_EQ(reason_of<ParseError>("[[0] * 1000] * 2000"),
            "repeating a sequence of size 1001 (elements and what they hold) 2000 times makes more than "
            "1048576 at column 14");
  EXPECT_EQ(reason_of<ParseError>("[[]] * 10**18"),
            "repeating a sequence of size 1 (elements and what they hold) 1000000000000000000 times makes "
            "more than 1048576 at column 6");
  // Concatenation cannot double its way past the bound either.
  EXPECT_EQ(reason_of<ParseError>("'a' * 1000000 + 'b' * 100000"),
            "concatenating sequences of size 1000000 and 100000 makes more than 1048576 at column 15");
  EXPECT_EQ(reason_of<ParseError>("[0] * 2**19 + [0] * 2**19 + [0]"),
            "concatenating sequences of size 1048576 and 1 makes more than 1048576 at column 27");
  // Up to the bound, it is Python's repetition.
  EXPECT_EQ(eval("'ab' * 3"), Value::make_string("ababab"));
  EXPECT_EQ(eval("[[1]] * 2"), Value::make_list({Value::make_list({Value::make_int(1)}),
                                                 Value::make_list({Value::make_int(1)})}));
}

TEST(EvalErrors, TypeErrorsInPythonsWords) {
  EXPECT_EQ(error_of<ExpressionTypeError>("'a' + 1"),
            "can only concatenate str (not \"int\") to str at column 5\n  'a' + 1\n      ^");
  EXPECT_EQ(reason_of<ExpressionTypeError>("1 + 'a'"),
            "unsupported operand type(s) for +: 'int' and 'str' at column 3");
  EXPECT_EQ(reason_of<ExpressionTypeError>("[1] + (2,)"),
            "can only concatenate list (not \"tuple\") to list at column 5");
  EXPECT_EQ(reason_of<ExpressionTypeError>("(1,) + [2]"),
            "can only concatenate tuple (not \"list\") to tuple at column 6");
  EXPECT_EQ(reason_of<ExpressionTypeError>("'a'*'b'"),
            "can't multiply sequence by non-int of type 'str' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("'a'*2.0"),
            "can't multiply sequence by non-int of type 'float' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("2.0*[1]"),
            "can't multiply sequence by non-int of type 'float' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("None*[1]"),
            "can't multiply sequence by non-int of type 'NoneType' at column 5");
  EXPECT_EQ(reason_of<ExpressionTypeError>("-'a'"), "bad operand type for unary -: 'str' at column 1");
  EXPECT_EQ(reason_of<ExpressionTypeError>("+'a'"), "bad operand type for unary +: 'str' at column 1");
  EXPECT_EQ(reason_of<ExpressionTypeError>("-(1,)"), "bad operand type for unary -: 'tuple' at column 1");
  EXPECT_EQ(reason_of<ExpressionTypeError>("~1.5"), "bad operand type for unary ~: 'float' at column 1");
  EXPECT_EQ(reason_of<ExpressionTypeError>("None+1"),
            "unsupported operand type(s) for +: 'NoneType' and 'int' at column 5");
  EXPECT_EQ(reason_of<ExpressionTypeError>("[1]-[1]"),
            "unsupported operand type(s) for -: 'list' and 'list' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("[1]//2"),
            "unsupported operand type(s) for //: 'list' and 'int' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("'a'/'b'"),
            "unsupported operand type(s) for /: 'str' and 'str' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("2**'a'"),
            "unsupported operand type(s) for ** or pow(): 'int' and 'str' at column 2");
  EXPECT_EQ(reason_of<ExpressionTypeError>("1.5%'a'"),
            "unsupported operand type(s) for %: 'float' and 'str' at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("Linear(1, 2) * 2"),
            "unsupported operand type(s) for *: 'Linear' and 'int' at column 14");
  EXPECT_EQ(reason_of<ExpressionTypeError>("zeros_ + 1"),
            "unsupported operand type(s) for +: 'function' and 'int' at column 8");
  EXPECT_EQ(reason_of<ExpressionTypeError>("(1)(2)"), "'int' object is not callable at column 4");
  EXPECT_EQ(reason_of<ExpressionTypeError>("math.pi(2)"), "'float' object is not callable at column 1");
}

TEST(EvalErrors, ConstantFunctionArgumentsInPythonsWords) {
  const auto check = [](std::string_view text, std::string_view reason) {
    EXPECT_EQ(reason_of<ExpressionTypeError>(text), std::string(reason) + " at column 1") << text;
  };
  check("math.sqrt('a')", "must be real number, not str");
  check("math.sqrt(Linear(1, 2))", "must be real number, not Linear");
  check("math.sqrt(1, 2)", "math.sqrt() takes exactly one argument (2 given)");
  check("math.sqrt()", "math.sqrt() takes exactly one argument (0 given)");
  check("math.exp(1, 2)", "math.exp() takes exactly one argument (2 given)");
  check("math.sqrt(x=1)", "math.sqrt() takes no keyword arguments");
  check("math.log()", "math.log requires 1 to 2 arguments");
  check("math.log(1, 2, 3)", "math.log requires 1 to 2 arguments");
  check("math.log(x=1)", "log() takes no keyword arguments");
  check("math.pow(1)", "pow expected 2 arguments, got 1");
  check("math.pow(x=1, y=2)", "math.pow() takes no keyword arguments");
  check("float(1, 2)", "float expected at most 1 argument, got 2");
  check("float(x=1)", "float() takes no keyword arguments");
  check("float([1])", "float() argument must be a string or a real number, not 'list'");
  check("int(None)", "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
  check("int(1, 2)", "int() can't convert non-string with explicit base");
  check("int(2.0, 10)", "int() can't convert non-string with explicit base");
  check("int(x=1)", "'x' is an invalid keyword argument for int()");
  check("int(1, 2, 3)", "int() takes at most 2 arguments (3 given)");
  check("int('1', 2.0)", "'float' object cannot be interpreted as an integer");
  check("abs('a')", "bad operand type for abs(): 'str'");
  check("abs(1, 2)", "abs() takes exactly one argument (2 given)");
  check("abs(x=1)", "abs() takes no keyword arguments");
}

TEST(EvalDirect, OperatorsWithoutLocations) {
  EXPECT_EQ(apply_binary(BinaryOperator::power, Value::make_int(2), Value::make_int(-1)),
            Value::make_float(0.5));
  EXPECT_EQ(apply_unary(UnaryOperator::minus, Value::make_float(0.0)), Value::make_float(-0.0));
  EXPECT_THROW(apply_binary(BinaryOperator::true_divide, Value::make_int(1), Value::make_int(0)), ValueError);
  EXPECT_THROW(apply_binary(BinaryOperator::add, Value::make_int(1), Value::make_string("a")), TypeError);
  EXPECT_EQ(operator_symbol(BinaryOperator::floor_divide), "//");
  EXPECT_EQ(operator_symbol(UnaryOperator::invert), "~");
  EXPECT_TRUE(is_constant_function("math.sqrt"));
  EXPECT_TRUE(is_constant_function("float"));
  EXPECT_FALSE(is_constant_function("math.pi"));
  EXPECT_FALSE(is_constant_function("sqrt"));
  EXPECT_EQ(constant_name("math.e"), Value::make_float(std::exp(1.0)));
  EXPECT_EQ(constant_name("nn.ReLU"), std::nullopt);
  EXPECT_EQ(constant_name("math.sqrt"), std::nullopt);
  EXPECT_THROW(constant_name("math.sqrtt"), ValueError);
}

}  // namespace
}  // namespace nninit::lang
