// nninit._nninit: the compiled half of the Python package (nninit/__init__.py and nninit/torch.py are the
// other half). It knows nothing of torch: it fills memory it is handed (a NumPy array, or the storage of a
// torch tensor that nninit/torch.py passes as an address) and carries PyTorch's generator state as bytes.
// Errors become the Python exception PyTorch raises for the same mistake; warnings are re-emitted through
// Python's warnings module after the call, with the category PyTorch uses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/dtype.h"
#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"
#include "nninit/core/warning.h"
#include "nninit/diag/architecture.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/recording.h"
#include "nninit/diag/symmetry.h"
#include "nninit/expr/init_expression.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/diagnosis_run.h"
#include "nninit/report/report.h"

namespace py = pybind11;

namespace nninit::python {
namespace {

DType dtype_from_name(const std::string& name) {
  for (DType dtype : {DType::float32, DType::float64, DType::float16, DType::bfloat16, DType::int64}) {
    if (dtype_name(dtype) == name) return dtype;
  }
  throw ValueError("unknown dtype '" + name + "'; expected float32, float64, float16, bfloat16 or int64");
}

TorchCapability capability_from_name(const std::string& name) {
  if (name == "default") return TorchCapability::generic;
  if (name == "avx2") return TorchCapability::avx2;
  if (name == "avx512") return TorchCapability::avx512;
  throw ValueError("unknown capability '" + name + "'; expected default, avx2 or avx512");
}

TorchVariant make_variant(int major, int minor, const std::string& capability) {
  const TorchVersion version{major, minor};
  if (!version.is_known()) {
    throw ValueError("nninit knows PyTorch " + TorchVersion::oldest().str() + " to " +
                     TorchVersion::newest().str() + ", not " + version.str());
  }
  return {.version = version, .capability = capability_from_name(capability)};
}

// The NumPy dtype holding a tensor's elements: bfloat16 has none in NumPy itself, so its bit patterns travel
// as uint16 and nninit/__init__.py views them as ml_dtypes.bfloat16 where that package is installed.
py::dtype numpy_dtype(DType dtype) {
  switch (dtype) {
    case DType::float32: return py::dtype::of<float>();
    case DType::float64: return py::dtype::of<double>();
    case DType::float16: return py::dtype("float16");
    case DType::bfloat16: return py::dtype::of<std::uint16_t>();
    case DType::int64: return py::dtype::of<std::int64_t>();
  }
  throw ValueError("unsupported dtype");
}

// A new C-ordered NumPy array and an nninit tensor over the same memory.
struct ArrayAndTensor {
  py::array array;
  Tensor tensor;
};

ArrayAndTensor new_array(const Shape& shape, DType dtype) {
  const std::int64_t numel = shape_numel(shape);  // throws on negative sizes and overflow
  py::array array(numpy_dtype(dtype), std::vector<py::ssize_t>(shape.begin(), shape.end()));
  auto* data = static_cast<std::byte*>(array.mutable_data());
  auto storage = Storage::wrap(data, static_cast<std::size_t>(numel) * itemsize(dtype), nullptr);
  return {array, Tensor(storage, dtype, shape, contiguous_strides(shape), 0)};
}

// Runs `body` with nninit's warnings captured, then hands them to Python's warnings module (outside the
// capture, with the GIL held, so that a warnings filter set to "error" raises as it would in PyTorch).
template <class Body>
auto with_python_warnings(Body&& body) {
  std::vector<Warning> warnings;
  auto emit = [&warnings] {
    py::module_ module = py::module_::import("warnings");
    for (const Warning& w : warnings) {
      PyObject* category = w.category == WarningCategory::deprecation ? PyExc_DeprecationWarning
                           : w.category == WarningCategory::future    ? PyExc_FutureWarning
                                                                      : PyExc_UserWarning;
      if (PyErr_WarnEx(category, w.message.c_str(), 2) != 0) throw py::error_already_set();
    }
  };
  if constexpr (std::is_void_v<decltype(body())>) {
    {
      ScopedWarningCapture capture;
      body();
      warnings = capture.warnings();
    }
    emit();
  } else {
    decltype(body()) result = [&] {
      ScopedWarningCapture capture;
      auto value = body();
      warnings = capture.warnings();
      return value;
    }();
    emit();
    return result;
  }
}

// Runs `body` with `engine` standing for PyTorch's default generator. The Python API's generator is the one
// `torch.manual_seed` seeds, and PyTorch draws from that one even where an init function is given another
// (sparse_'s randperm), so nninit's process-wide default generator takes the engine's state and release for
// the call and hands them back after it. The GIL is released meanwhile; the lock keeps calls from other
// Python threads apart.
template <class Body>
void as_default_generator(TorchGenerator& engine, Body&& body) {
  static std::mutex lock;
  const std::lock_guard<std::mutex> guard(lock);
  TorchGenerator& global = default_generator();
  const TorchGenerator saved = global;
  global = engine;
  try {
    body(global);
  } catch (...) {
    engine = global;
    global = saved;
    throw;
  }
  engine = global;
  global = saved;
}

// Fills `tensor` as torch.nn.init's function would, raising PyTorch's own message: nninit's errors name the
// function first ("orthogonal_: ...") for the command line, where the call is not in sight; in Python it is.
void apply_as_torch(const expr::InitExpression& expression, const Tensor& tensor, TorchGenerator& engine) {
  try {
    py::gil_scoped_release release;
    as_default_generator(engine, [&](TorchGenerator& generator) { expression.apply(tensor, generator); });
  } catch (const Error& e) {
    const std::string prefix = expression.function() + ": ";
    const std::string_view message = e.what();
    if (!message.starts_with(prefix)) throw;
    throw Error(e.kind(), std::string(message.substr(prefix.size())));
  }
}

py::array to_numpy(const Tensor& tensor) {
  ArrayAndTensor out = new_array(tensor.sizes(), tensor.dtype());
  out.tensor.copy_(tensor);
  return out.array;
}

py::bytes state_bytes(const TorchGenerator& generator) {
  const std::vector<std::uint8_t> state = generator.get_state();
  return py::bytes(reinterpret_cast<const char*>(state.data()), state.size());
}

void set_state_bytes(TorchGenerator& generator, const py::bytes& state) {
  const std::string_view view = state;
  generator.set_state(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(view.data()), view.size()));
}

// A NumPy array (any float dtype, converted to float32; or int64) as an owned, contiguous nninit tensor.
Tensor tensor_from(const py::handle& object) {
  if (object.is_none()) return {};
  const py::array array = py::array::ensure(object);
  if (!array) throw TypeError("expected a NumPy array in the recording");
  Shape shape(array.shape(), array.shape() + array.ndim());
  if (array.dtype().kind() == 'i' || array.dtype().kind() == 'u') {
    const auto values = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(array);
    Tensor tensor = Tensor::empty(shape, DType::int64);
    std::memcpy(tensor.raw_data(), values.data(),
                static_cast<std::size_t>(values.size()) * sizeof(std::int64_t));
    return tensor;
  }
  const auto values = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  Tensor tensor = Tensor::empty(shape, DType::float32);
  std::memcpy(tensor.raw_data(), values.data(), static_cast<std::size_t>(values.size()) * sizeof(float));
  return tensor;
}

std::vector<NamedTensor> named_tensors_from(const py::list& pairs) {
  std::vector<NamedTensor> out;
  for (const py::handle pair : pairs) {
    const auto items = pair.cast<py::tuple>();
    out.push_back({items[0].cast<std::string>(), tensor_from(items[1])});
  }
  return out;
}

// The recording nninit/torch.py makes from PyTorch's hooks (a dict of lists of arrays), as diag reads it.
diag::Recording recording_from(const py::dict& record) {
  diag::Recording recording;
  for (const py::handle input : record["inputs"].cast<py::list>())
    recording.inputs.push_back(tensor_from(input));
  recording.train = record["train"].cast<bool>();
  recording.gradient_note = record["gradient_note"].cast<std::string>();
  for (const py::handle item : record["calls"].cast<py::list>()) {
    const auto call = item.cast<py::dict>();
    diag::CallRecord out;
    out.name = call["name"].cast<std::string>();
    out.type = call["type"].cast<std::string>();
    out.depth = call["depth"].cast<int>();
    out.has_parameters = call["has_parameters"].cast<bool>();
    for (const py::handle output : call["outputs"].cast<py::list>())
      out.outputs.push_back(tensor_from(output));
    out.input_gradient = tensor_from(call["input_gradient"]);
    out.output_gradient = tensor_from(call["output_gradient"]);
    recording.calls.push_back(std::move(out));
  }
  recording.parameters = named_tensors_from(record["parameters"].cast<py::list>());
  recording.parameter_gradients = named_tensors_from(record["parameter_gradients"].cast<py::list>());
  return recording;
}

// A module of a class nninit does not build (the user's own, a container, a torch.nn class it lacks): its
// name, its Python bases for isinstance, its own tensors and children.
class PythonModule final : public nn::Layer<PythonModule> {
 public:
  PythonModule(std::string type_name, std::vector<std::string> bases)
      : Layer(std::move(type_name)), bases_(std::move(bases)) {}
  std::vector<std::string> python_bases() const override { return bases_; }

