// Model: the nn::Module face of an imported graph, and the interpreter that runs its nodes
// (eagerly, or recording on the lazy device) through the op mappings. load(), analyze().
#include <neuron/format/file_io.hpp>
#include <neuron/lazy/lazy_tensor.hpp>
#include <neuron/onnx/model.hpp>
#include <new>
#include <sstream>

#include "graph.hpp"
#include "op_registry.hpp"

namespace neuron::onnx {

namespace detail {

struct ModelAccess {
  static Model make(std::shared_ptr<const Graph> g) { return Model(std::move(g)); }
};

std::string node_prefix(const Node& n) { return "ONNX " + node_label(n) + ": "; }

// ---- attributes ----

const char* Attribute::kind_name(Kind k) {
  switch (k) {
    case Kind::f:
      return "a float";
    case Kind::i:
      return "an int";
    case Kind::s:
      return "a string";
    case Kind::t:
      return "a tensor";
    case Kind::g:
      return "a graph";
    case Kind::floats:
      return "a list of floats";
    case Kind::ints:
      return "a list of ints";
    case Kind::strings:
      return "a list of strings";
    case Kind::tensors:
      return "a list of tensors";
    case Kind::graphs:
      return "a list of graphs";
    case Kind::other:
      break;
  }
  return "of an unknown kind";
}

const Attribute* NodeAttrs::attr(const std::string& name) const {
  auto it = node_.attrs.find(name);
  return it == node_.attrs.end() ? nullptr : &it->second;
}

const Attribute& NodeAttrs::expect(const std::string& name, Attribute::Kind kind) const {
  const Attribute* a = attr(name);
  if (a->kind != kind)
    fail("attribute '", name, "' is ", Attribute::kind_name(a->kind), ", expected ",
         Attribute::kind_name(kind));
  return *a;
}

std::int64_t NodeAttrs::attr_i(const std::string& name, std::int64_t def) const {
  return has_attr(name) ? expect(name, Attribute::Kind::i).i : def;
}
double NodeAttrs::attr_f(const std::string& name, double def) const {
  return has_attr(name) ? expect(name, Attribute::Kind::f).f : def;
}
std::string NodeAttrs::attr_s(const std::string& name, const std::string& def) const {
  return has_attr(name) ? expect(name, Attribute::Kind::s).s : def;
}
std::vector<std::int64_t> NodeAttrs::attr_ints(const std::string& name,
                                               std::vector<std::int64_t> def) const {
  return has_attr(name) ? expect(name, Attribute::Kind::ints).ints : def;
}
std::vector<double> NodeAttrs::attr_floats(const std::string& name, std::vector<double> def) const {
  return has_attr(name) ? expect(name, Attribute::Kind::floats).floats : def;
}
const Tensor& NodeAttrs::attr_t(const std::string& name) const {
  if (!has_attr(name)) fail("attribute '", name, "' is missing");
  const Attribute& a = expect(name, Attribute::Kind::t);
  if (!a.t.defined()) fail("attribute '", name, "' holds an unsupported ", a.t_problem);
  return a.t;
}

void CheckContext::allow_values(const std::string& name, const std::vector<std::string>& allowed) {
  if (!has_attr(name)) return;
  std::string v = attr_s(name, "");
  for (const auto& a : allowed)
    if (v == a) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  refuse("attribute '", name, "' = ", v, " is not supported (neuron supports ", list, ")");
}

// ---- running a node ----

OpContext::OpContext(const Node& n, const Graph& g, std::vector<Value>& env, Device device,
                     bool host_mode)
    : NodeAttrs(n), graph_(g), opset_(g.opset), env_(env), device_(device), host_mode_(host_mode) {}

bool OpContext::has(int i) const {
  return i >= 0 && i < inputs() && node().inputs[static_cast<std::size_t>(i)] >= 0;
}

const Value& OpContext::value(int i) const {
  if (!has(i)) fail("input ", i, " is missing (this op needs it)");
  return env_[static_cast<std::size_t>(node().inputs[static_cast<std::size_t>(i)])];
}

// A tensor input: refuses a sequence where a tensor is expected.
static const Value& tensor_value(const OpContext& c, const Value& v, int i) {
  if (v.seq) c.fail<DTypeError>("input ", i, " is a sequence; this op takes a tensor");
  return v;
}

const std::vector<Value>& OpContext::seq(int i) const {
  const Value& v = value(i);
  if (!v.seq) fail<DTypeError>("input ", i, " must be a sequence, got a tensor");
  return *v.seq;
}

void OpContext::set_seq(int i, std::vector<Value> elements) {
  if (!wants(i)) return;
  Value v;
  v.seq = std::make_shared<const std::vector<Value>>(std::move(elements));
  env_[static_cast<std::size_t>(node().outputs[static_cast<std::size_t>(i)])] = std::move(v);
}

void OpContext::set_value(int i, const Value& v) {
  if (!wants(i)) return;
  env_[static_cast<std::size_t>(node().outputs[static_cast<std::size_t>(i)])] = v;
}

Tensor OpContext::in(int i) {
  const Value& cv = tensor_value(*this, value(i), i);
  Value& v = const_cast<Value&>(cv);
  if (host_mode_) return v.host;
  if (!v.dev.defined()) v.dev = place(v.host);  // converted once, shared by later users
  return v.dev;
}

Shape OpContext::shape(int i) const {
  const Value& v = tensor_value(*this, value(i), i);
  return v.dev.defined() ? v.dev.shape() : v.host.shape();
}

DType OpContext::dtype(int i) const {
  const Value& v = tensor_value(*this, value(i), i);
  return v.dev.defined() ? v.dev.dtype() : v.host.dtype();
}

Tensor OpContext::host(int i) const {
  const Value& v = tensor_value(*this, value(i), i);
  if (v.host.defined()) return v.host;
  if (v.dev.defined() && v.dev.device().is_cpu()) return v.dev;  // eagerly: the data is here
  fail("input ", i, " ('", input_name(i),
       "') must be known when the graph is recorded (neuron's graphs have static shapes), but it "
       "is computed from tensor data; it may come from constants, initializers and shapes. "
       "Run eagerly, or bind the graph input it comes from with Model::bind_input()");
}

bool OpContext::known(int i) const {
  const Value& v = value(i);
  return v.host.defined() || (v.dev.defined() && v.dev.device().is_cpu());
}

std::vector<std::int64_t> OpContext::ints(int i) const {
  Tensor t = host(i);
  if (!is_integral(t.dtype()))
    fail<DTypeError>("input ", i, " must hold integers, got ", t.dtype());
  std::vector<std::int64_t> out(static_cast<std::size_t>(t.numel()));
  if (t.numel()) convert_buffer(t.raw_data(), t.dtype(), out.data(), int64, t.numel());
  return out;
}

std::vector<double> OpContext::floats(int i) const {
  Tensor t = host(i);
  std::vector<double> out(static_cast<std::size_t>(t.numel()));
  if (t.numel()) convert_buffer(t.raw_data(), t.dtype(), out.data(), float64, t.numel());
  return out;
}

void OpContext::set(int i, const Tensor& t) {
  if (!wants(i)) return;
  Value& o = env_[static_cast<std::size_t>(node().outputs[static_cast<std::size_t>(i)])];
  if (host_mode_ && t.device().is_cpu())
    o.host = t;
  else
    o.dev = t;
}

void OpContext::pass_through(int out, int in) {
  if (!wants(out)) return;
  env_[static_cast<std::size_t>(node().outputs[static_cast<std::size_t>(out)])] = value(in);
}

Tensor OpContext::place(const Tensor& cpu_tensor) const {
  if (host_mode_ || !device_.is_lazy() || capturing_constants()) return cpu_tensor;
  return cpu_tensor.to(device_);
}

std::string OpContext::input_name(int i) const {
  if (!has(i)) return "";
  return graph_.value_names[static_cast<std::size_t>(node().inputs[static_cast<std::size_t>(i)])];
}

}  // namespace detail

// ---- Model ----

namespace {

std::string dims_text(const std::vector<std::int64_t>& shape,
                      const std::vector<std::string>& params) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    if (shape[i] >= 0)
      s += std::to_string(shape[i]);
    else
      s += i < params.size() && !params[i].empty() ? params[i] : "?";
  }
  return s + "]";
}

