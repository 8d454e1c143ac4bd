// Definitions for module_graph.hpp.
#pragma once

#include "module_graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../ops/any_op.hpp"

namespace neuron {

namespace detail {

// Typed access to untrusted JSON: every miss is a FormatError naming where.
struct JsonIn {
  const nlohmann::json& j;
  std::string where;

  const nlohmann::json& at(const char* key) const {
    if (!j.is_object()) throw_error<FormatError>(where, ": expected a JSON object");
    auto it = j.find(key);
    if (it == j.end()) throw_error<FormatError>(where, ": missing \"", key, "\"");
    return *it;
  }
  JsonIn child(const char* key) const { return {at(key), where + "." + key}; }
  JsonIn item(std::size_t i) const { return {j[i], where + "[" + std::to_string(i) + "]"}; }
  const nlohmann::json& array() const {
    if (!j.is_array()) throw_error<FormatError>(where, ": expected an array");
    return j;
  }
  std::size_t size() const { return array().size(); }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) const {
    if (!j.is_number_integer()) throw_error<FormatError>(where, ": expected an integer");
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      throw_error<FormatError>(where, ": ", j.dump(), " is out of range [", lo, ", ", hi, "]");
    std::int64_t v = j.get<std::int64_t>();
    if (v < lo || v > hi)
      throw_error<FormatError>(where, ": ", v, " is out of range [", lo, ", ", hi, "]");
    return v;
  }
  int index(std::size_t n) const {
    return static_cast<int>(integer(0, static_cast<std::int64_t>(n) - 1));
  }
  std::string string() const {
    if (!j.is_string()) throw_error<FormatError>(where, ": expected a string");
    return j.get<std::string>();
  }
  DType dtype() const {
    try {
      return dtype_from_name(string());
    } catch (const DTypeError& e) {
      throw_error<FormatError>(where, ": ", e.what());
    }
  }
  Shape shape() const {
    const nlohmann::json& a = array();
    if (a.size() > static_cast<std::size_t>(kMaxRank))
      throw_error<FormatError>(where, ": rank ", a.size(), " exceeds the maximum of ", kMaxRank);
    std::vector<std::int64_t> dims;
    for (std::size_t i = 0; i < a.size(); ++i)
      dims.push_back(item(i).integer(0, std::numeric_limits<std::int64_t>::max()));
    try {
      return Shape(dims);
    } catch (const Error& e) {
      throw_error<FormatError>(where, ": ", e.what());
    }
  }
  TensorSpec spec() const { return {child("shape").shape(), child("dtype").dtype()}; }
};

NEURON_INLINE nlohmann::json spec_json(const TensorSpec& s) {
  return {{"dtype", dtype_name(s.dtype)}, {"shape", s.shape.vec()}};
}

// Runtime scalars keep their exact value: integers as integers, others as doubles (they came
// from C++ doubles), non-finite values as strings, which JSON lacks.
NEURON_INLINE nlohmann::json scalar_json(ScalarValue v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 9.2e18L) return static_cast<std::int64_t>(v);
  return static_cast<double>(v);
}
NEURON_INLINE ScalarValue scalar_from_json(const JsonIn& in) {
  const nlohmann::json& j = in.j;
  if (j.is_number_integer())
    return static_cast<ScalarValue>(in.integer(std::numeric_limits<std::int64_t>::min(),
                                               std::numeric_limits<std::int64_t>::max()));
  if (j.is_number_float()) return static_cast<ScalarValue>(j.get<double>());
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "inf") return std::numeric_limits<ScalarValue>::infinity();
    if (s == "-inf") return -std::numeric_limits<ScalarValue>::infinity();
    if (s == "nan") return std::numeric_limits<ScalarValue>::quiet_NaN();
  }
  throw_error<FormatError>(in.where, ": a scalar must be a number, \"inf\", \"-inf\" or \"nan\"");
}

// Rebuilds op `name` for inputs of `in` specs: from the op list, or a fused expression tree.
NEURON_INLINE std::shared_ptr<const AnyOp> op_from_file(const std::string& name,
                                                        const nlohmann::json& attrs,
                                                        const std::vector<TensorSpec>& in) {
  if (name == "fused") return expr::fused_op_from_json(attrs, in);
  std::shared_ptr<const AnyOp> op = make_op_from_json(name, attrs);  // throws when unknown
  if (!op)
    throw_error<FormatError>("op '", name, "' is elementwise; it appears only inside fused nodes");
  return op;
}

inline const char* kSlotKinds[] = {"input", "weight", "arena", "output"};