 private:
  std::vector<std::string> bases_;
};

// Copies a described tensor into a registered one of the same shape.
void copy_into(const Tensor& target, const Tensor& source, const std::string& path) {
  if (target.sizes() != source.sizes()) {
    throw ValueError(fmt::format("{}: nninit built shape {}, the PyTorch model has {}", path,
                                 shape_string(target.sizes()), shape_string(source.sizes())));
  }
  target.copy_(source);
}

// nninit's twin of a PyTorch module tree (as nninit/torch.py describes it), holding the model's values: a
// torch.nn layer nninit knows is built from its repr, so the lint reads its options as on nninit's own
// models; anything else is a PythonModule with the same tensors and children.
nn::ModulePtr mirror_from(const py::dict& node, const std::string& path) {
  const auto expression = node["expression"].cast<std::string>();
  nn::ModulePtr module;
  if (!expression.empty()) {
    try {
      ScopedWarningCapture quiet;
      TorchGenerator scratch;
      module = expr::build_model(expression, scratch);
    } catch (const Error&) {
      module = nullptr;  // a layer or an argument nninit does not build: kept as a generic module
    }
  }
  const bool built = module != nullptr;
  if (!built) {
    module = std::make_shared<PythonModule>(node["type"].cast<std::string>(),
                                            node["bases"].cast<std::vector<std::string>>());
  }
  for (const py::handle item : node["parameters"].cast<py::list>()) {
    const auto pair = item.cast<py::tuple>();
    const auto name = pair[0].cast<std::string>();
    const Tensor value = tensor_from(pair[1]);
    if (!built) {
      module->register_parameter(name, value);
    } else if (value.defined() && module->has_parameter(name) && module->parameter(name).defined()) {
      copy_into(module->parameter(name), value, path.empty() ? name : path + "." + name);
    }
  }
  for (const py::handle item : node["children"].cast<py::list>()) {
    const auto pair = item.cast<py::tuple>();
    const auto name = pair[0].cast<std::string>();
    if (!built)
      module->register_module(name,
                              mirror_from(pair[1].cast<py::dict>(), path.empty() ? name : path + "." + name));
  }
  return module;
}

// Every module of the twin by its dotted path ("" for the root), as the recorded calls name them.
void collect_modules(const nn::ModulePtr& module, const std::string& path,
                     std::map<std::string, nn::ModulePtr>& out) {
  out.emplace(path, module);
  for (const auto& [name, child] : module->own_children()) {
    if (child) collect_modules(child, path.empty() ? name : path + "." + name, out);
  }
}

// The recorded forward's leaf calls, as nninit/torch.py lists them ({"kind": "module", "path"}, {"kind":
// "function", "type", "bases", "expression"} or {"kind": "unseen"}), for the lint (diag::ForwardCall): a
// module of the twin, a functional layer built as the torch.nn layer that does the same (or a generic module
// of its class and bases where nninit does not build it from its arguments), or code the recorder did not
// see. A called module the twin lacks (one made inside forward) is code the lint cannot read either.
std::vector<diag::ForwardCall> forward_from(const py::list& calls, const nn::ModulePtr& mirror) {
  std::map<std::string, nn::ModulePtr> modules;
  collect_modules(mirror, "", modules);
  std::vector<diag::ForwardCall> forward;
  for (const py::handle item : calls) {
    const auto call = item.cast<py::dict>();
    const auto kind = call["kind"].cast<std::string>();
    diag::ForwardCall out;
    if (kind == "module") {
      out.path = call["path"].cast<std::string>();
      if (const auto it = modules.find(out.path); it != modules.end()) out.module = it->second;
    } else if (kind == "function") {
      try {
        ScopedWarningCapture quiet;
        TorchGenerator scratch;
        out.module = expr::build_model(call["expression"].cast<std::string>(), scratch);
      } catch (const Error&) {
        out.module = std::make_shared<PythonModule>(call["type"].cast<std::string>(),
                                                    call["bases"].cast<std::vector<std::string>>());
      }
    }
    forward.push_back(std::move(out));
  }
  return forward;
}

// What the lint says about the order it read: from the recorded forward, and which weight layers never ran
// in it (read in registration order instead).
std::string lint_order_note(nn::Module& mirror, std::span<const diag::ForwardCall> forward,
                            const std::string& recorder) {
  std::vector<std::string> not_run;
  for (const diag::LayerInfo& layer : diag::analyze_architecture(mirror, forward).layers) {
    if (layer.order == diag::OrderSource::not_run) not_run.push_back(layer.path);
  }
  std::string note =
      fmt::format("what follows each layer is read from the forward recorded through {}", recorder);
  if (!not_run.empty()) {
    constexpr std::size_t named = 5;  // then a count: a ModuleList that never ran may hold hundreds
    std::string names = fmt::format(
        "{}",
        fmt::join(not_run.begin(),
                  not_run.begin() + static_cast<std::ptrdiff_t>(std::min(named, not_run.size())), ", "));
    if (not_run.size() > named) names += fmt::format(" and {} more", not_run.size() - named);
    note += fmt::format("; {} never ran in it and {} read in registration order", names,
                        not_run.size() == 1 ? "is" : "are");
  }
  return note;
}

std::vector<expr::Rule> parse_rules(const std::vector<std::string>& texts) {
  std::vector<expr::Rule> rules;
  for (const std::string& text : texts) rules.push_back(expr::parse_rule(text));
  return rules;
}

// A diagnosis run's text and JSON views, after its HTML page where a path is given (as the command's
// --report).
py::tuple views(report::DiagnosisRun& run, const std::string& report_path) {
  std::string text;
  std::string json;
  {
    py::gil_scoped_release release;
    if (!report_path.empty()) {
      run.report_path = report_path;
      report::write_report(report::diagnosis_page(run), report_path);
    }
    text = report::diagnosis_text(run);
    json = report::diagnosis_json(run).dump();
  }
  return py::make_tuple(text, json);
}

// PyTorch's init functions divide Python floats where nninit raises ZeroDivisionError, so the message is
// the running interpreter's own: "float division by zero" up to Python 3.13, "division by zero" from 3.14.
// nninit's messages carry the first; this gives what this Python says instead. Needs the GIL.
std::string as_this_python_says(const Error& e) {
  static constexpr std::string_view nninit_says = "float division by zero";
  std::string message = e.what();
  if (e.kind() != ErrorKind::zero_division || !message.ends_with(nninit_says)) return message;
  static const std::string python_says = [] {
    try {
      (void)(py::float_(1.0) / py::float_(0.0));
    } catch (py::error_already_set& raised) {
      return std::string(py::str(raised.value()));
    }
    return std::string(nninit_says);
  }();
  return message.replace(message.size() - nninit_says.size(), nninit_says.size(), python_says);
}

void register_errors() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::value: type = PyExc_ValueError; break;
        case ErrorKind::type: type = PyExc_TypeError; break;
        case ErrorKind::runtime: type = PyExc_RuntimeError; break;
        case ErrorKind::index: type = PyExc_IndexError; break;
        case ErrorKind::not_implemented: type = PyExc_NotImplementedError; break;
        case ErrorKind::zero_division: type = PyExc_ZeroDivisionError; break;
        case ErrorKind::overflow: type = PyExc_OverflowError; break;
        case ErrorKind::assertion: type = PyExc_AssertionError; break;
        case ErrorKind::attribute: type = PyExc_AttributeError; break;
        case ErrorKind::name: type = PyExc_NameError; break;
        case ErrorKind::io: type = PyExc_OSError; break;
      }
      PyErr_SetString(type, as_this_python_says(e).c_str());
    }
  });
}

}  // namespace
}  // namespace nninit::python

