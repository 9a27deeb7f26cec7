// The reader of PyTorch-style Python expressions: model descriptions (`Sequential(Linear(784, 256),
// ReLU())`), init expressions (`nn.init.trunc_normal_(std=.02, a=-2*.02, b=2*.02)`), and the right-hand side
// of rules.
//
// The language is the subset of Python's expression grammar those need, with Python's precedence:
//
//   expression := term (("+" | "-") term)*
//   term       := factor (("*" | "/" | "//" | "%") factor)*
//   factor     := ("+" | "-" | "~") factor | power
//   power      := primary ["**" factor]
//   primary    := atom ("." NAME | "(" arguments ")")*
//   atom       := NAME | NUMBER | STRING+ | True | False | None | "(" [items] ")" | "[" [items] "]"
//   arguments  := [positional ("," positional)*] [keyword ("," keyword)*] [","]   with keyword := NAME "="
//   expr
//
// Numbers are Python literals (1_000, 0x10, 0o17, 0b101, .02, 2., 1e-5); strings use '' or "" with Python's
// escapes; adjacent strings concatenate; '#' starts a comment. Integers are 64-bit: a literal or result that
// does not fit is an error. Arithmetic, int(), float(), abs(), math.sqrt/exp/log/log2/log10/pow and
// math.pi/e/tau/inf/nan are folded while parsing with CPython's semantics (evaluate.h), so the result is a
// Value tree whose leaves are literals, Calls and Names. Comprehensions, comparisons, subscripts, lambdas and
// argument unpacking are refused with a message that names them.
//
// Errors: ParseError (a ValueError) for malformed text and for what Python rejects with ValueError,
// ZeroDivisionError or OverflowError; ExpressionTypeError (a TypeError) for what Python rejects with
// TypeError. Both carry the column and a caret line (source.h).
#pragma once

#include <string_view>

#include "nninit/lang/source.h"
#include "nninit/lang/value.h"

namespace nninit::lang {

// Parses and folds the whole of `text`.
Value parse_expression(std::string_view text);

// Parses and folds text[range.begin, range.end); source ranges and error positions refer to the whole of
// `text` (a rule's expression reports columns within the rule).
Value parse_expression(std::string_view text, SourceRange range);

}  // namespace nninit::lang
