#include "nninit/engine/composite.h"

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/container.h"
#include "nninit/nn/transformer.h"

namespace nninit::engine::detail {
namespace {

void check_count(const nn::Module& module, const std::vector<ValueId>& inputs, std::size_t expected) {
  if (inputs.size() != expected) {
    throw TypeError(
        fmt::format("{}: forward takes {} input(s), got {}", module.type_name(), expected, inputs.size()));
  }
}

nn::ModulePtr optional_child(const nn::Module& module, std::string_view name) {
  for (const auto& [child_name, child] : module.own_children()) {
    if (child_name == name) return child;
  }
  return nullptr;
}

// Runs one child and returns its first output.
class Block {
 public:
  Block(nn::Module& layer, Program& program) : layer_(layer), program_(program) {}

  ValueId operator()(std::string_view child, ValueId x) {
    return program_.call(layer_.child(child), {x}).at(0);
  }
  ValueId attention(std::string_view child, ValueId q, ValueId kv) {
    return program_.call(layer_.child(child), {q, kv, kv}).at(0);
  }
  ValueId add(ValueId a, ValueId b) { return program_.apply(make_add_kernel(), {a, b}).at(0); }
  // self.activation: the child module when one was given, else F.relu / F.gelu. `module_replaced`: the layer
  // is a deep copy of a TransformerDecoderLayer, whose activation module PyTorch has replaced by F.relu (see
  // decoder_layer).
  ValueId activation(ValueId x, nn::TransformerActivation by_name, bool module_replaced) {
    nn::ModulePtr module = optional_child(layer_, "activation");
    if (module && !module_replaced) return program_.call(*module, {x}).at(0);
    const bool gelu = !module && by_name == nn::TransformerActivation::gelu;
    return program_.apply(make_function_kernel(layer_, gelu), {x}).at(0);
  }
  // _ff_block: linear2(dropout(activation(linear1(x)))), then `out_dropout`.
  ValueId feed_forward(ValueId x, nn::TransformerActivation by_name, std::string_view out_dropout,
                       bool module_replaced = false) {
    const ValueId hidden = (*this)("dropout", activation((*this)("linear1", x), by_name, module_replaced));
    return (*this)(out_dropout, (*this)("linear2", hidden));
  }

