#include "nninit/expr/model_expression.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/expr/module_registry.h"
#include "nninit/lang/parser.h"
#include "nninit/lang/source.h"
#include "nninit/lang/suggest.h"

namespace nninit::expr {
namespace {

using Kind = lang::Value::Kind;

std::vector<std::string> layer_names(const TorchRelease& release) {
  std::vector<std::string> names;
  for (const LayerEntry& entry : layer_registry()) {
    if (!entry.exists || entry.exists(release)) names.emplace_back(entry.name);
  }
  return names;
}

// Evaluates a parsed model expression as Python would, building each module call once.
class Evaluator {
 public:
  Evaluator(std::string_view text, Generator& generator, const TorchRelease& release)
      : text_(text), generator_(generator), release_(release) {}

  nn::ModulePtr build(const lang::Value& root) {
    const lang::Value value = evaluate(root);
    if (value.kind() == Kind::call) {
      if (const auto found = modules_.find(&value.call()); found != modules_.end()) return found->second;
    }
    std::string reason;
    if (value.kind() == Kind::name && layer_of(value.name())) {
      reason = fmt::format("{0} is a class; call it to build a module, as in {0}(...)", value.name());
    } else if (value.is_sequence()) {
      reason =
          fmt::format("a model expression builds one module, not a {}; put the modules in Sequential(...)",
                      value.type_name());
    } else {
      const std::string given = python_typename(value, release_);
      reason = fmt::format(
          "a model expression builds a module, such as Sequential(Linear(4, 2), ReLU()), not {}", given);
    }
    throw lang::ParseError(reason, text_, value.range().begin);
  }

 private:
  // The value Python would compute: each module call is constructed (its arguments first, left to right),
  // torch.Size(...) becomes a tuple and torch.device('cpu') the string 'cpu'; names are looked up.
  lang::Value evaluate(const lang::Value& value) {
    switch (value.kind()) {
      case Kind::tuple:
      case Kind::list: {
        std::vector<lang::Value> items;
        for (const lang::Value& item : value.items()) items.push_back(evaluate(item));
        return value.kind() == Kind::tuple ? lang::Value::make_tuple(std::move(items), value.range())
                                           : lang::Value::make_list(std::move(items), value.range());
      }
      case Kind::dict: {  // each key, then its value
        std::vector<lang::Value> entries;
        for (const lang::Value& entry : value.items()) entries.push_back(evaluate(entry));
        return lang::Value::make_dict(std::move(entries), value.range());
      }
      case Kind::name: check_name(value); return value;
      case Kind::call: return evaluate_call(value);
      default: return value;
    }
  }

  const LayerEntry* layer_of(std::string_view dotted) const {
    const std::optional<std::string_view> name = torch_nn_name(dotted);
    return name ? find_layer(*name, release_) : nullptr;
  }

  // Python's lookup of a dotted name, with its NameError or AttributeError.
  void check_name(const lang::Value& value) const {
    const std::string& dotted = value.name();
    if (layer_of(dotted) || floating_torch_dtype(dotted) || is_other_torch_dtype(dotted) ||
        functional_name(dotted)) {
      return;
    }
    unknown_name(dotted, value.range().begin, false);
  }