// Rethrows `e` (a neuron error raised inside a node's mapping) as the same type, prefixed with
// the node, unless it names the node already.
[[noreturn]] void rethrow_in_node(const detail::Node& n) {
  const std::string prefix = detail::node_prefix(n);
  auto msg = [&](const std::exception& e) {
    std::string w = e.what();
    return w.compare(0, prefix.size(), prefix) == 0 ? w : prefix + w;
  };
  try {
    throw;
  } catch (const UnsupportedModelError&) {
    throw;
  } catch (const ShapeError& e) {
    throw ShapeError(msg(e));
  } catch (const DTypeError& e) {
    throw DTypeError(msg(e));
  } catch (const DeviceError& e) {
    throw DeviceError(msg(e));
  } catch (const FormatError& e) {
    throw FormatError(msg(e));
  } catch (const IOError& e) {
    throw IOError(msg(e));
  } catch (const IndexError& e) {
    throw IndexError(msg(e));
  } catch (const KeyError& e) {
    throw KeyError(msg(e));
  } catch (const ValueError& e) {
    throw ValueError(msg(e));
  } catch (const Error& e) {
    throw Error(msg(e));
  }
}

}  // namespace

std::string ValueInfo::str() const {
  std::string s = name + ": " + std::string(dtype_name(dtype)) + " ";
  return s + (has_shape ? dims_text(shape, dim_params) : std::string("(any shape)"));
}