 private:
  nn::Module& layer_;
  Program& program_;
};

std::vector<ValueId> sequential(nn::Module& module, Program& program, const std::vector<ValueId>& inputs) {
  std::vector<ValueId> x = inputs;
  for (const auto& [name, child] : module.own_children()) {
    if (!child) continue;
    if (x.size() != 1) {
      throw TypeError(
          fmt::format("Sequential: module '{}' ({}) receives {} values; each module but the last must "
                      "return exactly one tensor",
                      name, child->type_name(), x.size()));
    }
    x = program.call(*child, x);
  }
  return x;
}

// TransformerEncoderLayer.forward(src) without masks:
//   norm_first:  x = x + sa(norm1(x));  x = x + ff(norm2(x))
//   otherwise:   x = norm1(x + sa(x));  x = norm2(x + ff(x))
// sa(x) = dropout1(self_attn(x, x, x)[0]), ff(x) = dropout2(linear2(dropout(activation(linear1(x))))).
ValueId encoder_layer(nn::TransformerEncoderLayer& layer, Program& program, ValueId x) {
  Block b(layer, program);
  const auto& o = layer.options();
  auto sa = [&](ValueId v) { return b("dropout1", b.attention("self_attn", v, v)); };
  if (o.norm_first) {
    x = b.add(x, sa(b("norm1", x)));
    return b.add(x, b.feed_forward(b("norm2", x), o.activation, "dropout2"));
  }
  x = b("norm1", b.add(x, sa(x)));
  return b("norm2", b.add(x, b.feed_forward(x, o.activation, "dropout2")));
}

// TransformerDecoderLayer.forward(tgt, memory) without masks: three blocks, self-attention (dropout1),
// attention over memory (multihead_attn, dropout2), feed-forward (dropout3), with norm1..norm3 as above.
//
// `copied`: the layer is one of a TransformerDecoder's, which PyTorch makes with copy.deepcopy. Its
// TransformerDecoderLayer.__setstate__ then stores F.relu as the instance attribute `activation` when the
// state has none, and an activation given as a module lives in _modules, not in the state: the copy
// computes F.relu while the module stays registered (and is never called). PyTorch 1.13 to 2.14 behave so;
// TransformerEncoderLayer's __setstate__ checks hasattr and keeps the module.
ValueId decoder_layer(nn::TransformerDecoderLayer& layer, Program& program, ValueId x, ValueId memory,
                      bool copied) {
  Block b(layer, program);
  const auto& o = layer.options();
  auto sa = [&](ValueId v) { return b("dropout1", b.attention("self_attn", v, v)); };
  auto mha = [&](ValueId v) { return b("dropout2", b.attention("multihead_attn", v, memory)); };
  if (o.norm_first) {
    x = b.add(x, sa(b("norm1", x)));
    x = b.add(x, mha(b("norm2", x)));
    return b.add(x, b.feed_forward(b("norm3", x), o.activation, "dropout3", copied));
  }
  x = b("norm1", b.add(x, sa(x)));
  x = b("norm2", b.add(x, mha(x)));
  return b("norm3", b.add(x, b.feed_forward(x, o.activation, "dropout3", copied)));
}

// TransformerEncoder / TransformerDecoder: every layer of the ModuleList `layers` in turn (the list itself
// is not called), then `norm` when there is one.
ValueId stack(nn::Module& module, Program& program, ValueId x, std::optional<ValueId> memory) {
  for (const auto& [name, layer] : module.child("layers").own_children()) {
    if (!layer) continue;
    if (auto* decoder = dynamic_cast<nn::TransformerDecoderLayer*>(layer.get()); decoder && memory) {
      x = program
              .call_as(
                  *layer, {x, *memory},
                  [&](Program& p, const std::vector<ValueId>& in) {
                    return std::vector<ValueId>{decoder_layer(*decoder, p, in[0], in[1], /*copied=*/true)};
                  })
              .at(0);
      continue;
    }
    std::vector<ValueId> in{x};
    if (memory) in.push_back(*memory);
    x = program.call(*layer, in).at(0);
  }
  if (nn::ModulePtr norm = optional_child(module, "norm")) x = program.call(*norm, {x}).at(0);
  return x;
}

}  // namespace

std::optional<std::vector<ValueId>> run_composite(nn::Module& module, Program& program,
                                                  const std::vector<ValueId>& inputs) {
  if (dynamic_cast<nn::Sequential*>(&module)) return sequential(module, program, inputs);
  if (dynamic_cast<nn::ModuleList*>(&module)) {
    throw NotImplementedError("Module [ModuleList] is missing the required \"forward\" function");
  }
  if (auto* layer = dynamic_cast<nn::TransformerEncoderLayer*>(&module)) {
    check_count(module, inputs, 1);
    return std::vector<ValueId>{encoder_layer(*layer, program, inputs[0])};
  }
  if (auto* layer = dynamic_cast<nn::TransformerDecoderLayer*>(&module)) {
    check_count(module, inputs, 2);
    return std::vector<ValueId>{decoder_layer(*layer, program, inputs[0], inputs[1], /*copied=*/false)};
  }
  if (dynamic_cast<nn::TransformerEncoder*>(&module)) {
    check_count(module, inputs, 1);
    return std::vector<ValueId>{stack(module, program, inputs[0], std::nullopt)};
  }
  if (dynamic_cast<nn::TransformerDecoder*>(&module)) {
    check_count(module, inputs, 2);
    return std::vector<ValueId>{stack(module, program, inputs[0], inputs[1])};
  }
  if (dynamic_cast<nn::Transformer*>(&module)) {
    // Transformer.forward(src, tgt): memory = encoder(src); decoder(tgt, memory).
    check_count(module, inputs, 2);
    const ValueId memory = program.call(module.child("encoder"), {inputs[0]}).at(0);
    return program.call(module.child("decoder"), {inputs[1], memory});
  }
  return std::nullopt;
}

}  // namespace nninit::engine::detail
