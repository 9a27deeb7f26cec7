#include "nninit/lang/signature.h"

#include <string>

#include <gtest/gtest.h>

#include "nninit/lang/parser.h"

namespace nninit::lang {
namespace {

// torch.nn.Linear.__init__(self, in_features, out_features, bias=True, device=None, dtype=None)
Signature linear_signature() {
  return {.name = "Linear.__init__",
          .parameters = {{.name = "in_features"},
                         {.name = "out_features"},
                         {.name = "bias", .default_value = Value::make_bool(true)},
                         {.name = "device", .default_value = Value()},
                         {.name = "dtype", .default_value = Value()}},
          .implicit_positional = 1};
}

// torch.nn.init.kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None)
Signature kaiming_signature() {
  return {.name = "kaiming_normal_",
          .parameters = {{.name = "a", .default_value = Value::make_int(0)},
                         {.name = "mode", .default_value = Value::make_string("fan_in")},
                         {.name = "nonlinearity", .default_value = Value::make_string("leaky_relu")},
                         {.name = "generator", .default_value = Value()}},
          .implicit_positional = 1};
}

// def f(a, b, c=1, *, k): the shape CPython's tests of these messages use
Signature f_signature() {
  return {.name = "f",
          .parameters = {{.name = "a"},
                         {.name = "b"},
                         {.name = "c", .default_value = Value::make_int(1)},
                         {.name = "k", .keyword_only = true}}};
}

BoundArguments bind_text(const Signature& signature, std::string_view call) {
  return bind(signature, parse_expression(call).call());
}

std::string bind_error(const Signature& signature, std::string_view call) {
  try {
    bind_text(signature, call);
    return "no error";
  } catch (const BindError& e) {
    return e.what();
  }
}

TEST(BindArguments, FillsDefaultsAndRecordsWhatWasGiven) {
  const BoundArguments bound = bind_text(linear_signature(), "Linear(784, 256, bias=False)");
  EXPECT_EQ(bound.function(), "Linear.__init__");
  EXPECT_EQ(bound["in_features"], Value::make_int(784));
  EXPECT_EQ(bound["out_features"], Value::make_int(256));
  EXPECT_EQ(bound["bias"], Value::make_bool(false));
  EXPECT_TRUE(bound["device"].is_none());
  EXPECT_TRUE(bound.given("bias"));
  EXPECT_FALSE(bound.given("dtype"));

  const BoundArguments by_keyword = bind_text(linear_signature(), "Linear(out_features=2, in_features=1)");
  EXPECT_EQ(by_keyword.as_int("in_features"), 1);
  EXPECT_EQ(by_keyword.as_int("out_features"), 2);
  EXPECT_TRUE(by_keyword.as_bool("bias"));

  const BoundArguments init =
      bind_text(kaiming_signature(), "kaiming_normal_(mode='fan_out', nonlinearity='relu')");
  EXPECT_EQ(init.as_double("a"), 0.0);
  EXPECT_EQ(init.as_string("mode"), "fan_out");
  EXPECT_EQ(init.as_string("nonlinearity"), "relu");
}

TEST(BindArguments, MissingArgumentsInCPythonsWords) {
  EXPECT_EQ(bind_error(linear_signature(), "Linear(784)"),
            "Linear.__init__() missing 1 required positional argument: 'out_features'");
  EXPECT_EQ(bind_error(linear_signature(), "Linear()"),
            "Linear.__init__() missing 2 required positional arguments: 'in_features' and 'out_features'");
  const Signature three{.name = "m", .parameters = {{.name = "a"}, {.name = "b"}, {.name = "c"}}};
  EXPECT_EQ(bind_error(three, "m()"), "m() missing 3 required positional arguments: 'a', 'b', and 'c'");
  EXPECT_EQ(bind_error(f_signature(), "f()"), "f() missing 2 required positional arguments: 'a' and 'b'");
  EXPECT_EQ(bind_error(f_signature(), "f(1)"), "f() missing 1 required positional argument: 'b'");
  EXPECT_EQ(bind_error(f_signature(), "f(1, 2)"), "f() missing 1 required keyword-only argument: 'k'");
  const Signature keyword_only{
      .name = "n", .parameters = {{.name = "a", .keyword_only = true}, {.name = "b", .keyword_only = true}}};
  EXPECT_EQ(bind_error(keyword_only, "n()"), "n() missing 2 required keyword-only arguments: 'a' and 'b'");
}

TEST(BindArguments, TooManyPositionalCountsSelfAndTheTensorAsCPythonDoes) {
  EXPECT_EQ(bind_error(linear_signature(), "Linear(1, 2, True, None, None, 6)"),
            "Linear.__init__() takes from 3 to 6 positional arguments but 7 were given");
  EXPECT_EQ(bind_error(kaiming_signature(), "kaiming_normal_(0, 'fan_in', 'relu', None, 5)"),
            "kaiming_normal_() takes from 1 to 5 positional arguments but 6 were given");
  EXPECT_EQ(bind_error(f_signature(), "f(1, 2, 3, 4)"),
            "f() takes from 2 to 3 positional arguments but 4 were given");
  EXPECT_EQ(
      bind_error(f_signature(), "f(1, 2, 3, 4, k=1)"),
      "f() takes from 2 to 3 positional arguments but 4 positional arguments (and 1 keyword-only argument) "
      "were given");
  const Signature none{.name = "h"};
  EXPECT_EQ(bind_error(none, "h(1)"), "h() takes 0 positional arguments but 1 was given");
  EXPECT_EQ(bind_error(none, "h(1, 2)"), "h() takes 0 positional arguments but 2 were given");
  const Signature one{.name = "i", .parameters = {{.name = "a"}}};
  EXPECT_EQ(bind_error(one, "i(1, 2)"), "i() takes 1 positional argument but 2 were given");
  const Signature relu{.name = "ReLU.__init__",
                       .parameters = {{.name = "inplace", .default_value = Value::make_bool(false)}},
                       .implicit_positional = 1};
  EXPECT_EQ(bind_error(relu, "ReLU(True, 1)"),
            "ReLU.__init__() takes from 1 to 2 positional arguments but 3 were given");
  const Signature self_only{.name = "Identity.__init__", .implicit_positional = 1};
  EXPECT_EQ(bind_error(self_only, "Identity(1)"),
            "Identity.__init__() takes 1 positional argument but 2 were given");
}

TEST(BindArguments, KeywordErrorsInCPythonsWordsWithSuggestions) {
  EXPECT_EQ(bind_error(kaiming_signature(), "kaiming_normal_(mdoe='fan_out')"),
            "kaiming_normal_() got an unexpected keyword argument 'mdoe' (did you mean 'mode'?)");
  EXPECT_EQ(bind_error(linear_signature(), "Linear(1, 2, bais=False)"),
            "Linear.__init__() got an unexpected keyword argument 'bais' (did you mean 'bias'?)");
  EXPECT_EQ(bind_error(f_signature(), "f(1, 2, zzz=3)"), "f() got an unexpected keyword argument 'zzz'");
  EXPECT_EQ(bind_error(kaiming_signature(), "kaiming_normal_(0, a=1)"),
            "kaiming_normal_() got multiple values for argument 'a'");
  // CPython checks keywords before counting positional arguments.
  EXPECT_EQ(bind_error(f_signature(), "f(1, 2, 3, 4, z=1)"), "f() got an unexpected keyword argument 'z'");
  EXPECT_EQ(bind_error(f_signature(), "f(1, 2, 3, 4, a=1)"), "f() got multiple values for argument 'a'");
}

TEST(BindArguments, ErrorsAreTypeErrorsThatPointAtTheArgument) {
  const std::string text = "Linear(1, 2, bais=False)";
  try {
    bind_text(linear_signature(), text);
    FAIL() << "no error";
  } catch (const TypeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::type);
    const auto& bind_error = dynamic_cast<const BindError&>(e);
    EXPECT_EQ(bind_error.range(), (SourceRange{13, 17}));
    EXPECT_EQ(located_message("unexpected", text, bind_error.range().begin),
              "unexpected at column 14\n  Linear(1, 2, bais=False)\n               ^");
  }
  try {
    bind_text(linear_signature(), "Linear(1, 2, True, None, None, 6)");
    FAIL() << "no error";
  } catch (const BindError& e) {
    EXPECT_EQ(e.range(), (SourceRange{31, 32}));  // the first argument too many
  }
  try {
    bind_text(linear_signature(), "nn.Linear(1)");
    FAIL() << "no error";
  } catch (const BindError& e) {
    EXPECT_EQ(e.range(), (SourceRange{0, 9}));  // the callee
  }
}

TEST(BindArguments, VariadicParameters) {
  const Signature sequential{
      .name = "Sequential.__init__", .implicit_positional = 1, .var_positional = "args"};
  const BoundArguments bound = bind_text(sequential, "Sequential(Linear(1, 2), ReLU())");
  ASSERT_EQ(bound.var_positional().size(), 2u);
  EXPECT_EQ(bound.var_positional()[1].call().callee, "ReLU");
  EXPECT_EQ(bind_error(sequential, "Sequential(a=1)"),
            "Sequential.__init__() got an unexpected keyword argument 'a'");

  const Signature identity{.name = "Identity.__init__",
                           .implicit_positional = 1,
                           .var_positional = "args",
                           .var_keyword = "kwargs"};
  const BoundArguments anything = bind_text(identity, "Identity(54, unused_argument1=0.1)");
  EXPECT_EQ(anything.var_positional().size(), 1u);
  ASSERT_EQ(anything.var_keyword().size(), 1u);
  EXPECT_EQ(anything.var_keyword()[0].name, "unused_argument1");

  const Signature keyword_after_args{
      .name = "g",
      .parameters = {{.name = "a"}, {.name = "k", .default_value = Value::make_int(0), .keyword_only = true}},
      .var_positional = "rest"};
  const BoundArguments mixed = bind_text(keyword_after_args, "g(1, 2, 3, k=4)");
  EXPECT_EQ(mixed.as_int("a"), 1);
  EXPECT_EQ(mixed.as_int("k"), 4);
  EXPECT_EQ(mixed.var_positional().size(), 2u);
}

TEST(BindArguments, AcceptedKinds) {
  const Signature conv{
      .name = "Conv2d.__init__",
      .parameters = {{.name = "kernel_size", .accepted_kinds = {Value::Kind::integer, Value::Kind::tuple}},
                     {.name = "padding",
                      .default_value = Value::make_int(0),
                      .accepted_kinds = {Value::Kind::integer, Value::Kind::tuple, Value::Kind::string}}},
      .implicit_positional = 1};
  EXPECT_NO_THROW(bind_text(conv, "Conv2d(3, padding='same')"));
  EXPECT_NO_THROW(bind_text(conv, "Conv2d(True)"));  // bool is an int, as in Python
  EXPECT_EQ(bind_error(conv, "Conv2d('3')"),
            "Conv2d.__init__() argument 'kernel_size' must be int or tuple, not str");
  EXPECT_EQ(bind_error(conv, "Conv2d(3, padding=None)"),
            "Conv2d.__init__() argument 'padding' must be int or tuple or str, not NoneType");
}

TEST(BindAccessors, ConvertWithClearErrors) {
  const Signature s{.name = "g",
                    .parameters = {{.name = "i", .default_value = Value::make_int(3)},
                                   {.name = "x", .default_value = Value::make_float(0.5)},
                                   {.name = "b", .default_value = Value::make_bool(true)},
                                   {.name = "s", .default_value = Value::make_string("fan_in")},
                                   {.name = "n", .default_value = Value()}}};
  const BoundArguments defaults = bind_text(s, "g()");
  EXPECT_EQ(defaults.as_int("i"), 3);
  EXPECT_EQ(defaults.as_double("i"), 3.0);  // an int where a float is expected converts
  EXPECT_EQ(defaults.as_double("x"), 0.5);
  EXPECT_EQ(defaults.as_int("b"), 1);
  EXPECT_EQ(defaults.as_double("b"), 1.0);
  EXPECT_TRUE(defaults.as_bool("b"));
  EXPECT_EQ(defaults.as_string("s"), "fan_in");
  EXPECT_EQ(defaults.as_optional_int("n"), std::nullopt);
  EXPECT_EQ(defaults.as_optional_double("n"), std::nullopt);
  EXPECT_EQ(defaults.as_optional_bool("n"), std::nullopt);
  EXPECT_EQ(defaults.as_optional_string("n"), std::nullopt);
  EXPECT_EQ(defaults.as_optional_int_tuple("n", 2), std::nullopt);
  EXPECT_EQ(defaults.as_optional_int("i"), 3);
  EXPECT_EQ(defaults.as_optional_double("x"), 0.5);
  EXPECT_EQ(defaults.as_optional_string("s"), "fan_in");

  const BoundArguments given = bind_text(s, "g(i=2.5, x='a', b='yes', s=1, n=True)");
  const auto error = [&](auto&& access) {
    try {
      access();
      return std::string("no error");
    } catch (const BindError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(error([&] { given.as_int("i"); }), "g() argument 'i' must be int, not float");
  EXPECT_EQ(error([&] { given.as_double("x"); }), "g() argument 'x' must be real number, not str");
  EXPECT_EQ(error([&] { given.as_bool("b"); }), "g() argument 'b' must be bool, not str");
  EXPECT_EQ(error([&] { given.as_string("s"); }), "g() argument 's' must be str, not int");
  EXPECT_EQ(error([&] { given.as_int("n", BoolAsNumber::reject); }),
            "g() argument 'n' must be int, not bool");
  EXPECT_EQ(error([&] { given.as_double("n", BoolAsNumber::reject); }),
            "g() argument 'n' must be real number, not bool");
  EXPECT_EQ(given.as_int("n"), 1);
  EXPECT_EQ(given.as_optional_int("n"), 1);
  EXPECT_EQ(error([&] { given.as_optional_int("n", BoolAsNumber::reject); }),
            "g() argument 'n' must be int, not bool");
  try {
    given.as_int("i");
  } catch (const BindError& e) {
    EXPECT_EQ(e.range(), (SourceRange{4, 7}));  // the value 2.5
  }
}

TEST(BindAccessors, IntTuplesExpandLikePair) {
  const Signature s{
      .name = "Conv2d.__init__",
      .parameters = {{.name = "kernel_size"}, {.name = "stride", .default_value = Value::make_int(1)}}};
  EXPECT_EQ(bind_text(s, "Conv2d(3)").as_int_tuple("kernel_size", 2), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(bind_text(s, "Conv2d((3, 5))").as_int_tuple("kernel_size", 2), (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(bind_text(s, "Conv2d([3, 5])").as_int_tuple("kernel_size", 2), (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(bind_text(s, "Conv2d(3)").as_int_tuple("stride", 3), (std::vector<std::int64_t>{1, 1, 1}));
  EXPECT_EQ(bind_text(s, "Conv2d((3,))").as_int_tuple("kernel_size", 1), (std::vector<std::int64_t>{3}));
  const auto error = [&](std::string_view call) {
    try {
      bind_text(s, call).as_int_tuple("kernel_size", 2);
      return std::string("no error");
    } catch (const BindError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(error("Conv2d('3')"),
            "Conv2d.__init__() argument 'kernel_size' must be int or tuple of 2 ints, not str");
  EXPECT_EQ(
      error("Conv2d((3, 3, 3))"),
      "Conv2d.__init__() argument 'kernel_size' must be int or tuple of 2 ints, not tuple of 3 elements");
  EXPECT_EQ(error("Conv2d([3])"),
            "Conv2d.__init__() argument 'kernel_size' must be int or tuple of 2 ints, not list of 1 element");
  EXPECT_EQ(
      error("Conv2d((3, 2.5))"),
      "Conv2d.__init__() argument 'kernel_size' must be int or tuple of 2 ints, but element 1 is float");
}

}  // namespace
}  // namespace nninit::lang
