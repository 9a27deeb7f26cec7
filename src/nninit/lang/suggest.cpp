#include "nninit/lang/suggest.h"

#include <algorithm>

#include <fmt/format.h>

namespace nninit::lang {
namespace {

struct Block {
  std::size_t a = 0;
  std::size_t b = 0;
  std::size_t size = 0;
};

// The longest common block of a[a_begin, a_end) and b[b_begin, b_end): the longest, then the one starting
// first in a, then first in b (difflib's find_longest_match without junk).
Block longest_block(std::string_view a, std::size_t a_begin, std::size_t a_end, std::string_view b,
                    std::size_t b_begin, std::size_t b_end) {
  Block best{a_begin, b_begin, 0};
  // run[j + 1] = length of the common run ending at a[i], b[j]; one row kept at a time
  std::vector<std::size_t> previous(b_end - b_begin + 1, 0);
  std::vector<std::size_t> current(previous.size(), 0);
  for (std::size_t i = a_begin; i < a_end; ++i) {
    for (std::size_t j = b_begin; j < b_end; ++j) {
      const std::size_t k = a[i] == b[j] ? previous[j - b_begin] + 1 : 0;
      current[j - b_begin + 1] = k;
      if (k > best.size) best = {i + 1 - k, j + 1 - k, k};
    }
    std::swap(previous, current);
  }
  return best;
}

std::size_t matched_characters(std::string_view a, std::size_t a_begin, std::size_t a_end, std::string_view b,
                               std::size_t b_begin, std::size_t b_end) {
  const Block block = longest_block(a, a_begin, a_end, b, b_begin, b_end);
  if (block.size == 0) return 0;
  std::size_t total = block.size;
  if (a_begin < block.a && b_begin < block.b)
    total += matched_characters(a, a_begin, block.a, b, b_begin, block.b);
  if (block.a + block.size < a_end && block.b + block.size < b_end) {
    total += matched_characters(a, block.a + block.size, a_end, b, block.b + block.size, b_end);
  }
  return total;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

template <typename Text>
std::vector<std::string> close_matches_of(std::string_view word, std::span<const Text> candidates,
                                          std::size_t n, double cutoff) {
  struct Scored {
    double folded;
    double exact;
    std::size_t index;
  };
  const std::string folded_word = lowercase(word);
  std::vector<Scored> scored;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string_view candidate = candidates[i];
    const double folded = similarity_ratio(lowercase(candidate), folded_word);
    if (folded >= cutoff) scored.push_back({folded, similarity_ratio(candidate, word), i});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& x, const Scored& y) {
    return x.folded != y.folded ? x.folded > y.folded : x.exact > y.exact;
  });
  std::vector<std::string> matches;
  for (std::size_t i = 0; i < scored.size() && i < n; ++i) {
    matches.emplace_back(std::string_view(candidates[scored[i].index]));
  }
  return matches;
}

std::string format_suggestions(const std::vector<std::string>& matches) {
  if (matches.empty()) return "";
  std::string out = " (did you mean ";
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (i > 0) out += i + 1 == matches.size() ? " or " : ", ";
    out += fmt::format("'{}'", matches[i]);
  }
  return out + "?)";
}

}  // namespace

double similarity_ratio(std::string_view a, std::string_view b) {
  const std::size_t total = a.size() + b.size();
  if (total == 0) return 1.0;  // difflib's ratio of two empty sequences
  const std::size_t matched = matched_characters(a, 0, a.size(), b, 0, b.size());
  return 2.0 * static_cast<double>(matched) / static_cast<double>(total);
}

std::vector<std::string> close_matches(std::string_view word, std::span<const std::string_view> candidates,
                                       std::size_t n, double cutoff) {
  return close_matches_of(word, candidates, n, cutoff);
}

std::vector<std::string> close_matches(std::string_view word, std::span<const std::string> candidates,
                                       std::size_t n, double cutoff) {
  return close_matches_of(word, candidates, n, cutoff);
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  return format_suggestions(close_matches(word, candidates));
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  return format_suggestions(close_matches(word, candidates));
}

}  // namespace nninit::lang