Model::Model() : Model(std::make_shared<detail::Graph>()) {}

Model::Model(std::shared_ptr<const detail::Graph> g) : graph_(std::move(g)) {
  for (const auto& init : graph_->initializers) register_flat_parameter(init.name, init.data);
  inputs_ = graph_->inputs;
  input_values_ = graph_->input_ids;
  eval();
}

const std::vector<ValueInfo>& Model::inputs() const { return inputs_; }
const std::vector<ValueInfo>& Model::outputs() const { return graph_->outputs; }
const Report& Model::report() const { return graph_->report; }
std::int64_t Model::opset() const { return graph_->opset; }
const std::string& Model::producer() const { return graph_->producer; }
const std::string& Model::graph_name() const { return graph_->name; }
std::size_t Model::node_count() const { return graph_->nodes.size(); }

Tensor Model::forward(const Tensor& x) {
  if (inputs_.size() != 1 || graph_->outputs.size() != 1)
    throw_error<ValueError>(
        "onnx::Model: forward(x) is for one input and one output; this model "
        "takes ",
        inputs_.size(), " inputs and returns ", graph_->outputs.size(),
        " outputs: call forward({x1, x2, ...})");
  return forward(std::vector<Tensor>{x})[0];
}

void Model::bind_input(const std::string& name, const Tensor& value) {
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].name != name) continue;
    const ValueInfo& info = inputs_[i];
    if (!value.defined())
      throw_error<ValueError>("onnx::Model::bind_input: the value for '", name,
                              "' is an undefined tensor");
    Tensor v = value.cpu().to(info.dtype).clone();
    if (info.has_shape) {
      bool ok = static_cast<std::size_t>(v.rank()) == info.shape.size();
      for (std::size_t d = 0; ok && d < info.shape.size(); ++d)
        ok = info.shape[d] < 0 || info.shape[d] == v.shape()[static_cast<int>(d)];
      if (!ok)
        throw_error<ShapeError>("onnx::Model::bind_input: input '", name, "' is declared ",
                                dims_text(info.shape, info.dim_params), ", got shape ", v.shape());
    }
    bound_.emplace_back(input_values_[i], v);
    inputs_.erase(inputs_.begin() + static_cast<std::ptrdiff_t>(i));
    input_values_.erase(input_values_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
  std::string names;
  for (const auto& in : inputs_) names += (names.empty() ? "" : ", ") + in.name;
  throw_error<KeyError>("onnx::Model::bind_input: the model has no unbound input '", name,
                        "' (inputs: ", names.empty() ? "none" : names, ")");
}

