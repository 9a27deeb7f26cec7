// Close-match suggestions for names the user mistyped: layers, init functions, keyword arguments, rule types.
//
// The score is difflib's: SequenceMatcher(None, candidate, word).ratio() = 2*M/T, where T is the total length
// and M the characters matched by repeatedly taking the longest common block (leftmost in the candidate, then
// in the word) and recursing on both sides; like difflib.get_close_matches, candidates scoring at least
// `cutoff` (0.6) are kept, best first, at most `n` (3). Two deliberate differences: the score is computed on
// ASCII-lowercased text, so 'linear' finds 'Linear' first (the case-sensitive score then breaks ties), and
// remaining ties keep the candidates' order (difflib would order them by reversed string comparison).
// difflib's "autojunk" heuristic, which only acts on sequences of 200 characters or more, is not reproduced.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nninit::lang {

// difflib.SequenceMatcher(None, a, b).ratio(), case-sensitive, exactly as CPython computes it for a and b
// shorter than 200 characters.
double similarity_ratio(std::string_view a, std::string_view b);

std::vector<std::string> close_matches(std::string_view word, std::span<const std::string_view> candidates,
                                       std::size_t n = 3, double cutoff = 0.6);
std::vector<std::string> close_matches(std::string_view word, std::span<const std::string> candidates,
                                       std::size_t n = 3, double cutoff = 0.6);

// " (did you mean 'mode'?)", " (did you mean 'a' or 'b'?)", " (did you mean 'a', 'b' or 'c'?)", or "" when
// nothing is close: ready to append to an error message.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

}  // namespace nninit::lang
