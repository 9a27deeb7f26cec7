#include "nninit/lang/suggest.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nninit::lang {
namespace {

TEST(SuggestRatio, EqualsDifflib) {
  // difflib.SequenceMatcher(None, a, b).ratio() in CPython 3.11.7.
  EXPECT_DOUBLE_EQ(similarity_ratio("abcd", "bcde"), 0.75);
  EXPECT_DOUBLE_EQ(similarity_ratio("kaiming_normal_", "kaiming_uniform_"), 0.8387096774193549);
  EXPECT_DOUBLE_EQ(similarity_ratio("abxcd", "abcd"), 0.8888888888888888);
  EXPECT_DOUBLE_EQ(similarity_ratio("aaaa", "aa"), 0.6666666666666666);
  EXPECT_DOUBLE_EQ(
      similarity_ratio("private Thread currentThread;", "private volatile Thread currentThread;"),
      0.8656716417910447);
  EXPECT_DOUBLE_EQ(similarity_ratio("abab", "baba"), 0.75);
  EXPECT_DOUBLE_EQ(similarity_ratio("qabxcd", "abycdf"), 0.6666666666666666);
  EXPECT_DOUBLE_EQ(similarity_ratio("mode", "mdoe"), 0.75);
  EXPECT_DOUBLE_EQ(similarity_ratio("generator", "mdoe"), 0.15384615384615385);
  EXPECT_DOUBLE_EQ(similarity_ratio("nonlinearity", "nonlinarity"), 0.9565217391304348);
  EXPECT_DOUBLE_EQ(similarity_ratio("in_features", "bais"), 0.26666666666666666);
  EXPECT_DOUBLE_EQ(similarity_ratio("", ""), 1.0);
  EXPECT_DOUBLE_EQ(similarity_ratio("abc", ""), 0.0);
}

TEST(SuggestCloseMatches, LikeGetCloseMatches) {
  // difflib.get_close_matches gives the same lists for these (CPython 3.11.7).
  const std::vector<std::string_view> kaiming = {"a", "mode", "nonlinearity", "generator"};
  EXPECT_EQ(close_matches("mdoe", kaiming), (std::vector<std::string>{"mode"}));
  EXPECT_EQ(close_matches("nonlinarity", kaiming), (std::vector<std::string>{"nonlinearity"}));
  const std::vector<std::string_view> inits = {"kaiming_normal_", "kaiming_uniform_", "xavier_normal_",
                                               "normal_"};
  EXPECT_EQ(close_matches("kaiming_normal", inits),
            (std::vector<std::string>{"kaiming_normal_", "kaiming_uniform_", "xavier_normal_"}));
  const std::vector<std::string_view> layers = {"linear", "bilinear", "lazylinear", "conv1d", "lstm"};
  EXPECT_EQ(close_matches("linaer", layers), (std::vector<std::string>{"linear", "bilinear", "lazylinear"}));
  EXPECT_TRUE(close_matches("xyz", layers).empty());
  EXPECT_EQ(close_matches("linaer", layers, 1), (std::vector<std::string>{"linear"}));
  EXPECT_EQ(close_matches("linaer", layers, 3, 0.8), (std::vector<std::string>{"linear"}));
}

TEST(SuggestCloseMatches, IgnoresCaseFirst) {
  // difflib would rank 'Bilinear' above 'Linear' for 'linear'; nninit compares lowercased text first.
  const std::vector<std::string> layers = {"Bilinear", "Linear", "LazyLinear", "Conv1d"};
  EXPECT_EQ(close_matches("linear", layers), (std::vector<std::string>{"Linear", "Bilinear", "LazyLinear"}));
  // difflib keeps only ['Linear', 'LazyLinear'] here: case-sensitively, 'Bilinear' scores 0.57.
  EXPECT_EQ(
      close_matches("Linaer", std::vector<std::string_view>{"Linear", "Bilinear", "LazyLinear", "Conv1d"}),
      (std::vector<std::string>{"Linear", "Bilinear", "LazyLinear"}));
  EXPECT_EQ(close_matches("RELU", std::vector<std::string>{"ReLU", "ReLU6", "PReLU"}),
            (std::vector<std::string>{"ReLU", "ReLU6", "PReLU"}));
  // Equal scores keep the candidates' order.
  EXPECT_EQ(close_matches("ab", std::vector<std::string>{"abx", "aby"}),
            (std::vector<std::string>{"abx", "aby"}));
}

TEST(SuggestDidYouMean, FormatsForMessages) {
  EXPECT_EQ(did_you_mean("mdoe", std::vector<std::string_view>{"a", "mode"}), " (did you mean 'mode'?)");
  EXPECT_EQ(did_you_mean("ab", std::vector<std::string>{"abx", "aby"}), " (did you mean 'abx' or 'aby'?)");
  EXPECT_EQ(did_you_mean("ab", std::vector<std::string>{"abx", "aby", "abz", "abw"}),
            " (did you mean 'abx', 'aby' or 'abz'?)");
  EXPECT_EQ(did_you_mean("xyz", std::vector<std::string>{"Linear"}), "");
  EXPECT_EQ(did_you_mean("x", std::vector<std::string>{}), "");
}

}  // namespace
}  // namespace nninit::lang