std::vector<Tensor> Model::forward(const std::vector<Tensor>& xs) {
  using detail::Value;
  const detail::Graph& g = *graph_;
  if (xs.size() != inputs_.size()) {
    std::string names;
    for (const auto& in : inputs_) names += (names.empty() ? "" : ", ") + in.name;
    throw_error<ValueError>("onnx::Model: the model takes ", inputs_.size(), " input",
                            inputs_.size() == 1 ? "" : "s", " (", names, "), got ", xs.size());
  }
  const bool capturing = capturing_constants();
  const auto& params = own_parameters();
  Device device = cpu();
  if (!xs.empty() && xs[0].defined()) {
    device = xs[0].device();
  } else if (!params.empty()) {
    device = params[0].second.device();
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const ValueInfo& info = inputs_[i];
    const Tensor& x = xs[i];
    if (!x.defined())
      throw_error<ValueError>("onnx::Model: input '", info.name, "' is an undefined tensor");
    if (x.device() != device)
      throw_error<DeviceError>("onnx::Model: input '", inputs_[0].name, "' is on ", device,
                               " but input '", info.name, "' is on ", x.device(),
                               "; move them to one device with .to(device)");
    if (x.dtype() != info.dtype)
      throw_error<DTypeError>("onnx::Model: input '", info.name, "' must be ", info.dtype, ", got ",
                              x.dtype());
    if (info.has_shape) {
      bool ok = static_cast<std::size_t>(x.rank()) == info.shape.size();
      for (std::size_t d = 0; ok && d < info.shape.size(); ++d)
        ok = info.shape[d] < 0 || info.shape[d] == x.shape()[static_cast<int>(d)];
      if (!ok)
        throw_error<ShapeError>("onnx::Model: input '", info.name, "' must have shape ",
                                dims_text(info.shape, info.dim_params), ", got ", x.shape());
    }
  }
  if (!capturing)
    for (const auto& [name, p] : params)
      if (p.device() != device)
        throw_error<DeviceError>("onnx::Model: the inputs are on ", device, " but weight '", name,
                                 "' is on ", p.device(), "; move the model with m.to(",
                                 device.is_lazy() ? "nr::lazy_device()" : "nr::cpu()",
                                 ") or the inputs with .to(device)");

  std::vector<Value> env(g.value_names.size());
  for (std::size_t i = 0; i < g.initializers.size(); ++i) {
    const auto& init = g.initializers[i];
    Value& v = env[static_cast<std::size_t>(init.value)];
    v.dev = params[i].second;
    if (init.host) v.host = init.data;
  }
  for (const auto& [id, t] : bound_) env[static_cast<std::size_t>(id)].host = t;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    Value& v = env[static_cast<std::size_t>(input_values_[i])];
    v.dev = xs[i];
    if (xs[i].device().is_cpu() && !capturing) v.host = xs[i];  // eagerly every value is known
  }
  for (std::size_t i = 0; i < g.inputs.size(); ++i)
    if (!env[static_cast<std::size_t>(g.input_ids[i])].defined())
      throw_error<ValueError>("onnx::Model: input '", g.inputs[i].name, "' has no value");

  for (const detail::Node& n : g.nodes) {
    bool host_mode = n.op->shape_only;
    if (!host_mode) {
      host_mode = true;
      for (int v : n.inputs)
        if (v >= 0 && !env[static_cast<std::size_t>(v)].host.defined()) host_mode = false;
    }
    detail::OpContext c(n, g, env, device, host_mode);
    try {
      n.op->run(c);
    } catch (const Error&) {
      rethrow_in_node(n);
    } catch (const std::bad_alloc&) {  // a huge output (Tile, ConstantOfShape, Resize, ...)
      throw ValueError(detail::node_prefix(n) + "out of memory for its result");
    }
    for (std::size_t k = 0; k < n.outputs.size(); ++k) {
      int o = n.outputs[k];
      if (o >= 0 && !env[static_cast<std::size_t>(o)].defined())
        c.fail("output ", k, " was not computed");
    }
    for (int v : n.release) env[static_cast<std::size_t>(v)] = Value{};
  }

  std::vector<Tensor> out;
  for (std::size_t i = 0; i < g.output_ids.size(); ++i) {
    Value& v = env[static_cast<std::size_t>(g.output_ids[i])];
    Tensor t = v.dev.defined()                    ? v.dev
               : (device.is_lazy() && !capturing) ? v.host.to(device)
                                                  : v.host;
    const ValueInfo& info = g.outputs[i];
    if (g.output_typed[i] && t.dtype() != info.dtype)
      throw_error<DTypeError>("onnx::Model: output '", info.name, "' is declared ", info.dtype,
                              " but neuron computed ", t.dtype(), " (please report this)");
    if (info.has_shape) {
      bool ok = static_cast<std::size_t>(t.rank()) == info.shape.size();
      for (std::size_t d = 0; ok && d < info.shape.size(); ++d)
        ok = info.shape[d] < 0 || info.shape[d] == t.shape()[static_cast<int>(d)];
      if (!ok)
        throw_error<ShapeError>("onnx::Model: output '", info.name, "' is declared ",
                                dims_text(info.shape, info.dim_params), " but neuron computed ",
                                t.shape());
    }
    out.push_back(t);
  }
  return out;
}

// ---- loading ----

namespace {

std::string folder_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Model accept(std::shared_ptr<detail::Graph> g) {
  const Report& r = g->report;
  if (!r.supported()) {
    std::ostringstream msg;
    msg << "ONNX model " << r.source << ": neuron cannot run this model (" << r.problem_count()
        << (r.problem_count() == 1 ? " problem" : " problems") << "; nr::onnx::analyze() "
        << "reports every op):" << r.problems_str();
    throw UnsupportedModelError(msg.str(), r);
  }
  return detail::ModelAccess::make(std::move(g));
}

std::shared_ptr<detail::Graph> import_file(const std::string& path, LoadOptions options) {
  auto file = MappedFile::open(path);
  if (options.external_data_dir.empty()) options.external_data_dir = folder_of(path);
  return detail::import_model(file->data(), file->size(), "'" + path + "'", options, true);
}

}  // namespace

Model load(const std::string& path, const LoadOptions& options) {
  return accept(import_file(path, options));
}

Model load_from_memory(const void* data, std::size_t size, const LoadOptions& options) {
  return accept(detail::import_model(data, size, "<memory>", options, true));
}

Report analyze(const std::string& path) { return import_file(path, {})->report; }

Report analyze_from_memory(const void* data, std::size_t size) {
  return detail::import_model(data, size, "<memory>", {}, true)->report;
}

}  // namespace neuron::onnx