// Levels of ops in a fused expression tree (a leaf or scalar is 0).
NEURON_INLINE int fused_tree_height(const nlohmann::json& t) {
  int h = 0;
  if (t.is_object() && t.contains("args") && t["args"].is_array())
    for (const auto& a : t["args"]) h = std::max(h, 1 + fused_tree_height(a));
  return h;
}

// One plan of the graph JSON ("plans"[b]), validated against the weights' specs.
NEURON_INLINE Plan plan_from_json(const JsonIn& pj, const std::vector<TensorSpec>& wspecs,
                                  TraceMode mode) {
  constexpr std::int64_t kMaxCount = 1 << 24;  // slots, nodes, inputs: far above real models
  Plan p;
  JsonIn ins = pj.child("inputs");
  if (static_cast<std::int64_t>(ins.size()) > kMaxCount)
    throw_error<FormatError>(ins.where, ": too many inputs");
  for (std::size_t i = 0; i < ins.size(); ++i) p.inputs.push_back(ins.item(i).spec());
  JsonIn slots = pj.child("slots");
  if (static_cast<std::int64_t>(slots.size()) > kMaxCount)
    throw_error<FormatError>(slots.where, ": too many slots");
  for (std::size_t s = 0; s < slots.size(); ++s) {
    JsonIn sj = slots.item(s);
    PlanSlot slot;
    slot.spec = sj.spec();
    const std::string kind = sj.child("kind").string();
    int k = 0;
    while (k < 4 && kind != detail::kSlotKinds[k]) ++k;
    if (k == 4)
      throw_error<FormatError>(sj.where, ".kind: unknown slot kind '", kind.substr(0, 64), "'");
    slot.kind = static_cast<PlanSlot::Kind>(k);
    if (slot.kind == PlanSlot::Kind::input) slot.index = sj.child("index").index(p.inputs.size());
    if (slot.kind == PlanSlot::Kind::weight) slot.index = sj.child("index").index(wspecs.size());
    if (slot.kind == PlanSlot::Kind::arena)
      slot.offset = sj.child("offset").integer(0, std::numeric_limits<std::int64_t>::max() / 2);
    p.slots.push_back(slot);
  }
  if (pj.j.contains("scalar_count"))  // 1.3: runtime scalars a call passes (lazy plans)
    p.scalar_count = static_cast<int>(pj.child("scalar_count").integer(0, kMaxCount));
  const nlohmann::json& arena = pj.child("memory").at("arena_bytes");
  p.arena_bytes = JsonIn{arena, pj.where + ".memory.arena_bytes"}.integer(
      0, std::numeric_limits<std::int64_t>::max() / 2);
  JsonIn nodes = pj.child("nodes");
  if (static_cast<std::int64_t>(nodes.size()) > kMaxCount)
    throw_error<FormatError>(nodes.where, ": too many nodes");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    JsonIn nj = nodes.item(i);
    PlanStep st;
    JsonIn in = nj.child("inputs");
    std::vector<TensorSpec> specs;
    for (std::size_t k = 0; k < in.size(); ++k) {
      st.inputs.push_back(in.item(k).index(p.slots.size()));
      specs.push_back(p.slots[static_cast<std::size_t>(st.inputs.back())].spec);
    }
    st.output = nj.child("output").index(p.slots.size());
    JsonIn sc = nj.child("scalars");
    for (std::size_t k = 0; k < sc.size(); ++k) st.scalars.push_back(scalar_from_json(sc.item(k)));
    if (nj.j.contains("scalar_offset"))  // 1.3, a lazy plan's (validate_plan checks the range)
      st.scalar_offset = static_cast<int>(nj.child("scalar_offset").integer(0, kMaxCount));
    try {
      st.op = op_from_file(nj.child("op").string(), nj.at("attrs"), specs);
    } catch (const FormatError& e) {
      throw_error<FormatError>(nj.where, ": ", e.what());
    }
    p.steps.push_back(std::move(st));
  }
  JsonIn outs = pj.child("outputs");
  for (std::size_t o = 0; o < outs.size(); ++o) {
    JsonIn oj = outs.item(o);
    const int slot = oj.child("slot").index(p.slots.size());
    if (!(oj.spec() == p.slots[static_cast<std::size_t>(slot)].spec))
      throw_error<FormatError>(oj.where, ": dtype/shape differ from slot ", slot);
    p.outputs.push_back(slot);
    JsonIn follows = oj.child("follows");
    const TensorSpec spec = oj.spec();
    if ((follows.size() != 0 || mode != TraceMode::fixed) &&
        follows.size() != static_cast<std::size_t>(spec.shape.rank()))
      throw_error<FormatError>(follows.where, ": expected one entry per output dim");
    std::vector<std::vector<DimSource>> dims;
    for (std::size_t k = 0; k < follows.size(); ++k) {
      JsonIn srcs = follows.item(k);
      std::vector<DimSource> v;
      for (std::size_t m = 0; m < srcs.size(); ++m) {
        JsonIn pair = srcs.item(m);
        if (pair.size() != 2) throw_error<FormatError>(pair.where, ": expected [input, dim]");
        const int input = pair.item(0).index(p.inputs.size());
        const int dim = pair.item(1).index(
            static_cast<std::size_t>(p.inputs[static_cast<std::size_t>(input)].shape.rank()));
        if (p.inputs[static_cast<std::size_t>(input)].shape[dim] != spec.shape[static_cast<int>(k)])
          throw_error<FormatError>(pair.where, ": output dim ", k, " has size ",
                                   spec.shape[static_cast<int>(k)], " but input ", input, " dim ",
                                   dim, " has size ",
                                   p.inputs[static_cast<std::size_t>(input)].shape[dim]);
        v.push_back({input, dim});
      }
      dims.push_back(std::move(v));
    }
    p.output_sources.push_back(std::move(dims));
  }
  validate_plan(p, wspecs, pj.where);
  return p;
}

}  // namespace detail