PYBIND11_MODULE(_nninit, m) {
  using namespace nninit;
  using namespace nninit::python;
  m.doc() = "nninit's compiled core: PyTorch's initialisation, bit for bit (see the nninit package)";
  register_errors();

  py::class_<TorchGenerator>(m, "Generator", R"(PyTorch's CPU generator (mt19937 and its distributions).

Generator(seed=67280421310721, torch_version=(2, 14), capability="avx2"): a generator as
torch.Generator().manual_seed(seed) is in that PyTorch release, on a CPU where ATen dispatches to
`capability` ("default", "avx2" or "avx512").)")
      .def(py::init([](std::uint64_t seed, std::pair<int, int> version, const std::string& capability) {
             return TorchGenerator(seed, make_variant(version.first, version.second, capability));
           }),
           py::arg("seed") = TorchGenerator::default_seed,
           py::arg("torch_version") =
               std::pair<int, int>{TorchVersion::newest().major, TorchVersion::newest().minor},
           py::arg("capability") = "avx2")
      .def(
          "manual_seed",
          [](TorchGenerator& g, std::int64_t seed) -> TorchGenerator& {
            g.manual_seed(
                static_cast<std::uint64_t>(seed));  // a negative seed wraps modulo 2^64, as in torch
            return g;
          },
          py::arg("seed"), py::return_value_policy::reference_internal,
          "torch.Generator.manual_seed: reseeds and clears the cached normal samples; returns the generator")
      .def("initial_seed", &TorchGenerator::initial_seed)
      .def("get_state", &state_bytes, "The 5056 bytes torch.Generator.get_state() returns, as bytes")
      .def("set_state", &set_state_bytes, py::arg("state"),
           "Restores a state from get_state() or from bytes(torch.get_rng_state().numpy())")
      .def_property_readonly(
          "torch_version",
          [](const TorchGenerator& g) {
            return std::pair<int, int>{g.variant().version.major, g.variant().version.minor};
          })
      .def_property_readonly("capability", [](const TorchGenerator& g) {
        return torch_capability_name(g.variant().capability);
      });

  m.def(
      "fill",
      [](const std::string& expression, const Shape& shape, const std::string& dtype_text,
         TorchGenerator& generator) {
        const DType dtype = dtype_from_name(dtype_text);
        return with_python_warnings([&] {
          const auto parsed =
              expr::InitExpression::parse(expression, {.version = generator.variant().version});
          ArrayAndTensor out = new_array(shape, dtype);
          apply_as_torch(parsed, out.tensor, generator);
          return out.array;
        });
      },
      py::arg("expression"), py::arg("shape"), py::arg("dtype"), py::arg("generator"),
      "A new array initialised as torch.nn.init.EXPRESSION(torch.empty(shape, dtype=dtype)) would be");

  m.def(
      "fill_memory",
      [](const std::string& expression, std::uintptr_t address, std::size_t nbytes, const Shape& sizes,
         const Shape& strides, std::int64_t offset, const std::string& dtype_text,
         TorchGenerator& generator) {
        const DType dtype = dtype_from_name(dtype_text);
        with_python_warnings([&] {
          const auto parsed =
              expr::InitExpression::parse(expression, {.version = generator.variant().version});
          auto storage = Storage::wrap(reinterpret_cast<std::byte*>(address), nbytes, nullptr);
          // Memory torch has just allocated is faulted in by this fill: 2 MiB at a time where the kernel can.
          Storage::advise_huge_pages(storage->data(), nbytes);
          apply_as_torch(parsed, Tensor(storage, dtype, sizes, strides, offset), generator);
        });
      },
      py::arg("expression"), py::arg("address"), py::arg("nbytes"), py::arg("sizes"), py::arg("strides"),
      py::arg("offset"), py::arg("dtype"), py::arg("generator"),
      "Fills, in place, the strided elements of a storage of nbytes at address (a torch tensor's storage)");

  m.def(
      "init",
      [](const std::string& model_expression, const std::vector<std::string>& rule_texts,
         const std::string& dtype_text, TorchGenerator& engine) {
        return with_python_warnings([&] {
          nn::ModulePtr model;
          const std::vector<expr::Rule> rules = parse_rules(rule_texts);
          // A flag and a value, not std::optional<DType>: GCC 12 at -O3 warns falsely that it may be unset.
          const bool convert = !dtype_text.empty();
          const DType dtype = convert ? dtype_from_name(dtype_text) : DType::float32;
          {
            py::gil_scoped_release release;
            as_default_generator(engine, [&](TorchGenerator& generator) {
              model = expr::build_model(model_expression, generator);
              if (!rules.empty()) expr::apply_rules(*model, rules, generator);
            });
            if (convert) model->to(dtype);
          }
          py::dict state;
          for (const NamedTensor& t : model->state_dict()) state[py::str(t.name)] = to_numpy(t.tensor);
          return state;
        });
      },
      py::arg("model"), py::arg("rules"), py::arg("dtype"), py::arg("generator"),
      "The state_dict of a model expression after the rules, as {name: array} in state_dict order");

  m.def(
      "parse_rule",
      [](const std::string& text) {
        const expr::Rule rule = expr::parse_rule(text);
        // The right-hand side as written: the text after the '=' that ends the pattern.
        const std::size_t equals = rule.text.find('=', rule.pattern_range.end);
        py::dict parts;
        parts["kind"] = rule.kind == expr::PatternKind::type_parameter ? "type" : "path";
        parts["type"] = rule.type_name;
        parts["parameter"] = rule.parameter_glob;
        parts["path"] = rule.path_glob;
        parts["expression"] = rule.text.substr(equals + 1);
        // Its pass: whether it starts one, how that pass walks, and its condition on p.dim() ("p.dim() > 1").
        parts["starts_pass"] = rule.starts_pass;
        parts["walk"] = rule.walk == expr::PassWalk::apply ? "apply" : "parameters";
        parts["dim_condition"] =
            rule.dim_condition ? py::object(py::str(rule.dim_condition->python())) : py::object(py::none());
        return parts;
      },
      py::arg("rule"),
      "A rule [PASS:] PATTERN=EXPR, parsed as the command line parses --init: {kind, type, parameter, path, "
      "expression, starts_pass, walk, dim_condition}");
  m.def(
      "rules_to_python",
      [](const std::vector<std::string>& texts) { return expr::rules_to_python(parse_rules(texts)); },
      py::arg("rules"), "The PyTorch init_fn code equivalent to a rule set");
  m.def(
      "check_expression",
      [](const std::string& expression, std::pair<int, int> version) {
        return expr::InitExpression::parse(expression, {.version = {version.first, version.second}})
            .function();
      },
      py::arg("expression"), py::arg("torch_version"),
      "Parses an init expression for a release (raising its error) and returns its function's name");

  m.def(
      "diagnose_recording",
      [](const py::dict& record, const py::object& tree, const py::object& forward_calls,
         const std::string& model, const std::string& model_repr, std::uint64_t seed, double signal_bound,
         const std::string& report_path) {
        report::DiagnosisRun run;
        run.model = model;
        run.model_repr = model_repr;
        run.seed = seed;
        run.inputs = record["inputs_note"].cast<std::string>();
        const diag::Recording recording = recording_from(record);
        run.parameters = recording.parameters;
        nn::ModulePtr mirror;
        std::vector<diag::ForwardCall> forward;
        if (!tree.is_none()) mirror = mirror_from(tree.cast<py::dict>(), "");
        if (mirror && !forward_calls.is_none()) {
          forward = forward_from(forward_calls.cast<py::list>(), mirror);
          run.lint_note = lint_order_note(*mirror, forward, record["recorder"].cast<std::string>());
        }
        {
          py::gil_scoped_release release;
          run.diagnosis = diag::diagnose(
              recording, {.gradient_seed = seed, .signal_bound = signal_bound, .train = recording.train});
          if (mirror) {
            run.diagnosis.symmetries =
                diag::find_symmetries(*mirror, diag::analyze_architecture(*mirror, forward));
            run.diagnosis.symmetries_checked = true;
            run.findings = diag::grouped_findings(*mirror, {.forward = forward});
          }
        }
        return views(run, report_path);
      },
      py::arg("recording"), py::arg("tree"), py::arg("forward"), py::arg("model"), py::arg("model_repr"),
      py::arg("gradient_seed"), py::arg("signal_bound"), py::arg("report"),
      "Judges a pass recorded from PyTorch's hooks as `nninit diagnose` judges its own: (text, json)");

  m.def(
      "diagnose_expression",
      [](const std::string& model_expression, const std::vector<std::string>& rule_texts,
         const std::vector<Shape>& input_shapes, bool train, std::uint64_t gradient_seed, double signal_bound,
         const std::string& report_path, TorchGenerator& engine) {
        return with_python_warnings([&] {
          const std::vector<expr::Rule> rules = parse_rules(rule_texts);
          report::DiagnosisRun run;
          run.model = model_expression;
          run.seed = engine.initial_seed();
          run.variant = engine.variant();
          run.rules = rule_texts;
          {
            py::gil_scoped_release release;
            nn::ModulePtr model;
            std::vector<Tensor> inputs;
            // As `torch.manual_seed(seed); model = MODEL; init_fn; x = torch.randn(shape)` draws them.
            as_default_generator(engine, [&](TorchGenerator& generator) {
              model = expr::build_model(model_expression, generator);
              if (!rules.empty()) expr::apply_rules(*model, rules, generator);
              inputs = diag::random_inputs(*model, input_shapes, generator);
            });
            run.model_repr = model->repr();
            run.inputs = "drawn as torch.randn right after the model (integer indices for an Embedding)";
            run.parameters = model->named_parameters();
            run.diagnosis = diag::diagnose(
                *model, inputs,
                {.gradient_seed = gradient_seed, .signal_bound = signal_bound, .train = train});
            run.findings = diag::grouped_findings(*model);
          }
          return views(run, report_path);
        });
      },
      py::arg("model"), py::arg("rules"), py::arg("input_shapes"), py::arg("train"), py::arg("gradient_seed"),
      py::arg("signal_bound"), py::arg("report"), py::arg("generator"),
      "`nninit diagnose MODEL` in a call: (text, json), the lint's findings included");

  m.def("init_functions", &expr::InitExpression::known_functions,
        "Every torch.nn.init function name nninit accepts, canonical names first");
  m.attr("newest_torch_version") =
      std::pair<int, int>{TorchVersion::newest().major, TorchVersion::newest().minor};
  m.attr("oldest_torch_version") =
      std::pair<int, int>{TorchVersion::oldest().major, TorchVersion::oldest().minor};
}
