#include "nninit/lang/parser.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace nninit::lang {
namespace {

// The message of the ParseError that parsing `text` throws, or a note that it threw none.
std::string parse_error(std::string_view text) {
  try {
    const Value value = parse_expression(text);
    return "no error; parsed " + value.repr();
  } catch (const ParseError& e) {
    return e.what();
  }
}

// The expected message: the reason at a column of one-line `text`, the text and a caret under that column.
std::string at(std::string_view reason, std::string_view text, int column) {
  return std::string(reason) + " at column " + std::to_string(column) + "\n  " + std::string(text) + "\n  " +
         std::string(static_cast<std::size_t>(column - 1), ' ') + "^";
}

void expect_error(std::string_view text, std::string_view reason, int column) {
  EXPECT_EQ(parse_error(text), at(reason, text, column)) << text;
}

TEST(ParseLiterals, Integers) {
  EXPECT_EQ(parse_expression("42"), Value::make_int(42));
  EXPECT_EQ(parse_expression("1_000"), Value::make_int(1000));
  EXPECT_EQ(parse_expression("0x10"), Value::make_int(16));
  EXPECT_EQ(parse_expression("0X_fF"), Value::make_int(255));
  EXPECT_EQ(parse_expression("0o17"), Value::make_int(15));
  EXPECT_EQ(parse_expression("0b101"), Value::make_int(5));
  EXPECT_EQ(parse_expression("00"), Value::make_int(0));
  EXPECT_EQ(parse_expression("9223372036854775807"),
            Value::make_int(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(parse_expression("-9223372036854775808"),
            Value::make_int(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(parse_expression("0x7fffffffffffffff"),
            Value::make_int(std::numeric_limits<std::int64_t>::max()));
}

TEST(ParseLiterals, FloatsAreCorrectlyRounded) {
  EXPECT_EQ(parse_expression(".02"), Value::make_float(0.02));
  EXPECT_EQ(parse_expression("2."), Value::make_float(2.0));
  EXPECT_EQ(parse_expression("1e-5"), Value::make_float(1e-5));
  EXPECT_EQ(parse_expression("1E5"), Value::make_float(1e5));
  EXPECT_EQ(parse_expression("1.e5"), Value::make_float(1e5));
  EXPECT_EQ(parse_expression("1_0.2_5"), Value::make_float(10.25));
  EXPECT_EQ(parse_expression("010.5"), Value::make_float(10.5));
  EXPECT_EQ(parse_expression("0.1"), Value::make_float(0.1));
  EXPECT_EQ(parse_expression("5e-324"), Value::make_float(std::numeric_limits<double>::denorm_min()));
  // Beyond double's range Python gives inf and 0.0 rather than an error.
  EXPECT_EQ(parse_expression("1e400"), Value::make_float(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(parse_expression("1e-400"), Value::make_float(0.0));
  EXPECT_EQ(parse_expression("0.000e99999"), Value::make_float(0.0));
  EXPECT_EQ(parse_expression("1e-5").repr(), "1e-05");
}

TEST(ParseLiterals, StringsAndEscapes) {
  EXPECT_EQ(parse_expression("'fan_out'"), Value::make_string("fan_out"));
  EXPECT_EQ(parse_expression("\"fan_out\""), Value::make_string("fan_out"));
  EXPECT_EQ(parse_expression(R"('a\nb\tc\\d\'e\"f')"), Value::make_string("a\nb\tc\\d'e\"f"));
  EXPECT_EQ(parse_expression(R"('\x41\101\u00e9')"), Value::make_string("AA\xc3\xa9"));
  EXPECT_EQ(parse_expression(R"('\d')"), Value::make_string("\\d"));  // unknown escapes stay, as in Python
  EXPECT_EQ(parse_expression("'fan' \"_out\""), Value::make_string("fan_out"));
  EXPECT_EQ(parse_expression("''"), Value::make_string(""));
}

TEST(ParseLiterals, ConstantsTuplesAndLists) {
  EXPECT_EQ(parse_expression("True"), Value::make_bool(true));
  EXPECT_EQ(parse_expression("False"), Value::make_bool(false));
  EXPECT_EQ(parse_expression("None"), Value::make_none());
  EXPECT_EQ(parse_expression("()"), Value::make_tuple({}));
  EXPECT_EQ(parse_expression("(3,)"), Value::make_tuple({Value::make_int(3)}));
  EXPECT_EQ(parse_expression("(3)"), Value::make_int(3));
  EXPECT_EQ(parse_expression("(3, 3)"), Value::make_tuple({Value::make_int(3), Value::make_int(3)}));
  EXPECT_EQ(parse_expression("(1, 'a',)").repr(), "(1, 'a')");
  EXPECT_EQ(parse_expression("[]"), Value::make_list({}));
  EXPECT_EQ(parse_expression("[1, 2,]").repr(), "[1, 2]");
  EXPECT_EQ(parse_expression("[(1, 2), [None], ()]").repr(), "[(1, 2), [None], ()]");
}

TEST(ParseCalls, ModelExpressions) {
  const Value model =
      parse_expression("Sequential(Linear(784, 256), ReLU(), nn.Linear(256, 10, bias=False))");
  ASSERT_EQ(model.kind(), Value::Kind::call);
  const Call& sequential = model.call();
  EXPECT_EQ(sequential.callee, "Sequential");
  ASSERT_EQ(sequential.args.size(), 3u);
  EXPECT_EQ(sequential.args[0].call().callee, "Linear");
  EXPECT_EQ(sequential.args[0].call().args, (std::vector{Value::make_int(784), Value::make_int(256)}));
  EXPECT_EQ(sequential.args[1].call().callee, "ReLU");
  EXPECT_TRUE(sequential.args[1].call().args.empty());
  const Call& last = sequential.args[2].call();
  EXPECT_EQ(last.callee, "nn.Linear");
  EXPECT_EQ(last.base_name(), "Linear");
  ASSERT_EQ(last.keywords.size(), 1u);
  EXPECT_EQ(last.keywords[0].name, "bias");
  EXPECT_EQ(last.keywords[0].value, Value::make_bool(false));

  EXPECT_EQ(parse_expression("torch.nn.Conv2d(3, 64, kernel_size=(3, 3), stride=2, padding='same', "
                             "padding_mode=\"zeros\")")
                .repr(),
            "torch.nn.Conv2d(3, 64, kernel_size=(3, 3), stride=2, padding='same', padding_mode='zeros')");
  EXPECT_EQ(parse_expression("nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=512, nhead=8, "
                             "batch_first=True), num_layers=6)")
                .repr(),
            "nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=512, nhead=8, batch_first=True), "
            "num_layers=6)");
  EXPECT_EQ(parse_expression("LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)").repr(),
            "LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)");
  EXPECT_EQ(parse_expression("ModuleList([Linear(2, 3), Linear(3, 4),])").repr(),
            "ModuleList([Linear(2, 3), Linear(3, 4)])");
}

TEST(ParseCalls, InitExpressionsFoldTheirArguments) {
  EXPECT_EQ(parse_expression("kaiming_normal_(mode='fan_out', nonlinearity='relu')").repr(),
            "kaiming_normal_(mode='fan_out', nonlinearity='relu')");
  const Value trunc = parse_expression("nn.init.trunc_normal_(std=.02, a=-2*.02, b=2*0.02)");
  EXPECT_EQ(trunc.call().callee, "nn.init.trunc_normal_");
  EXPECT_EQ(*trunc.call().keyword("a"), Value::make_float(-2 * 0.02));
  EXPECT_EQ(*trunc.call().keyword("b"), Value::make_float(2 * 0.02));
  const Value kaiming = parse_expression("torch.nn.init.kaiming_uniform_(a=math.sqrt(5))");
  EXPECT_EQ(*kaiming.call().keyword("a"), Value::make_float(std::sqrt(5.0)));
  EXPECT_EQ(parse_expression("forget_gate_bias_(1.0)").repr(), "forget_gate_bias_(1.0)");
}

TEST(ParseCalls, ExpressionsMaySpanLinesWithComments) {
  const Value model = parse_expression(
      "Sequential(  # a small MLP\n"
      "    Linear(784, 256),\n"
      "    ReLU(),\n"
      ")\n");
  EXPECT_EQ(model.repr(), "Sequential(Linear(784, 256), ReLU())");
}

TEST(ParseNames, BareAndDottedNames) {
  EXPECT_EQ(parse_expression("zeros_"), Value::make_name("zeros_"));
  EXPECT_EQ(parse_expression("nn.init.zeros_"), Value::make_name("nn.init.zeros_"));
  EXPECT_EQ(parse_expression("torch.nn.ReLU"), Value::make_name("torch.nn.ReLU"));
  EXPECT_EQ(parse_expression(" ReLU "), Value::make_name("ReLU"));
  EXPECT_EQ(parse_expression("torch.float64"), Value::make_name("torch.float64"));
}

TEST(ParseLocation, ValuesKnowWhereTheyCameFrom) {
  const Value v = parse_expression("Linear(784, bias=False)");
  EXPECT_EQ(v.range(), (SourceRange{0, 23}));
  EXPECT_EQ(v.call().callee_range, (SourceRange{0, 6}));
  EXPECT_EQ(v.call().args[0].range(), (SourceRange{7, 10}));
  EXPECT_EQ(v.call().keywords[0].name_range, (SourceRange{12, 16}));
  EXPECT_EQ(v.call().keywords[0].value.range(), (SourceRange{17, 22}));
  const Value folded = parse_expression("f(a=-2*.02)");
  EXPECT_EQ(folded.call().keywords[0].value.range(), (SourceRange{4, 10}));
  EXPECT_EQ(parse_expression("math.pi").range(), (SourceRange{0, 7}));
}

TEST(ParseLocation, PositionsCountLinesAndCodePoints) {
  EXPECT_EQ(position_of("abc", 0).column, 1);
  EXPECT_EQ(position_of("abc", 3).column, 4);
  EXPECT_EQ(position_of("a\nbc", 3).line, 2);
  EXPECT_EQ(position_of("a\nbc", 3).column, 2);
  EXPECT_EQ(position_of("'\xc3\xa9'x", 4).column, 4);  // é is two bytes, one column
}

TEST(ParseLocation, SubrangeReportsColumnsInTheWholeText) {
  const std::string rule = "Linear.weight=normal_(std=0.02)";
  EXPECT_EQ(parse_expression(rule, {14, rule.size()}).repr(), "normal_(std=0.02)");
  try {
    parse_expression("x=f(1,,)", {2, 8});
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.reason(), "expected an argument or ')'");
    EXPECT_EQ(e.offset(), 6u);
    EXPECT_EQ(e.position().column, 7);
    EXPECT_EQ(e.source(), "x=f(1,,)");
  }
}

TEST(ParseErrors, SyntaxWithColumnAndCaret) {
  EXPECT_EQ(parse_error("Linear(784, 256,, bias=False)"),
            "expected an argument or ')' at column 17\n"
            "  Linear(784, 256,, bias=False)\n"
            "                  ^");
  expect_error("Linear(784 256)", "expected ',' or ')'", 12);
  expect_error("(1 2)", "expected ',' or ')'", 4);
  expect_error("[1 2]", "expected ',' or ']'", 4);
  expect_error("[1,,2]", "expected an element or ']'", 4);
  expect_error("(1,,2)", "expected an expression or ')'", 4);
  expect_error("f(,)", "expected an argument or ')'", 3);
  expect_error("f(a=)", "expected an expression", 5);
  expect_error("1 +", "expected an expression", 4);
  expect_error("2 ** ", "expected an expression", 6);
  expect_error("-", "expected an expression", 2);
  expect_error("f(a=1, a=2)", "keyword argument repeated: a", 8);
  expect_error("f(a=1, 2)", "positional argument follows keyword argument", 8);
  expect_error("f(True=1)", "'True' cannot be a keyword argument name", 3);
  expect_error("f(a.b=1)", "a keyword argument's name must be a plain name", 3);
  expect_error("nn.", "expected a name after '.'", 4);
  expect_error("nn.1", "unexpected number .1 after the end of the expression", 3);
  expect_error("nn.(", "expected a name after '.'", 4);
}

TEST(ParseErrors, EmptyInput) {
  EXPECT_EQ(parse_error(""), "empty expression at column 1\n  \n  ^");
  EXPECT_EQ(parse_error("   "), "empty expression at column 1\n     \n  ^");
  EXPECT_EQ(parse_error("# only a comment"), at("empty expression", "# only a comment", 1));
}

TEST(ParseErrors, BracketsInPythonsWords) {
  expect_error("Linear(784, 256", "'(' was never closed", 7);
  expect_error("f(g(1)", "'(' was never closed", 2);
  expect_error("f(g(1", "'(' was never closed", 4);
  expect_error("[1, 2", "'[' was never closed", 1);
  expect_error("Linear(1,2))", "unmatched ')'", 12);
  expect_error("]", "unmatched ']'", 1);
  expect_error("[1, 2)", "closing parenthesis ')' does not match opening parenthesis '['", 6);
  expect_error("f([1)", "closing parenthesis ')' does not match opening parenthesis '['", 5);
}

TEST(ParseErrors, TrailingText) {
  expect_error("Linear(1,2) x", "unexpected name 'x' after the end of the expression", 13);
  expect_error("1 2", "unexpected number 2 after the end of the expression", 3);
  expect_error("f() 'a'", "unexpected string 'a' after the end of the expression", 5);
  expect_error("1, 2", "unexpected ',' after the end of the expression", 2);
  expect_error("f(1) = 2", "unexpected '=' after the end of the expression", 6);
  expect_error("1.5.2", "unexpected number .2 after the end of the expression", 4);
}

TEST(ParseErrors, StringsInPythonsWords) {
  expect_error("'abc", "unterminated string literal", 1);
  expect_error("f(mode='fan_out)", "unterminated string literal", 8);
  expect_error("\"abc'", "unterminated string literal", 1);
  expect_error("'abc\\", "unterminated string literal", 1);
  expect_error(R"('\x4')", "truncated \\xXX escape", 2);
  expect_error(R"('\u12')", "truncated \\uXXXX escape", 2);
  expect_error(R"('\N{DASH}')", "\\N{...} escapes are not supported", 2);
  EXPECT_EQ(parse_error("'ab\ncd'"), "unterminated string literal at line 1, column 1\n  'ab\n  ^");
}

TEST(ParseErrors, NumbersInPythonsWords) {
  expect_error("1_", "invalid decimal literal", 2);
  expect_error("1__0", "invalid decimal literal", 2);
  expect_error("1e", "invalid decimal literal", 1);
  expect_error("3abc", "invalid decimal literal", 1);
  expect_error("0x", "invalid hexadecimal literal", 1);
  expect_error("0xg", "invalid hexadecimal literal", 1);
  expect_error("0o", "invalid octal literal", 1);
  expect_error("0o8", "invalid octal literal", 1);
  expect_error("0b102", "invalid digit '2' in binary literal", 5);
  expect_error(
      "012",
      "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1);
  expect_error("1j", "complex numbers are not supported", 1);
  expect_error("99999999999999999999", "integer 99999999999999999999 does not fit in a 64-bit integer", 1);
  expect_error("9223372036854775808", "integer 9223372036854775808 does not fit in a 64-bit integer", 1);
  expect_error("f(x=0x1_0000_0000_0000_0000)",
               "integer 0x1_0000_0000_0000_0000 does not fit in a 64-bit integer", 5);
}

TEST(ParseErrors, UnsupportedPythonNamesItself) {
  expect_error("ModuleList(Linear(2,3) for _ in range(3))",
               "only list comprehensions are supported: write [... for ... in ...]", 24);
  expect_error("{k: 1 for k in 'ab'}", "only list comprehensions are supported", 7);
  expect_error("{1, 2}", "sets are not supported; a dict display writes key: value", 2);
  expect_error("{**a}", "** in a dict display is not supported", 2);
  expect_error("[**a]", "unpacking with * is supported in calls, lists and tuples, and with ** in calls only",
               2);
  expect_error("Sequential(Linear(1,2))[0]", "subscripts are not supported", 24);
  expect_error("Linear(1,2).weight", "attribute access is only supported on names", 12);
  expect_error("'a'.upper()", "attribute access is only supported on names", 4);
  expect_error("Linear(1,2)(x)", "calling the result of a call is not supported", 12);
  expect_error("a == b", "comparison operators are not supported", 3);
  expect_error("a < b", "comparison operators are not supported", 3);
  expect_error("lambda: 0", "lambda expressions are not supported", 1);
  expect_error("1 if x else 2", "conditional expressions are not supported", 3);
  expect_error("not x", "boolean operators and comparisons are not supported", 1);
  expect_error("x and y", "boolean operators and comparisons are not supported", 3);
  expect_error("import os", "'import' is a Python statement keyword and cannot appear in an expression", 1);
  expect_error("$", "unexpected character '$'", 1);
  expect_error("a @ b", "unexpected character '@'", 3);
}

// Expected values are what CPython 3.11 evaluates the same text to (python3 -c 'print(repr(<text>))').
TEST(ParseContainers, DictDisplays) {
  EXPECT_EQ(parse_expression("{}").repr(), "{}");
  EXPECT_EQ(parse_expression("{'fc': Linear(2, 2), 'act': ReLU(),}").repr(),
            "{'fc': Linear(2, 2), 'act': ReLU()}");
  // A repeated key keeps its first place and takes the last value; 1, 1.0 and True are one key.
  EXPECT_EQ(parse_expression("{'a': 1, 'b': 2, 'a': 3}").repr(), "{'a': 3, 'b': 2}");
  EXPECT_EQ(parse_expression("{1: 'x', 1.0: 'y', True: 'z'}").repr(), "{1: 'z'}");
  EXPECT_EQ(parse_expression("{(1, 2): 0}").repr(), "{(1, 2): 0}");
  EXPECT_EQ(parse_expression("{ReLU(): 1, ReLU(): 2}").repr(), "{ReLU(): 1, ReLU(): 2}");  // two objects
  EXPECT_EQ(parse_expression("{'a': 1}").type_name(), "dict");
  expect_error("{'a' 1}", "expected ':'", 6);
  expect_error("{'a': }", "expected a value", 7);
  expect_error("{'a': 1 2}", "expected ',' or '}'", 9);
  expect_error("{'a': 1", "'{' was never closed", 1);
  expect_error("{'a': 1)", "closing parenthesis ')' does not match opening parenthesis '{'", 8);
}

TEST(ParseContainers, UnhashableDictKeysAreTypeErrors) {
  for (const auto& [text, message] : {std::pair{"{[1]: 2}", "unhashable type: 'list'"},
                                      std::pair{"{(1, [2]): 2}", "unhashable type: 'list'"},
                                      std::pair{"{{}: 2}", "unhashable type: 'dict'"}}) {
    try {
      parse_expression(text);
      ADD_FAILURE() << text << ": no error";
    } catch (const ExpressionTypeError& e) {
      EXPECT_EQ(e.reason(), message) << text;
    }
  }
}

TEST(ParseContainers, ListComprehensions) {
  EXPECT_EQ(parse_expression("[i * 2 for i in range(4)]").repr(), "[0, 2, 4, 6]");
  EXPECT_EQ(parse_expression("[i for i in range(2, 11, 3)]").repr(), "[2, 5, 8]");
  EXPECT_EQ(parse_expression("[i for i in range(5, 0, -2)]").repr(), "[5, 3, 1]");
  EXPECT_EQ(parse_expression("[i for i in range(-3)]").repr(), "[]");
  EXPECT_EQ(parse_expression("[(i, j) for i in range(3) for j in range(i)]").repr(),
            "[(1, 0), (2, 0), (2, 1)]");
  EXPECT_EQ(parse_expression("[i for i in range(10) if i % 3 if i % 2]").repr(), "[1, 5, 7]");
  EXPECT_EQ(parse_expression("[[j for j in range(i)] for i in range(3)]").repr(), "[[], [0], [0, 1]]");
  EXPECT_EQ(parse_expression("[c + c for c in 'ab\\xe9']").repr(), "['aa', 'bb', '\xc3\xa9\xc3\xa9']");
  EXPECT_EQ(parse_expression("[k for k in {'x': 1, 'y': 2}]").repr(), "['x', 'y']");
  EXPECT_EQ(parse_expression("[x for x in (1.5, None)]").repr(), "[1.5, None]");
  // The name is local to the comprehension; the innermost binding wins.
  EXPECT_EQ(parse_expression("[[i for i in range(2)] for i in 'ab']").repr(), "[[0, 1], [0, 1]]");
  EXPECT_EQ(parse_expression("([i for i in range(2)], i)").repr(), "([0, 1], i)");
  // Each element is evaluated anew: its calls are distinct objects.
  const Value layers = parse_expression("[Linear(4, 4) for _ in range(3)]");
  ASSERT_EQ(layers.items().size(), 3u);
  EXPECT_NE(&layers.items()[0].call(), &layers.items()[1].call());
  EXPECT_EQ(layers.items()[2].repr(), "Linear(4, 4)");
  EXPECT_EQ(parse_expression("[Linear(2 ** i, 2 ** (i + 1)) for i in range(3)]").repr(),
            "[Linear(1, 2), Linear(2, 4), Linear(4, 8)]");
}

TEST(ParseContainers, ComprehensionErrorsSayWhere) {
  expect_error("[i for i in range(2) if]", "expected an expression", 24);
  expect_error("[for i in range(2)]", "expected an expression", 2);
  expect_error("[i for i, j in range(2)]", "a comprehension's target must be one name", 8);
  expect_error("[i for 1 in range(2)]", "a comprehension's target must be one name", 8);
  expect_error("[i for i range(2)]", "expected 'in' after the comprehension's target", 10);
  expect_error("[i j for i in range(2)]", "expected 'for'", 4);
  expect_error("[i for i in range(1, 2, 0)]", "range() arg 3 must not be zero", 25);
  // Work is counted over every evaluation, so ranges cannot make it unbounded.
  EXPECT_NE(parse_error("[i for i in range(10 ** 12)]")
                .find("the comprehensions evaluate more than 1048576 tokens in all; build fewer elements"),
            std::string::npos);
  EXPECT_NE(parse_error("[[[0 for a in range(200)] for b in range(200)] for c in range(200)]")
                .find("the comprehensions evaluate more than"),
            std::string::npos);
  EXPECT_NE(parse_error("[0 for a in range(10 ** 9) if 0]").find("the comprehensions evaluate more than"),
            std::string::npos);
  for (const auto& [text, message] :
       {std::pair{"[i for i in 3]", "'int' object is not iterable"},
        std::pair{"[i for i in range(1.5)]", "'float' object cannot be interpreted as an integer"},
        std::pair{"[i for i in range()]", "range expected at least 1 argument, got 0"},
        std::pair{"[i for i in range(1, 2, 3, 4)]", "range expected at most 3 arguments, got 4"},
        std::pair{"[i for i in range(stop=2)]", "range() takes no keyword arguments"},
        std::pair{"[i for i in Linear(2, 2)]", "'Linear' object is not iterable"}}) {
    try {
      parse_expression(text);
      ADD_FAILURE() << text << ": no error";
    } catch (const ExpressionTypeError& e) {
      EXPECT_EQ(e.reason(), message) << text;
    }
  }
}

TEST(ParseContainers, StarredUnpacking) {
  EXPECT_EQ(parse_expression("Sequential(*[Linear(4, 4), ReLU()])").repr(),
            "Sequential(Linear(4, 4), ReLU())");
  EXPECT_EQ(parse_expression("f(1, *(2, 3), 4, *[Linear(1, 1) for _ in range(2)])").repr(),
            "f(1, 2, 3, 4, Linear(1, 1), Linear(1, 1))");
  EXPECT_EQ(parse_expression("f(*range(3))").repr(), "f(0, 1, 2)");
  EXPECT_EQ(parse_expression("f(a=1, *[2])").repr(), "f(2, a=1)");
  EXPECT_EQ(parse_expression("[0, *'ab', *{'k': 1}]").repr(), "[0, 'a', 'b', 'k']");
  EXPECT_EQ(parse_expression("(*[1, 2],)").repr(), "(1, 2)");
  EXPECT_EQ(parse_expression("Linear(**{'in_features': 2, 'out_features': 3}, bias=False)").repr(),
            "Linear(in_features=2, out_features=3, bias=False)");
  expect_error("(*[1, 2])", "cannot use starred expression here", 2);
  expect_error("f(**{'a': 1}, 2)", "positional argument follows keyword argument unpacking", 15);
  expect_error("f(**{'a': 1}, *[2])", "iterable argument unpacking follows keyword argument unpacking", 15);
  expect_error("f(*)", "expected an expression", 4);
  for (const auto& [text, message] :
       {std::pair{"Sequential(*3)", "Sequential() argument after * must be an iterable, not int"},
        std::pair{"[*3]", "Value after * must be an iterable, not int"},
        std::pair{"f(**[1])", "f() argument after ** must be a mapping, not list"},
        std::pair{"f(**{1: 2})", "keywords must be strings"},
        std::pair{"f(a=1, **{'a': 2})", "f() got multiple values for keyword argument 'a'"},
        std::pair{"f(**{'a': 2}, a=1)", "f() got multiple values for keyword argument 'a'"}}) {
    try {
      parse_expression(text);
      ADD_FAILURE() << text << ": no error";
    } catch (const ExpressionTypeError& e) {
      EXPECT_EQ(e.reason(), message) << text;
    }
  }
}

TEST(ParseErrors, CaretCountsCodePointsAndKeepsTabs) {
  EXPECT_EQ(parse_error("f('\xc3\xa9', $)"),
            "unexpected character '$' at column 8\n  f('\xc3\xa9', $)\n         ^");
  EXPECT_EQ(parse_error("f(\t$)"), "unexpected character '$' at column 4\n  f(\t$)\n    \t^");
  EXPECT_EQ(parse_error("f(\xe2\x82\xac)"), at("unexpected character '\xe2\x82\xac'", "f(\xe2\x82\xac)", 3));
}

TEST(ParseErrors, SeveralLinesNameTheLine) {
  EXPECT_EQ(parse_error("Sequential(\n    Linear(1, 2),,\n)"),
            "expected an argument or ')' at line 2, column 18\n"
            "      Linear(1, 2),,\n"
            "                   ^");
  EXPECT_EQ(parse_error("Sequential(\r\n  Linear(1, 2)\r\n"),
            "'(' was never closed at line 1, column 11\n  Sequential(\n            ^");
}

TEST(ParseErrors, DeepNestingIsRefusedNotFatal) {
  const std::string deep = std::string(150, '(') + "1" + std::string(150, ')');
  EXPECT_NE(parse_error(deep).find("expression nests more than 100 levels deep at column 101\n"),
            std::string::npos);
  const std::string minus(500, '-');
  EXPECT_NE(parse_error(minus + "1").find("expression nests more than 100 levels deep"), std::string::npos);
  std::string powers;
  for (int i = 0; i < 300; ++i) powers += "1**";
  EXPECT_NE(parse_error(powers + "1").find("expression nests more than 100 levels deep"), std::string::npos);
  std::string calls;
  for (int i = 0; i < 99; ++i) calls += "f(";
  calls += "1";
  for (int i = 0; i < 99; ++i) calls += ")";
  EXPECT_NE(parse_error(calls).find("no error"), std::string::npos);
}

TEST(ParseErrors, AreValueErrorsWithAccessors) {
  try {
    parse_expression("f(1,,)");
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::value);
    const auto* parse = dynamic_cast<const ParseError*>(&e);
    ASSERT_NE(parse, nullptr);
    EXPECT_EQ(parse->reason(), "expected an argument or ')'");
    EXPECT_EQ(parse->position().line, 1);
    EXPECT_EQ(parse->position().column, 5);
  }
}

}  // namespace
}  // namespace nninit::lang