NEURON_INLINE nlohmann::json module_graph_json(const ModuleData& d) {
  nlohmann::json j;
  j["weights"] = d.weight_names;
  j["mode"] = trace_mode_name(d.mode);
  bool uniform = true;
  for (double v : d.pad_values) uniform = uniform && PadFill::of(v).is(d.pad_value);
  // A reader older than 1.1 knows only "pad_value": it refuses a string there rather than pad
  // every input with one value.
  j["pad_value"] = uniform ? detail::scalar_json(d.pad_value)  // NaN and infinities survive too
                           : nlohmann::json("per_input");
  if (!d.pad_values.empty()) {
    j["pad_values"] = nlohmann::json::array();
    for (double v : d.pad_values) j["pad_values"].push_back(detail::scalar_json(v));
  }
  j["padded_dims"] = nlohmann::json::array();
  for (const DimSource& s : d.padded_dims) j["padded_dims"].push_back({s.input, s.dim});
  if (!d.tied_dims.empty()) {
    j["tied_dims"] = nlohmann::json::array();
    for (const auto& group : d.tied_dims) {
      nlohmann::json g = nlohmann::json::array();
      for (const DimSource& s : group) g.push_back({s.input, s.dim});
      j["tied_dims"].push_back(g);
    }
  }
  bool any_min = false;
  for (std::int64_t m : d.min_extents) any_min = any_min || m > 0;
  if (any_min) j["min_extents"] = d.min_extents;
  j["plans"] = nlohmann::json::array();
  for (const Plan& p : d.plans) {
    nlohmann::json pj;
    pj["inputs"] = nlohmann::json::array();
    for (const TensorSpec& s : p.inputs) pj["inputs"].push_back(detail::spec_json(s));
    pj["slots"] = nlohmann::json::array();
    for (const PlanSlot& s : p.slots) {
      nlohmann::json sj = detail::spec_json(s.spec);
      sj["kind"] = slot_kind_name(s.kind);
      if (s.kind == PlanSlot::Kind::input || s.kind == PlanSlot::Kind::weight)
        sj["index"] = s.index;
      if (s.kind == PlanSlot::Kind::arena) sj["offset"] = s.offset;
      pj["slots"].push_back(sj);
    }
    pj["nodes"] = nlohmann::json::array();
    for (const PlanStep& st : p.steps) {
      const nlohmann::json attrs = st.op->attrs_json();
      const int height = st.op->name() == "fused" ? detail::fused_tree_height(attrs) : 0;
      if (height > expr::kMaxFusedDepth)
        throw_error<ValueError>("save: node ", pj["nodes"].size(), " is a fused expression ",
                                height, " ops deep; module files hold at most ",
                                expr::kMaxFusedDepth,
                                " (assign part of the expression to a Tensor to split it)");
      nlohmann::json sc = nlohmann::json::array();
      for (ScalarValue v : st.scalars) sc.push_back(detail::scalar_json(v));
      nlohmann::json node = {{"op", st.op->name()},
                             {"attrs", attrs},
                             {"inputs", st.inputs},
                             {"output", st.output},
                             {"scalars", sc}};
      // A lazy plan's (1.3): the values come with each call, from this offset on.
      if (st.scalar_offset >= 0) node["scalar_offset"] = st.scalar_offset;
      pj["nodes"].push_back(std::move(node));
    }
    if (p.scalar_count > 0) pj["scalar_count"] = p.scalar_count;
    pj["outputs"] = nlohmann::json::array();
    for (std::size_t o = 0; o < p.outputs.size(); ++o) {
      nlohmann::json oj = detail::spec_json(p.output_spec(o));
      oj["slot"] = p.outputs[o];
      nlohmann::json follows = nlohmann::json::array();
      if (o < p.output_sources.size())
        for (const auto& dim : p.output_sources[o]) {
          nlohmann::json srcs = nlohmann::json::array();
          for (const DimSource& s : dim) srcs.push_back({s.input, s.dim});
          follows.push_back(srcs);
        }
      oj["follows"] = follows;
      pj["outputs"].push_back(oj);
    }
    pj["memory"] = {{"arena_bytes", p.arena_bytes}};
    j["plans"].push_back(pj);
  }
  return j;
}

