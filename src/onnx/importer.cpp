// ModelProto -> Graph: parse with limits, validate every name, dim and tensor (FormatError), sort
// the nodes, convert attributes, and ask each node's mapping whether neuron supports it (the
// Report). Nothing here runs a node.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <climits>
#include <set>
#include <unordered_map>

#include "graph.hpp"
#include "op_registry.hpp"
#include "ops.hpp"
#include "proto.hpp"

namespace neuron::onnx::detail {

namespace {

constexpr std::int64_t kMaxOpset = 17;
constexpr std::int64_t kHostInitializerElements = 64;  // larger float initializers: tensors only

std::string q(const std::string& s) { return "'" + s + "'"; }

// A graph input's or output's declared type and shape.
ValueInfo value_info_of(const ::onnx::ValueInfoProto& v, const char* role,
                        std::vector<std::string>& problems, bool& typed) {
  ValueInfo info;
  info.name = v.name();
  typed = false;
  if (!v.has_type()) {
    if (std::string(role) == "input")
      problems.push_back(std::string("graph ") + role + " " + q(v.name()) + " declares no type");
    return info;
  }
  const ::onnx::TypeProto& t = v.type();
  if (!t.has_tensor_type()) {
    const char* kind = t.has_sequence_type()        ? "a sequence"
                       : t.has_map_type()           ? "a map"
                       : t.has_optional_type()      ? "an optional"
                       : t.has_sparse_tensor_type() ? "a sparse tensor"
                                                    : "of an unknown kind";
    problems.push_back(std::string("graph ") + role + " " + q(v.name()) + " is " + kind +
                       "; neuron supports tensors");
    return info;
  }
  const auto& tt = t.tensor_type();
  std::optional<DType> dt = dtype_from_onnx(tt.elem_type());
  if (!dt) {
    problems.push_back(std::string("graph ") + role + " " + q(v.name()) + " has dtype " +
                       onnx_dtype_name(tt.elem_type()) + " (" + supported_dtypes_text() + ")");
  } else {
    info.dtype = *dt;
    typed = true;
  }
  if (tt.has_shape()) {
    info.has_shape = true;
    const auto& sh = tt.shape();
    if (sh.dim_size() > kMaxRank)
      problems.push_back(std::string("graph ") + role + " " + q(v.name()) + " has rank " +
                         std::to_string(sh.dim_size()) + " (neuron's maximum rank is " +
                         std::to_string(kMaxRank) + ")");
    for (int i = 0; i < sh.dim_size(); ++i) {
      const auto& d = sh.dim(i);
      if (d.has_dim_value()) {
        if (d.dim_value() < 0)
          throw_error<FormatError>("ONNX graph ", role, " ", q(v.name()), ": dim ", i,
                                   " is negative (", d.dim_value(), ")");
        if (d.dim_value() > (std::int64_t{1} << 48))
          throw_error<FormatError>("ONNX graph ", role, " ", q(v.name()), ": dim ", i, " (",
                                   d.dim_value(), ") is too large");
        info.shape.push_back(d.dim_value());
        info.dim_params.emplace_back();
      } else {
        info.shape.push_back(-1);
        info.dim_params.push_back(d.has_dim_param() ? d.dim_param() : std::string());
      }
    }
  }
  return info;
}

Attribute::Kind kind_of(const ::onnx::AttributeProto& a) {
  using A = ::onnx::AttributeProto;
  using K = Attribute::Kind;
  switch (a.type()) {
    case A::FLOAT:
      return K::f;
    case A::INT:
      return K::i;
    case A::STRING:
      return K::s;
    case A::TENSOR:
      return K::t;
    case A::GRAPH:
      return K::g;
    case A::FLOATS:
      return K::floats;
    case A::INTS:
      return K::ints;
    case A::STRINGS:
      return K::strings;
    case A::TENSORS:
      return K::tensors;
    case A::GRAPHS:
      return K::graphs;
    case A::UNDEFINED:
      break;  // IR version 1: the kind is the field that is set
    default:
      return K::other;
  }
  if (a.has_f()) return K::f;
  if (a.has_i()) return K::i;
  if (a.has_s()) return K::s;
  if (a.has_t()) return K::t;
  if (a.has_g()) return K::g;
  if (a.floats_size()) return K::floats;
  if (a.ints_size()) return K::ints;
  if (a.strings_size()) return K::strings;
  if (a.tensors_size()) return K::tensors;
  if (a.graphs_size()) return K::graphs;
  return K::other;
}

Attribute convert_attribute(const ::onnx::AttributeProto& a, const std::string& where,
                            ExternalData* ext) {
  Attribute r;
  r.kind = kind_of(a);
  using K = Attribute::Kind;
  switch (r.kind) {
    case K::f:
      r.f = a.f();
      break;
    case K::i:
      r.i = a.i();
      break;
    case K::s:
      r.s = a.s();
      break;
    case K::t: {
      TensorRead tr = tensor_from_proto(a.t(), where + " attribute " + q(a.name()), ext);
      r.t = tr.tensor;
      r.t_problem = tr.unsupported;
      break;
    }
    case K::floats:
      r.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case K::ints:
      r.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case K::strings:
      r.strings.assign(a.strings().begin(), a.strings().end());
      break;
    default:
      break;
  }
  return r;
}

bool is_default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

std::vector<std::string> split_words(const char* s) {
  std::vector<std::string> out;
  std::string cur;
  for (const char* p = s; p && *p; ++p) {
    if (*p == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += *p;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Every problem of one node (empty: supported); sets node.op when supported.
std::vector<std::string> check_node(Node& n, std::int64_t opset,
                                    const std::vector<const Tensor*>& constants,
                                    const std::vector<const ValueInfo*>& graph_inputs) {
  std::vector<std::string> problems;
  if (!is_default_domain(n.domain)) {
    problems.push_back("domain " + q(n.domain) +
                       " is not supported (neuron imports the default ONNX domain only)");
    return problems;
  }
  const OpMapping* m = find_mapping(n.op_type);
  if (!m) {
    problems.push_back("neuron has no mapping for ONNX op " + n.op_type);
    return problems;
  }
  if (opset < m->since || opset > m->until) {
    problems.push_back("opset " + std::to_string(opset) + ": neuron implements " + n.op_type +
                       " as defined in opsets " + std::to_string(m->since) + " to " +
                       std::to_string(m->until));
    return problems;
  }
  std::vector<std::string> known = split_words(m->attributes);
  for (const auto& [name, a] : n.attrs) {
    if (name == "consumed_inputs") continue;  // opsets 1-5: an in-place hint, no semantics
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      problems.push_back("attribute " + q(name) + " is not supported (" +
                         (known.empty()
                              ? std::string("neuron's ") + n.op_type + " takes no attributes"
                              : "neuron understands " + list) +
                         ")");
    } else if (a.kind == Attribute::Kind::t && !a.t.defined()) {
      problems.push_back("attribute " + q(name) + " holds an unsupported " + a.t_problem);
    } else if (a.kind == Attribute::Kind::g || a.kind == Attribute::Kind::graphs) {
      problems.push_back("attribute " + q(name) + " is a subgraph; neuron has no subgraphs");
    } else if (a.kind == Attribute::Kind::other) {
      problems.push_back("attribute " + q(name) + " has an unsupported kind");
    }
  }
  if (problems.empty() && m->check) {
    CheckContext c(n, opset, constants, graph_inputs, problems);
    try {
      m->check(c);
    } catch (const Error& e) {  // an attribute of the wrong kind, read by the check
      problems.push_back(e.what());
    }
  }
  if (problems.empty()) n.op = m;
  return problems;
}

}  // namespace

std::string node_label(const Node& n) {
  return "node " + q(n.name) + " (" + (is_default_domain(n.domain) ? "" : n.domain + ".") +
         n.op_type + ")";
}

std::shared_ptr<Graph> import_model(const void* data, std::size_t size, const std::string& source,
                                    const LoadOptions& options, bool /*read_external_data*/) {
  const std::string src = "ONNX model " + source;
  if (size > options.max_bytes || size > static_cast<std::size_t>(INT_MAX))
    throw_error<FormatError>(src, ": ", size, " bytes is more than the limit of ",
                             std::min<std::uint64_t>(options.max_bytes, INT_MAX),
                             " bytes (protobuf's 2 GiB limit for one message; "
                             "LoadOptions::max_bytes); larger models keep their weights in "
                             "external data files");
  ::onnx::ModelProto mp;
  {
    google::protobuf::io::ArrayInputStream raw(data, static_cast<int>(size));
    google::protobuf::io::CodedInputStream in(&raw);
    in.SetTotalBytesLimit(INT_MAX);
    if (!mp.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
      throw_error<FormatError>(src,
                               ": not a valid ONNX model (the protobuf message does not parse;",
                               " truncated or not an .onnx file?)");
  }
  if (!mp.has_graph())
    throw_error<FormatError>(src, ": the file holds no graph (not an ONNX model?)");
  if (mp.ir_version() <= 0) throw_error<FormatError>(src, ": no ir_version (not an ONNX model?)");

  auto g = std::make_shared<Graph>();
  g->source = source;
  Report& rep = g->report;
  rep.source = source;
  rep.ir_version = mp.ir_version();
  rep.producer =
      mp.producer_name() + (mp.producer_version().empty() ? "" : " " + mp.producer_version());
  g->producer = rep.producer;
  const ::onnx::GraphProto& gp = mp.graph();
  g->name = gp.name();

  bool has_default = false;
  std::set<std::string> domains_seen;
  for (const auto& o : mp.opset_import()) {
    rep.opsets.emplace_back(o.domain(), o.version());
    std::string d = is_default_domain(o.domain()) ? std::string() : o.domain();
    if (!domains_seen.insert(d).second)
      throw_error<FormatError>(src, ": opset_import lists domain ", q(o.domain()), " twice");
    if (d.empty()) {
      has_default = true;
      g->opset = o.version();
    }
  }
  if (!has_default) {
    if (mp.ir_version() < 3) {
      g->opset = 1;  // IR version 1 and 2 predate opset_import: operator set 1
    } else {
      rep.model_problems.push_back("the model imports no default-domain (ai.onnx) opset");
    }
  }
  if (has_default && (g->opset < 1 || g->opset > kMaxOpset))
    rep.model_problems.push_back("default-domain opset " + std::to_string(g->opset) +
                                 " is not supported (neuron supports opsets 1 to " +
                                 std::to_string(kMaxOpset) + ")");
  if (gp.sparse_initializer_size())
    rep.model_problems.push_back("sparse initializers are not supported");

  // Values: initializers, graph inputs, node outputs; each name defined once.
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> defined_by;
  auto define = [&](const std::string& name, const std::string& by) {
    auto [it, fresh] = ids.emplace(name, static_cast<int>(g->value_names.size()));
    if (!fresh)
      throw_error<FormatError>(src, ": value ", q(name), " is defined twice (by ",
                               defined_by[static_cast<std::size_t>(it->second)], " and by ", by,
                               ")");
    g->value_names.push_back(name);
    defined_by.push_back(by);
    return it->second;
  };
  ExternalData ext;
  ext.dir = options.external_data_dir;
  ext.max_bytes = options.max_external_bytes;
  std::unordered_map<int, const Tensor*> constant_of;
  for (int i = 0; i < gp.initializer_size(); ++i) {
    const auto& t = gp.initializer(i);
    if (t.name().empty()) throw_error<FormatError>(src, ": initializer #", i, " has no name");
    int id = define(t.name(), "initializer " + q(t.name()));
    TensorRead r = tensor_from_proto(t, "initializer " + q(t.name()), &ext);
    if (!r.tensor.defined()) {
      rep.model_problems.push_back("initializer " + q(t.name()) + " has an unsupported " +
                                   r.unsupported);
      continue;
    }
    Graph::Initializer init;
    init.value = id;
    init.name = t.name();
    init.data = r.tensor;
    init.host = !is_floating(r.tensor.dtype()) || r.tensor.numel() <= kHostInitializerElements;
    g->initializers.push_back(std::move(init));
  }
  for (const auto& init : g->initializers) constant_of[init.value] = &init.data;
  std::set<std::string> input_names;
  for (const auto& in : gp.input()) {
    if (in.name().empty()) throw_error<FormatError>(src, ": a graph input has no name");
    if (!input_names.insert(in.name()).second)
      throw_error<FormatError>(src, ": graph input ", q(in.name()), " is listed twice");
    if (ids.count(in.name())) continue;  // an initializer's default, listed as input (IR < 4)
    bool typed = false;
    ValueInfo info = value_info_of(in, "input", rep.model_problems, typed);
    g->input_ids.push_back(define(in.name(), "graph input " + q(in.name())));
    g->inputs.push_back(std::move(info));
  }

  // Nodes: names, outputs defined, attributes converted.
  const int n_nodes = gp.node_size();
  std::vector<Node> nodes(static_cast<std::size_t>(n_nodes));
  std::vector<int> producer;
  for (int i = 0; i < n_nodes; ++i) {
    const auto& np = gp.node(i);
    Node& n = nodes[static_cast<std::size_t>(i)];
    n.name = np.name().empty() ? "#" + std::to_string(i) : np.name();
    n.op_type = np.op_type();
    n.domain = np.domain();
    if (n.op_type.empty()) throw_error<FormatError>(src, ": node #", i, " has no op_type");
    for (const auto& o : np.output()) {
      if (o.empty()) {
        n.outputs.push_back(-1);
        continue;
      }
      n.outputs.push_back(define(o, node_label(n)));
    }
    for (const auto& a : np.attribute()) {
      if (a.name().empty())
        throw_error<FormatError>(src, ": ", node_label(n), " has an attribute without a name");
      if (n.attrs.count(a.name()))
        throw_error<FormatError>(src, ": ", node_label(n), " has attribute ", q(a.name()),
                                 " twice");
      if (a.has_ref_attr_name()) {
        rep.model_problems.push_back(node_label(n) + ": attribute " + q(a.name()) +
                                     " refers to a function attribute; neuron has no functions");
        continue;
      }
      n.attrs.emplace(a.name(), convert_attribute(a, src + ": " + node_label(n), &ext));
    }
  }
  producer.assign(g->value_names.size(), -1);
  for (int i = 0; i < n_nodes; ++i)
    for (int o : nodes[static_cast<std::size_t>(i)].outputs)
      if (o >= 0) producer[static_cast<std::size_t>(o)] = i;
  for (int i = 0; i < n_nodes; ++i) {
    const auto& np = gp.node(i);
    Node& n = nodes[static_cast<std::size_t>(i)];
    for (int k = 0; k < np.input_size(); ++k) {
      const std::string& in = np.input(k);
      if (in.empty()) {
        n.inputs.push_back(-1);
        continue;
      }
      auto it = ids.find(in);
      if (it == ids.end())
        throw_error<FormatError>(src, ": ", node_label(n), " input ", k, " ", q(in),
                                 " is not defined by any node, graph input or initializer");
      n.inputs.push_back(it->second);
    }
  }
  for (const auto& out : gp.output()) {
    auto it = ids.find(out.name());
    if (it == ids.end())
      throw_error<FormatError>(src, ": graph output ", q(out.name()),
                               " is not defined by any node, graph input or initializer");
    bool typed = false;
    ValueInfo info = value_info_of(out, "output", rep.model_problems, typed);
    g->output_ids.push_back(it->second);
    g->outputs.push_back(std::move(info));
    g->output_typed.push_back(typed);
  }

  // Topological order (Kahn); what is left over sits on a cycle.
  std::vector<int> pending(static_cast<std::size_t>(n_nodes), 0);
  std::vector<std::vector<int>> users(static_cast<std::size_t>(n_nodes));
  for (int i = 0; i < n_nodes; ++i)
    for (int v : nodes[static_cast<std::size_t>(i)].inputs) {
      if (v < 0) continue;
      int p = producer[static_cast<std::size_t>(v)];
      if (p < 0) continue;
      ++pending[static_cast<std::size_t>(i)];
      users[static_cast<std::size_t>(p)].push_back(i);
    }
  std::vector<int> order, ready;
  for (int i = n_nodes - 1; i >= 0; --i)
    if (pending[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    // Keep the file's order among ready nodes: users are pushed in reverse.
    auto& us = users[static_cast<std::size_t>(i)];
    for (auto it = us.rbegin(); it != us.rend(); ++it)
      if (--pending[static_cast<std::size_t>(*it)] == 0) ready.push_back(*it);
  }
  if (static_cast<int>(order.size()) != n_nodes) {
    std::string on_cycle;
    int listed = 0;
    for (int i = 0; i < n_nodes && listed < 5; ++i)
      if (pending[static_cast<std::size_t>(i)] > 0) {
        on_cycle += (listed++ ? ", " : "") + node_label(nodes[static_cast<std::size_t>(i)]);
      }
    throw_error<FormatError>(src, ": the graph has a cycle (", n_nodes - order.size(),
                             " nodes depend on their own outputs, among them ", on_cycle, ")");
  }

  // Constant nodes' values, for the checks of the nodes that use them.
  for (const Node& n : nodes)
    if (n.op_type == "Constant" && is_default_domain(n.domain) && !n.outputs.empty() &&
        n.outputs[0] >= 0) {
      auto it = n.attrs.find("value");
      if (it != n.attrs.end() && it->second.kind == Attribute::Kind::t && it->second.t.defined())
        constant_of[n.outputs[0]] = &it->second.t;
    }

  // Support: each node's mapping checks it; the report groups them by op type.
  std::unordered_map<int, const ValueInfo*> graph_input_of;
  for (std::size_t i = 0; i < g->inputs.size(); ++i)
    graph_input_of[g->input_ids[i]] = &g->inputs[i];
  std::unordered_map<std::string, std::size_t> op_index;
  for (int idx : order) {
    Node& n = nodes[static_cast<std::size_t>(idx)];
    std::vector<const Tensor*> consts;
    std::vector<const ValueInfo*> declared;
    for (int v : n.inputs) {
      auto it = v >= 0 ? constant_of.find(v) : constant_of.end();
      consts.push_back(it == constant_of.end() ? nullptr : it->second);
      auto gi = v >= 0 ? graph_input_of.find(v) : graph_input_of.end();
      declared.push_back(gi == graph_input_of.end() ? nullptr : gi->second);
    }
    std::vector<std::string> problems;
    if (is_gradient(n)) {  // the one op of another domain: it differentiates nodes before it
      problems = check_gradient(n, nodes, g->value_names);
      if (problems.empty()) n.op = &gradient_mapping();
    } else {
      problems = check_node(n, g->opset, consts, declared);
    }
    std::string key = n.domain + "\n" + n.op_type;
    auto [it, fresh] = op_index.emplace(key, rep.ops.size());
    if (fresh) {
      OpReport r;
      r.op_type = n.op_type;
      r.domain = is_default_domain(n.domain) ? "" : n.domain;
      rep.ops.push_back(r);
    }
    OpReport& r = rep.ops[it->second];
    ++r.count;
    for (auto& p : problems) r.problems.push_back({n.name, std::move(p)});
  }
  // The report follows the file's order of first appearance.
  {
    std::unordered_map<std::string, int> first;
    for (int i = 0; i < n_nodes; ++i) {
      const Node& n = nodes[static_cast<std::size_t>(i)];
      first.emplace(n.domain + "\n" + n.op_type, i);
    }
    std::stable_sort(rep.ops.begin(), rep.ops.end(), [&](const OpReport& a, const OpReport& b) {
      return first[a.domain + "\n" + a.op_type] < first[b.domain + "\n" + b.op_type];
    });
  }

  for (int idx : order) g->nodes.push_back(std::move(nodes[static_cast<std::size_t>(idx)]));

  // Which inputs' values (not only shapes) are read when recording.
  std::vector<char> needed(g->value_names.size(), 0);
  for (auto it = g->nodes.rbegin(); it != g->nodes.rend(); ++it) {
    const Node& n = *it;
    if (!n.op) continue;
    bool outputs_needed = false;
    for (int o : n.outputs)
      if (o >= 0 && needed[static_cast<std::size_t>(o)]) outputs_needed = true;
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      int v = n.inputs[k];
      if (v < 0) continue;
      bool host_slot = k < 32 && (n.op->host_inputs >> k) & 1u;
      if (host_slot || (outputs_needed && !n.op->shape_only))
        needed[static_cast<std::size_t>(v)] = 1;
    }
  }
  for (std::size_t i = 0; i < g->inputs.size(); ++i)
    g->inputs[i].value_needed = needed[static_cast<std::size_t>(g->input_ids[i])] != 0;

  // Eager memory: each value is dropped after its last use (graph outputs are kept).
  std::vector<int> last_use(g->value_names.size(), -1);
  for (std::size_t i = 0; i < g->nodes.size(); ++i)
    for (int v : g->nodes[i].inputs)
      if (v >= 0) last_use[static_cast<std::size_t>(v)] = static_cast<int>(i);
  for (int v : g->output_ids) last_use[static_cast<std::size_t>(v)] = -1;
  for (std::size_t v = 0; v < last_use.size(); ++v)
    if (last_use[v] >= 0)
      g->nodes[static_cast<std::size_t>(last_use[v])].release.push_back(static_cast<int>(v));
  return g;
}

}  // namespace neuron::onnx::detail