  // Python's NameError or AttributeError for a name that is not a layer nninit builds, with suggestions.
  [[noreturn]] void unknown_name(std::string_view dotted, std::size_t offset, bool called) const {
    if (const std::optional<std::string_view> name = torch_nn_name(dotted)) {
      if (is_unsupported_torch_nn_class(*name)) {
        throw lang::ParseError(
            fmt::format("nninit does not build torch.nn.{}: {}", *name, why_not_built(*name)), text_, offset);
      }
      // Python's words: a bare name is a NameError (the expression runs after `from torch.nn import *`), a
      // qualified one an AttributeError of torch.nn.
      const bool qualified = dotted.find('.') != std::string_view::npos;
      const bool capitalised = !name->empty() && name->front() >= 'A' && name->front() <= 'Z';
      if (qualified || called || capitalised) {
        const std::string hint =
            *name == "RMSNorm"
                ? fmt::format(" (nn.RMSNorm is new in PyTorch 2.4; this model is built for PyTorch {})",
                              release_.version.str())
                : lang::did_you_mean(*name, layer_names(release_));
        if (!qualified) {
          throw NameError(
              lang::located_message(fmt::format("name '{}' is not defined{}", *name, hint), text_, offset));
        }
        throw AttributeError(lang::located_message(
            fmt::format("module 'torch.nn' has no attribute '{}'{}", *name, hint), text_, offset));
      }
    }
    if (dotted.starts_with("torch.") && std::count(dotted.begin(), dotted.end(), '.') == 1) {
      throw AttributeError(lang::located_message(
          fmt::format("module 'torch' has no attribute '{}'", dotted.substr(6)), text_, offset));
    }
    for (std::string_view prefix : {"torch.nn.functional.", "nn.functional.", "F."}) {
      if (dotted.starts_with(prefix)) {
        throw lang::ParseError(
            fmt::format("nninit knows F.relu and F.gelu of torch.nn.functional, not {}", dotted), text_,
            offset);
      }
    }
    for (std::string_view prefix : {"torch.nn.init.", "nn.init."}) {
      if (dotted.starts_with(prefix)) {
        throw lang::ParseError(fmt::format("{} is an init function, not a module: use it in a rule such as "
                                           "Linear.weight={}(...)",
                                           dotted, dotted.substr(prefix.size())),
                               text_, offset);
      }
    }
    for (std::string_view prefix : {"torch.nn.", "nn."}) {
      if (dotted.starts_with(prefix)) {
        const std::string_view rest = dotted.substr(prefix.size());
        throw AttributeError(lang::located_message(
            fmt::format("module 'torch.nn' has no attribute '{}'", rest.substr(0, rest.find('.'))), text_,
            offset));
      }
    }
    const std::string_view first = dotted.substr(0, dotted.find('.'));
    throw NameError(lang::located_message(fmt::format("name '{}' is not defined", first), text_, offset));
  }

  lang::Value evaluate_call(const lang::Value& value) {
    const lang::Call& call = value.call();
    if (modules_.count(&call) != 0) return value;  // each call is built once
    // Python looks the callee up before it evaluates the arguments.
    const LayerEntry* entry = layer_of(call.callee);
    const bool torch_helper = call.callee == "torch.Size" || call.callee == "torch.device" ||
                              call.callee == "OrderedDict" || call.callee == "collections.OrderedDict";
    if (entry == nullptr && !torch_helper) {
      if (floating_torch_dtype(call.callee) || is_other_torch_dtype(call.callee) ||
          functional_name(call.callee)) {
        throw lang::ExpressionTypeError(
            fmt::format("nninit cannot call {} in a model expression", call.callee), text_,
            call.callee_range.begin);
      }
      unknown_name(call.callee, call.callee_range.begin, true);
    }
    lang::Call evaluated = call;
    for (lang::Value& arg : evaluated.args) arg = evaluate(arg);
    for (lang::KeywordArgument& keyword : evaluated.keywords) keyword.value = evaluate(keyword.value);
    if (call.callee == "torch.Size") return size_value(evaluated, value.range());
    if (call.callee == "torch.device") return device_value(evaluated, value.range());
    if (call.base_name() == "OrderedDict") return ordered_dict_value(evaluated, value.range());
    modules_[&call] = construct(*entry, evaluated, value.range());
    return value;
  }

  // torch.Size(sequence) as the tuple it is.
  lang::Value size_value(const lang::Call& call, lang::SourceRange range) const {
    if (call.args.size() == 1 && call.keywords.empty() && call.args[0].is_sequence()) {
      return lang::Value::make_tuple(call.args[0].items(), range);
    }
    throw lang::ParseError("nninit takes torch.Size with one tuple or list of ints, as in torch.Size([3, 4])",
                           text_, call.callee_range.begin);
  }

  // torch.device('cpu') as the string 'cpu' (dtype() checks which devices nninit builds on).
  lang::Value device_value(const lang::Call& call, lang::SourceRange range) const {
    if (call.args.size() == 1 && call.keywords.empty() && call.args[0].kind() == Kind::string) {
      return lang::Value::make_string(call.args[0].string_value(), range);
    }
    throw lang::ParseError("nninit takes torch.device with one string, as in torch.device('cpu')", text_,
                           call.callee_range.begin);
  }