NEURON_INLINE std::shared_ptr<ModuleData> module_from_graph_json(const nlohmann::json& graph,
                                                                 std::vector<Tensor> weights,
                                                                 const std::string& where) {
  using detail::JsonIn;
  JsonIn g{graph, where + " graph"};
  auto d = std::make_shared<ModuleData>();
  JsonIn names = g.child("weights");
  for (std::size_t i = 0; i < names.size(); ++i) d->weight_names.push_back(names.item(i).string());
  if (d->weight_names.size() != weights.size())
    throw_error<FormatError>(where, ": the graph names ", d->weight_names.size(), " weights, ",
                             weights.size(), " were given");
  d->weights = std::move(weights);
  std::vector<TensorSpec> wspecs;
  for (const Tensor& t : d->weights) wspecs.push_back(spec_of(t));
  const std::string mode = g.child("mode").string();
  if (mode == "fixed")
    d->mode = TraceMode::fixed;
  else if (mode == "dynamic_batch")
    d->mode = TraceMode::dynamic_batch;
  else if (mode == "buckets")
    d->mode = TraceMode::buckets;
  else
    throw_error<FormatError>(g.where, ".mode: unknown mode '", mode.substr(0, 64), "'");
  const bool per_input = g.at("pad_value").is_string() && g.at("pad_value") == "per_input";
  if (per_input && !g.j.contains("pad_values"))
    throw_error<FormatError>(g.where, ".pad_value: \"per_input\" needs \"pad_values\"");
  // Per input values make the default unused: 0 then.
  d->pad_value =
      per_input ? 0.0 : static_cast<double>(detail::scalar_from_json(g.child("pad_value")));
  JsonIn plans = g.child("plans");
  if (plans.size() == 0 || plans.size() > 4096)
    throw_error<FormatError>(plans.where, ": expected 1 to 4096 plans, got ", plans.size());
  if (d->mode != TraceMode::buckets && plans.size() != 1)
    throw_error<FormatError>(plans.where, ": mode ", mode, " has exactly one plan, got ",
                             plans.size());
  for (std::size_t b = 0; b < plans.size(); ++b)
    d->plans.push_back(detail::plan_from_json(plans.item(b), wspecs, d->mode));
  JsonIn padded = g.child("padded_dims");
  for (std::size_t i = 0; i < padded.size(); ++i) {
    JsonIn pair = padded.item(i);
    if (pair.size() != 2) throw_error<FormatError>(pair.where, ": expected [input, dim]");
    const TensorSpec* any = nullptr;
    const int input = pair.item(0).index(d->plans[0].inputs.size());
    any = &d->plans[0].inputs[static_cast<std::size_t>(input)];
    const int dim = pair.item(1).index(static_cast<std::size_t>(any->shape.rank()));
    d->padded_dims.push_back({input, dim});
  }
  if (g.j.contains("pad_values")) {
    JsonIn values = g.child("pad_values");
    if (values.size() != d->plans[0].inputs.size())
      throw_error<FormatError>(values.where, ": expected one value per input (",
                               d->plans[0].inputs.size(), "), got ", values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      d->pad_values.push_back(static_cast<double>(detail::scalar_from_json(values.item(i))));
  }
  auto padded_pair = [&](const JsonIn& pair) {
    if (pair.size() != 2) throw_error<FormatError>(pair.where, ": expected [input, dim]");
    const DimSource s{pair.item(0).index(d->plans[0].inputs.size()),
                      static_cast<int>(pair.item(1).integer(0, kMaxRank))};
    if (std::find(d->padded_dims.begin(), d->padded_dims.end(), s) == d->padded_dims.end())
      throw_error<FormatError>(pair.where, ": input ", s.input, " dim ", s.dim,
                               " is not a padded dim");
    return s;
  };
  if (g.j.contains("tied_dims")) {
    JsonIn tied = g.child("tied_dims");
    if (tied.size() > d->padded_dims.size())
      throw_error<FormatError>(tied.where, ": more groups than padded dims");
    for (std::size_t i = 0; i < tied.size(); ++i) {
      JsonIn group = tied.item(i);
      if (group.size() > d->padded_dims.size())
        throw_error<FormatError>(group.where, ": more dims than padded dims");
      std::vector<DimSource> dims;
      for (std::size_t k = 0; k < group.size(); ++k) dims.push_back(padded_pair(group.item(k)));
      if (!dims.empty()) d->tied_dims.push_back(std::move(dims));
    }
  }
  d->min_extents.assign(d->padded_dims.size(), 0);
  if (g.j.contains("min_extents")) {
    JsonIn mins = g.child("min_extents");
    if (mins.size() != d->padded_dims.size())
      throw_error<FormatError>(mins.where, ": expected one entry per padded dim");
    for (std::size_t i = 0; i < mins.size(); ++i) {
      const DimSource& s = d->padded_dims[i];
      d->min_extents[i] = mins.item(i).integer(
          0, d->plans.front().inputs[static_cast<std::size_t>(s.input)].shape[s.dim]);
    }
  }
  // Buckets: same signature apart from the padded dims, which grow.
  for (std::size_t b = 1; b < d->plans.size(); ++b) {
    const Plan &prev = d->plans[b - 1], &cur = d->plans[b];
    bool ok = prev.inputs.size() == cur.inputs.size() && prev.outputs.size() == cur.outputs.size();
    for (std::size_t i = 0; ok && i < cur.inputs.size(); ++i) {
      ok = prev.inputs[i].dtype == cur.inputs[i].dtype &&
           prev.inputs[i].shape.rank() == cur.inputs[i].shape.rank();
      for (int k = 0; ok && k < cur.inputs[i].shape.rank(); ++k) {
        bool padded_dim = std::find(d->padded_dims.begin(), d->padded_dims.end(),
                                    DimSource{static_cast<int>(i), k}) != d->padded_dims.end();
        ok = padded_dim ? prev.inputs[i].shape[k] <= cur.inputs[i].shape[k]
                        : prev.inputs[i].shape[k] == cur.inputs[i].shape[k];
      }
    }
    if (!ok)
      throw_error<FormatError>(where, ": bucket ", b, " does not extend bucket ", b - 1,
                               " (same inputs, growing only in the padded dims)");
  }
  if (d->mode != TraceMode::fixed) {
    if (d->padded_dims.empty())
      throw_error<FormatError>(where, ": mode ", mode, " needs padded dims");
    for (const Plan& p : d->plans)
      if (p.output_sources.size() != p.outputs.size())
        throw_error<FormatError>(where, ": mode ", mode, " needs \"follows\" for every output");
  }
  if (d->mode == TraceMode::dynamic_batch) {
    const Plan& p = d->plans[0];
    if (d->padded_dims.size() != p.inputs.size())
      throw_error<FormatError>(where, ": dynamic_batch pads dim 0 of every input");
    for (std::size_t i = 0; i < p.inputs.size(); ++i) {
      const DimSource& s = d->padded_dims[i];
      if (s.input != static_cast<int>(i) || s.dim != 0)
        throw_error<FormatError>(where, ": dynamic_batch pads dim 0 of every input, in order");
      if (p.inputs[i].shape.rank() == 0 || p.inputs[i].shape[0] < 1)
        throw_error<FormatError>(where, ": dynamic_batch input ", i,
                                 " needs a batch dim of size >= 1");
      if (p.inputs[i].shape[0] != p.inputs[0].shape[0])
        throw_error<FormatError>(where, ": dynamic_batch input ", i, " has batch ",
                                 p.inputs[i].shape[0], ", input 0 has ", p.inputs[0].shape[0],
                                 "; all inputs share the batch");
    }
    for (const auto& out : d->plans[0].output_sources) {
      int n = 0;
      for (const auto& dim : out) n += !dim.empty();
      if (n != 1)
        throw_error<FormatError>(where, ": dynamic_batch outputs follow the batch in one dim");
    }
  }
  return d;
}

}  // namespace neuron
