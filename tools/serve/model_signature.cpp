#include "model_signature.hpp"

#include <algorithm>
#include <sstream>

#include "datatype.hpp"
#include "serve_error.hpp"

namespace neuron::serve {

namespace {

bool is_padded(const ModuleData& d, int input, int dim) {
  return std::find(d.padded_dims.begin(), d.padded_dims.end(), DimSource{input, dim}) !=
         d.padded_dims.end();
}

std::vector<std::string> names_or_default(const std::vector<std::string>& given, std::size_t n,
                                          const char* prefix, const char* what) {
  if (given.empty()) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }
  if (given.size() != n)
    throw_error<FormatError>("config.json names ", given.size(), " ", what,
                             given.size() == 1 ? "" : "s", " but the module has ", n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (given[i] == given[k])
        throw_error<FormatError>("config.json names two ", what, "s '", given[i], "'");
  return given;
}

std::string list_names(const std::vector<TensorInfo>& t) {
  std::string s;
  for (const TensorInfo& i : t) s += (s.empty() ? "'" : ", '") + i.name + "'";
  return s;
}

void check_varying_dims(const ModuleData& d, const Signature& sig, const std::vector<Tensor>& in) {
  auto extent = [&](const DimSource& s) {
    return in[static_cast<std::size_t>(s.input)].shape()[s.dim];
  };
  auto name = [&](const DimSource& s) {
    return sig.inputs[static_cast<std::size_t>(s.input)].name;
  };
  for (const auto& group : d.tied_dims)
    for (const DimSource& s : group)
      if (extent(s) != extent(group[0]))
        fail(Status::invalid_argument, "input '", name(s), "' dim ", s.dim, " has size ", extent(s),
             " but input '", name(group[0]), "' dim ", group[0].dim, " has size ", extent(group[0]),
             "; the model combines them, so they must be equal");
  for (std::size_t i = 0; i < d.padded_dims.size() && i < d.min_extents.size(); ++i)
    if (extent(d.padded_dims[i]) < std::max<std::int64_t>(d.min_extents[i], 1))
      fail(Status::invalid_argument, "input '", name(d.padded_dims[i]), "' dim ",
           d.padded_dims[i].dim, " has size ", extent(d.padded_dims[i]), "; expected at least ",
           std::max<std::int64_t>(d.min_extents[i], 1));
  std::vector<Shape> shapes;
  for (const Tensor& t : in) shapes.push_back(t.shape());
  if (!some_plan_fits(d, shapes)) {
    std::ostringstream msg;
    msg << "no bucket of the model holds inputs of shapes";
    for (std::size_t i = 0; i < in.size(); ++i) msg << (i ? ", " : " ") << in[i].shape();
    msg << "; the largest takes";
    for (const TensorSpec& s : d.plans.back().inputs) msg << " " << s.shape;
    fail(Status::invalid_argument, msg.str());
  }
}

}  // namespace

bool some_plan_fits(const ModuleData& d, const std::vector<Shape>& shapes) {
  if (d.mode != TraceMode::buckets) return true;
  for (const Plan& p : d.plans) {
    bool fits = true;
    for (const DimSource& s : d.padded_dims)
      fits = fits && shapes[static_cast<std::size_t>(s.input)][s.dim] <=
                         p.inputs[static_cast<std::size_t>(s.input)].shape[s.dim];
    if (fits) return true;
  }
  return false;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Signature make_signature(const TracedModule& m, const ModelConfig& c) {
  const ModuleData& d = m.data();
  const Plan& p = d.plans.back();
  Signature sig;
  const auto in_names = names_or_default(c.input_names, p.inputs.size(), "input_", "input");
  const auto out_names = names_or_default(c.output_names, p.outputs.size(), "output_", "output");
  bool batch_free = !p.inputs.empty() && d.mode != TraceMode::fixed;
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    TensorInfo t{in_names[i], p.inputs[i].dtype, p.inputs[i].shape.vec()};
    for (std::size_t k = 0; k < t.shape.size(); ++k)
      if (is_padded(d, static_cast<int>(i), static_cast<int>(k))) t.shape[k] = -1;
    batch_free = batch_free && !t.shape.empty() && t.shape[0] == -1;
    sig.inputs.push_back(std::move(t));
  }
  for (std::size_t o = 0; o < p.outputs.size(); ++o) {
    const TensorSpec spec = p.output_spec(o);
    TensorInfo t{out_names[o], spec.dtype, spec.shape.vec()};
    int batch_dim = -1;
    if (o < p.output_sources.size())
      for (std::size_t k = 0; k < p.output_sources[o].size(); ++k) {
        if (!p.output_sources[o][k].empty()) t.shape[k] = -1;
        for (const DimSource& s : p.output_sources[o][k])
          if (s.dim == 0 && batch_dim < 0) batch_dim = static_cast<int>(k);
      }
    batch_free = batch_free && batch_dim >= 0;
    sig.output_batch_dim.push_back(batch_dim);
    sig.outputs.push_back(std::move(t));
  }
  sig.batchable = batch_free;
  if (d.mode == TraceMode::buckets && !p.inputs.empty() && p.inputs[0].shape.rank() > 0)
    sig.max_call_rows = p.inputs[0].shape[0];
  return sig;
}

std::vector<Tensor> order_inputs(const TracedModule& m, const Signature& sig,
                                 std::vector<NamedTensor> given) {
  std::vector<Tensor> in(sig.inputs.size());
  for (NamedTensor& g : given) {
    std::size_t i = 0;
    while (i < sig.inputs.size() && sig.inputs[i].name != g.first) ++i;
    if (i == sig.inputs.size())
      fail(Status::invalid_argument, "unknown input '", g.first, "'; the model's inputs are ",
           list_names(sig.inputs));
    if (in[i].defined()) fail(Status::invalid_argument, "input '", g.first, "' is given twice");
    in[i] = std::move(g.second);
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    const TensorInfo& want = sig.inputs[i];
    if (!in[i].defined())
      fail(Status::invalid_argument, "input '", want.name, "' is missing; the model takes ",
           list_names(sig.inputs));
    const Tensor& x = in[i];
    if (x.dtype() != want.dtype)
      fail(Status::invalid_argument, "input '", want.name, "': expected datatype ",
           datatype_name(want.dtype), ", got ", datatype_name(x.dtype()));
    bool ok = x.rank() == static_cast<int>(want.shape.size());
    for (int k = 0; ok && k < x.rank(); ++k)
      ok = want.shape[static_cast<std::size_t>(k)] == -1 ||
           want.shape[static_cast<std::size_t>(k)] == x.shape()[k];
    if (!ok)
      fail(Status::invalid_argument, "input '", want.name, "': expected shape ",
           shape_text(want.shape), ", got ", shape_text(x.shape().vec()));
  }
  check_varying_dims(m.data(), sig, in);
  return in;
}

}  // namespace neuron::serve