  // OrderedDict(pairs or dict, **keywords) as a call holding the one dict of its entries, which
  // Sequential and ModuleDict read (Sequential takes an OrderedDict's names, not a plain dict's).
  lang::Value ordered_dict_value(const lang::Call& call, lang::SourceRange range) const {
    const auto refuse = [&] {
      throw lang::ParseError(
          "nninit takes OrderedDict with a list of (name, module) pairs or a dict, as in "
          "OrderedDict([('fc', Linear(2, 2)), ('act', ReLU())])",
          text_, call.callee_range.begin);
    };
    if (call.args.size() > 1) refuse();
    std::vector<lang::Value> entries;
    std::map<std::string, std::size_t> index_of_key;  // by repr: the keys that name modules are strings
    const auto put = [&](const lang::Value& key, const lang::Value& item) {
      const auto [found, inserted] = index_of_key.try_emplace(key.repr(), entries.size());
      if (inserted) {
        entries.push_back(lang::Value::make_tuple({key, item}));
      } else {
        entries[found->second] = lang::Value::make_tuple({entries[found->second].items()[0], item});
      }
    };
    if (!call.args.empty()) {
      const lang::Value& source = call.args[0];
      if (!source.is_sequence() && source.kind() != Kind::dict) refuse();
      for (const lang::Value& pair : source.items()) {
        if (!pair.is_sequence() || pair.items().size() != 2) refuse();
        put(pair.items()[0], pair.items()[1]);
      }
    }
    for (const lang::KeywordArgument& keyword : call.keywords) {
      put(lang::Value::make_string(keyword.name, keyword.name_range), keyword.value);
    }
    lang::Call holder;
    holder.callee = "collections.OrderedDict";
    holder.callee_range = call.callee_range;
    holder.args.push_back(lang::Value::make_dict(std::move(entries), range));
    return lang::Value::make_call(std::move(holder), range);
  }

  nn::ModulePtr construct(const LayerEntry& entry, const lang::Call& evaluated, lang::SourceRange range) {
    const std::string_view layer = entry.name;
    try {
      const lang::Call prepared = entry.prepare ? entry.prepare(evaluated, release_, layer) : evaluated;
      const lang::BoundArguments bound = bind(entry.signature(release_, layer), prepared);
      const LayerArguments arguments(bound, modules_, layer, release_);
      return entry.build(arguments, generator_);
    } catch (const lang::BindError& e) {
      const lang::SourceRange where = e.range().empty() ? evaluated.callee_range : e.range();
      throw lang::ExpressionTypeError(e.what(), text_, where.begin);
    } catch (const ArgumentError& e) {
      const lang::SourceRange where = e.range().empty() ? evaluated.callee_range : e.range();
      throw_error(e.kind(), lang::located_message(e.what(), text_, where.begin));
    } catch (const Error& e) {
      throw_error(e.kind(), call_message(e.what(), range));
    }
  }

  // "Conv2d(3, 64, 3, groups=5) at column 12: MESSAGE", the line and a caret under the call.
  std::string call_message(std::string_view message, lang::SourceRange range) const {
    std::string_view call = text_.substr(range.begin, range.end - range.begin);
    std::string shown(call);
    constexpr std::size_t longest = 60;
    if (shown.size() > longest || shown.find('\n') != std::string::npos) {
      shown = std::string(call.substr(0, call.find('('))) + "(...)";
    }
    const std::string located = lang::located_message(shown, text_, range.begin);
    const std::size_t newline = located.find('\n');
    return located.substr(0, newline) + ": " + std::string(message) + located.substr(newline);
  }

  std::string_view text_;
  Generator& generator_;
  const TorchRelease& release_;
  ModuleTable modules_;
};

}  // namespace

nn::ModulePtr build_model(std::string_view expression, Generator& generator) {
  const lang::Value parsed = lang::parse_expression(expression);
  Evaluator evaluator(expression, generator, generator.release());
  return evaluator.build(parsed);
}

std::vector<std::string> model_layer_names(const TorchRelease& release) {
  return layer_names(release);
}

}  // namespace nninit::expr
