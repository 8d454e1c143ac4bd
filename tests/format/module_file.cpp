// The .neuron file: round trips for every mode, the layout DESIGN.md specifies, and malformed
// files, each of which must end in a FormatError with a useful message (never a crash or an
// over-read: this file also runs under ASan/UBSan).
#include "format/module_edit.hpp"
#include "test_util.hpp"

#include <cstdio>
#include <filesystem>

namespace nn = neuron::nn;
using test::assemble;
using test::assemble_text;
using test::edited;
using test::header_len;
using test::join;
using test::Parts;
using test::resign;
using test::split;

namespace {

// A small module with a weight, a bias, a fused node with a scalar, and a softmax.
nr::TracedModule small_module() {
  nr::manual_seed(7);
  // tanh is no GEMM epilogue, so the file keeps a fused-expression node next to the linears
  nn::Sequential m(nn::Linear(6, 4), nn::Tanh(), nn::Linear(4, 3), nn::Softmax(-1));
  m.eval();
  return nr::trace(m, nr::rand({2, 6}));
}

nr::TracedModule load_bytes(const std::string& s) {
  return nr::load_from_memory(s.data(), s.size());
}

std::string format_error(const std::string& bytes) {
  try {
    load_bytes(bytes);
  } catch (const nr::FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a FormatError: ") + e.what() + ">";
  }
  return "<loaded>";
}

// An expression N levels of (e * 1 + 0.5) deep over e: 2N ops high.
template <int N, class E>
auto nest(const E& e) {
  if constexpr (N == 0)
    return e;
  else
    return nest<N - 1>(e * 1.0f + 0.5f);
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

}  // namespace

TEST_CASE("a saved module loads and gives the traced module's results bit for bit") {
  nr::TracedModule tm = small_module();
  const std::string path = temp_path("neuron_small.neuron");
  tm.save(path);
  nr::TracedModule loaded = nr::load(path);
  nr::TracedModule from_memory = load_bytes(tm.to_bytes());
  for (int i = 0; i < 3; ++i) {
    nr::Tensor x = nr::rand({2, 6});
    test::check_equal(loaded(x), tm(x));
    test::check_equal(from_memory(x), tm(x));
  }
  CHECK(loaded.memory_plan().arena_bytes == tm.memory_plan().arena_bytes);
  CHECK(loaded.to_dot() == tm.to_dot());
  CHECK_THROWS_WITH_ALL(loaded(nr::rand({3, 6})), nr::ShapeError,
                        "input 0 expects [2, 6] float32, got [3, 6] float32");
  std::remove(path.c_str());
}

TEST_CASE("the file is a safetensors file with 64-byte aligned weights and the graph in metadata") {
  nr::TracedModule tm = small_module();
  const std::string f = tm.to_bytes();
  const std::uint64_t n = header_len(f);
  CHECK((8 + n) % 64 == 0);
  CHECK(f[8] == '{');
  nr::StateDict weights = nr::load_safetensors_from_memory(
      reinterpret_cast<std::byte*>(const_cast<char*>(f.data())), f.size(), nullptr);
  CHECK(weights.size() == 4);
  test::check_equal(weights.at("0.weight"), tm.weights()[0]);
  Parts p = split(f);
  const auto& meta = p.header["__metadata__"];
  CHECK(meta["neuron.format"] == "neuron.module");
  CHECK(meta["neuron.format_version"] == "1.3");
  CHECK(meta["neuron.checksum"].get<std::string>().rfind("xxh3-128:", 0) == 0);
  for (const char* key : {"weights", "mode", "plans"}) CHECK(p.graph.contains(key));
  for (const char* key : {"inputs", "slots", "nodes", "outputs", "memory"})
    CHECK(p.graph["plans"][0].contains(key));
  // Weights whose size is a multiple of 64 come first and are used in place from the image.
  CHECK(p.header["0.weight"]["data_offsets"][0] == 0);
}

TEST_CASE("buckets and dynamic batch round-trip through files") {
  nr::manual_seed(3);
  nn::Sequential m(nn::Embedding(20, 8), nn::Linear(8, 5), nn::ReLU());
  m.eval();
  nr::TracedModule b = nr::trace_buckets(
      m, {nr::randint(0, 20, {1, 4}, nr::int64), nr::randint(0, 20, {1, 8}, nr::int64)}, {});
  nr::TracedModule lb = load_bytes(b.to_bytes());
  CHECK(lb.mode() == nr::TraceMode::buckets);
  CHECK(lb.bucket_count() == 2);
  nr::Tensor x = nr::randint(0, 20, {1, 6}, nr::int64);
  test::check_equal(lb(x), b(x));
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule d = nr::trace(m, nr::randint(0, 20, {2, 3}, nr::int64), o);
  nr::TracedModule ld = load_bytes(d.to_bytes());
  nr::Tensor y = nr::randint(0, 20, {5, 3}, nr::int64);
  test::check_equal(ld(y), d(y));
  // A pad value JSON cannot hold as a number still round-trips.
  auto identity = [](const nr::Tensor& x) { return nr::Tensor(x * 1.0f); };
  o.pad_value = -std::numeric_limits<double>::infinity();
  nr::TracedModule inf_pad = load_bytes(nr::trace(identity, nr::rand({2, 3}), o).to_bytes());
  CHECK(inf_pad.data().pad_value == -std::numeric_limits<double>::infinity());
  nr::Tensor z = nr::rand({3, 3});
  test::check_equal(inf_pad(z), z);
}

TEST_CASE("per-input pad values, tied dims and min extents: written, read, refused when bad") {
  // Ids padded with 0 and a bool mask padded with true, masking a sum over the padded dim; the
  // first position is read as a real one.
  auto f = [](const std::vector<nr::Tensor>& in) {
    nr::Tensor kept = nr::where(in[1], 0.0f, nr::cast(in[0], nr::float32));
    return std::vector<nr::Tensor>{nr::sum(kept, 1, false), nr::slice(in[0], 1, 0, 1)};
  };
  auto ex = [](std::int64_t len) {
    return std::vector<nr::Tensor>{nr::randint(0, 9, {2, len}, nr::int64),
                                   nr::zeros({2, len}, nr::bool_)};
  };
  nr::BucketOptions o;
  o.pad_values = {0, 1};
  const std::string good = nr::trace_buckets(f, {ex(4), ex(8)}, o).to_bytes();
  Parts p = split(good);
  CHECK(p.graph["pad_value"] == "per_input");  // a reader before 1.1 refuses it
  CHECK(p.graph["pad_values"] == nlohmann::json::parse("[0, 1]"));
  CHECK(p.graph["tied_dims"] == nlohmann::json::parse("[[[0, 1], [1, 1]]]"));
  CHECK(p.graph["min_extents"] == nlohmann::json::parse("[1, 0]"));  // the slice reads ids
  nr::TracedModule m = load_bytes(good);
  const std::vector<nr::Tensor> in = ex(6);
  test::check_equal(m.forward(in)[0], f(in)[0]);
  // A file from before 1.1: one pad value for every input, no ties, no extents.
  nr::TracedModule old = load_bytes(edited(good, [](Parts& q) {
    q.graph["pad_value"] = 0;
    for (const char* key : {"pad_values", "tied_dims", "min_extents"}) q.graph.erase(key);
  }));
  CHECK(old.data().pad_values.empty());
  CHECK(old.data().pad_value_of(1) == 0);
  CHECK(old.data().tied_dims.empty());
  CHECK(old.data().min_extents == std::vector<std::int64_t>{0, 0});
  const std::pair<std::string, std::function<void(Parts&)>> bad[] = {
      {"needs \"pad_values\"", [](Parts& q) { q.graph.erase("pad_values"); }},
      {"one value per input", [](Parts& q) { q.graph["pad_values"] = {0}; }},
      {"a scalar must be",
       [](Parts& q) {
         q.graph["pad_values"] = {0, "one"};
       }},
      {"is not a padded dim",
       [](Parts& q) {
         q.graph["tied_dims"][0][0] = {0, 0};
       }},
      {"expected [input, dim]", [](Parts& q) { q.graph["tied_dims"][0][0] = {0}; }},
      {"one entry per padded dim", [](Parts& q) { q.graph["min_extents"] = {1}; }},
      {"out of range",
       [](Parts& q) {
         q.graph["min_extents"] = {1, 99};
       }},
  };
  for (const auto& expected : bad) {  // no structured binding: CHECK_MESSAGE is a lambda (clang)
    const std::string& expect = expected.first;
    const auto& edit = expected.second;
    const std::string msg = format_error(edited(good, edit));
    CHECK_MESSAGE(msg.find(expect) != std::string::npos, expect << ": " << msg);
  }
}

TEST_CASE(
    "a 1.1 file, whose convolutions, poolings and batch norms have no channel blocks, loads") {
  nr::manual_seed(8);
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).padding(1)), conv2(nn::Conv2dOptions(8, 8, 3));
  nn::BatchNorm2d bn(8);
  bn.eval();
  auto f = [&](const nr::Tensor& x) { return conv2(bn(nr::max_pool2d(nr::relu(conv(x)), 2))); };
  nr::TraceOptions o;
  o.compile.fold_batch_norm = false;
  const nr::Tensor x = nr::randn({2, 3, 12, 12});
  const std::string good = nr::trace(f, x, o).to_bytes();
  // Drops the attributes 1.2 added (the last 2 of conv2d, the last of max_pool2d and batch_norm).
  int dropped = 0;
  auto as_1_1 = [&](Parts& p) {
    p.header["__metadata__"]["neuron.format_version"] = "1.1";
    for (auto& node : p.graph["plans"][0]["nodes"]) {
      const std::string op = node["op"];
      const int k = op == "conv2d" ? 2 : op == "max_pool2d" || op == "batch_norm" ? 1 : 0;
      for (int i = 0; i < k; ++i) node["attrs"].erase(node["attrs"].size() - 1);
      dropped += k;
    }
  };
  nr::TracedModule old = load_bytes(edited(good, as_1_1));
  CHECK(dropped == 2 + 2 + 1 + 1);
  test::check_close(old(x), f(x), 1e-5, 1e-5, "1.1 file");
  const std::string msg = format_error(edited(good, [](Parts& p) {
    for (auto& node : p.graph["plans"][0]["nodes"])
      if (node["op"] == "conv2d") node["attrs"].push_back(0);
  }));
  CHECK_MESSAGE(msg.find("conv2d': expected 9 to 11 attributes") != std::string::npos, msg);
}

TEST_CASE("bad files: every truncation and every single flipped bit is a FormatError") {
  const std::string good = small_module().to_bytes();
  REQUIRE(format_error(good) == "<loaded>");
  std::size_t refused = 0;
  for (std::size_t len = 0; len < good.size(); ++len) {
    std::string m = format_error(good.substr(0, len));
    refused += m.rfind("<", 0) != 0;
    if (m.rfind("<", 0) == 0) FAIL_CHECK("truncated to " << len << " bytes: " << m);
  }
  CHECK(refused == good.size());
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    std::string m = format_error(bad);
    if (m.rfind("<", 0) == 0) FAIL_CHECK("bit " << i % 8 << " of byte " << i << " flipped: " << m);
  }
  MESSAGE("checked " << good.size() << " truncations and " << good.size() << " bit flips");
}

TEST_CASE("bad files: each malformation gives a FormatError that says what is wrong") {
  const std::string good = small_module().to_bytes();
  const std::uint64_t n = header_len(good);
  auto with_len = [&](std::uint64_t len) {
    std::string f = good;
    std::memcpy(&f[0], &len, 8);
    return f;
  };
  auto first_node = [](Parts& p) -> nlohmann::json& { return p.graph["plans"][0]["nodes"][0]; };
  auto node_named = [](Parts& p, const std::string& op) -> nlohmann::json& {
    for (auto& node : p.graph["plans"][0]["nodes"])
      if (node["op"] == op) return node;
    throw std::runtime_error("no node " + op);
  };
  auto slot_of_kind = [](Parts& p, const std::string& kind) -> nlohmann::json& {
    for (auto& s : p.graph["plans"][0]["slots"])
      if (s["kind"] == kind) return s;
    throw std::runtime_error("no slot " + kind);
  };
  std::string long_name(2000, 'w');

  struct Case {
    const char* name;
    std::string bytes;
    const char* expect;
  };
  std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"header length over 100 MB", with_len(200'000'000), "exceeds the limit"},
      {"header length overflowing u64", with_len(~0ull), "exceeds the limit"},
      {"header length past the end", with_len(good.size()), "past the end"},
      {"header length zero", with_len(0), "starting with '{'"},
      {"header does not start with {",
       [&] {
         std::string f = good;
         f[8] = '[';
         return resign(f);
       }(),
       "starting with '{'"},
      {"padding with a newline",
       [&] {
         std::string f = good;
         f[8 + n - 1] = '\n';
         return resign(f);
       }(),
       "only spaces"},
      {"padding with NUL",
       [&] {
         std::string f = good;
         f[8 + n - 1] = '\0';
         return resign(f);
       }(),
       "header"},
      {"invalid UTF-8 in a name",
       [&] {
         std::string f = good;
         f[f.find("\"0.bias\"") + 3] = '\xff';
         return resign(f);
       }(),
       "header"},
      {"duplicate keys in the header",
       [&] {
         std::string h = split(good).header.dump();
         return assemble_text(h.substr(0, h.size() - 1) + ",\"0.bias\":{}}", split(good).data);
       }(),
       "duplicate"},
      {"duplicate keys in the graph",
       [&] {
         Parts p = split(good);
         std::string g = p.graph.dump();
         p.header["__metadata__"]["neuron.graph"] =
             g.substr(0, g.size() - 1) + ",\"mode\":\"fixed\"}";
         return assemble(p.header, p.data);
       }(),
       "duplicate"},
      {"unknown dtype", edited(good, [](Parts& p) { p.header["0.bias"]["dtype"] = "F8"; }),
       "dtype"},
      {"negative shape", edited(good, [](Parts& p) { p.header["0.bias"]["shape"] = {-4}; }),
       "shape"},
      {"overflowing shape",
       edited(good,
              [](Parts& p) {
                p.header["0.bias"]["shape"] = {1ll << 40, 1ll << 40};
              }),
       "0.bias"},
      {"rank 9",
       edited(good, [](Parts& p) { p.header["0.bias"]["shape"] = std::vector<int>(9, 1); }),
       "rank"},
      {"offsets overlapping",
       edited(good,
              [](Parts& p) {
                auto& o = p.header["2.weight"]["data_offsets"];
                o = {o[0].get<int>() - 4, o[1].get<int>() - 4};
              }),
       "overlap"},
      {"offsets with a gap",
       edited(good,
              [](Parts& p) {
                p.header["2.bias"]["data_offsets"][0] =
                    p.header["2.bias"]["data_offsets"][0].get<int>() + 4;
                p.header["2.bias"]["data_offsets"][1] =
                    p.header["2.bias"]["data_offsets"][1].get<int>() + 4;
                p.data += "abcd";
              }),
       "gap"},
      {"offsets past the end",
       edited(good, [](Parts& p) { p.header["2.bias"]["data_offsets"][1] = 1 << 20; }),
       "data section"},
      {"trailing bytes", edited(good, [](Parts& p) { p.data += "x"; }), "trailing"},
      {"missing checksum",
       [&] {
         Parts p = split(good);
         p.header["__metadata__"].erase("neuron.checksum");
         p.header["__metadata__"]["neuron.graph"] = p.graph.dump();
         std::string text = p.header.dump();
         text.append((64 - (8 + text.size()) % 64) % 64, ' ');
         std::uint64_t len = text.size();
         return std::string(reinterpret_cast<const char*>(&len), 8) + text + p.data;
       }(),
       "neuron.checksum"},
      {"wrong checksum",
       [&] {
         std::string f = good;
         std::size_t at = f.find("xxh3-128:") + 9;
         f[at] = f[at] == '0' ? '1' : '0';
         return f;
       }(),
       "checksum mismatch"},
      {"changed weight byte",
       [&] {
         std::string f = good;
         f[f.size() - 1] ^= 1;
         return f;
       }(),
       "checksum mismatch"},
      {"unknown op", edited(good, [&](Parts& p) { first_node(p)["op"] = "conv4d"; }),
       "unknown op 'conv4d'"},
      {"elementwise op outside a fused node",
       edited(good, [&](Parts& p) { first_node(p)["op"] = "relu"; }), "elementwise"},
      {"op attributes of the wrong type",
       edited(good, [&](Parts& p) { first_node(p)["attrs"] = {"yes"}; }), "attributes"},
      {"op attribute count",
       edited(good,
              [&](Parts& p) {
                first_node(p)["attrs"] = {true, true};
              }),
       "attributes"},
      {"node input out of range", edited(good, [&](Parts& p) { first_node(p)["inputs"][0] = 999; }),
       "out of range"},
      {"node input negative", edited(good, [&](Parts& p) { first_node(p)["inputs"][0] = -1; }),
       "out of range"},
      {"node reads a later node's output (cyclic)",
       edited(good,
              [&](Parts& p) {
                first_node(p)["inputs"][0] = p.graph["plans"][0]["nodes"].back()["output"];
              }),
       "before any node computes it"},
      {"node output written twice",
       edited(
           good,
           [&](Parts& p) { p.graph["plans"][0]["nodes"][1]["output"] = first_node(p)["output"]; }),
       "already computed"},
      {"node writes an input slot", edited(good, [&](Parts& p) { first_node(p)["output"] = 0; }),
       "input"},
      {"output spec differs from what the op computes",
       edited(good,
              [&](Parts& p) {
                slot_of_kind(p, "arena")["shape"] = {2, 5};
              }),
       "computes"},
      {"fused tree with an unknown op",
       edited(good, [&](Parts& p) { node_named(p, "fused")["attrs"]["op"] = "frobnicate"; }),
       "unknown op"},
      {"fused tree with the wrong dtype",
       edited(good, [&](Parts& p) { node_named(p, "fused")["attrs"]["dtype"] = "float64"; }),
       "computes"},
      {"scalar count", edited(good, [&](Parts& p) { first_node(p)["scalars"] = {1.5}; }),
       "scalars"},
      {"scalar that is not a number",
       edited(good, [&](Parts& p) { first_node(p)["scalars"] = {"many"}; }), "scalar"},
      {"weight named by the graph missing",
       edited(good, [](Parts& p) { p.graph["weights"][1] = "nothing.here"; }),
       "'nothing.here' named by the graph is not in the file"},
      {"tensor not used by the graph",
       edited(good, [](Parts& p) { p.graph["weights"].erase(p.graph["weights"].end() - 1); }),
       "not used by the graph"},
      {"weight of another shape",
       edited(good,
              [](Parts& p) {
                p.header["0.bias"]["shape"] = {2, 2};
              }),
       "expects weight"},
      {"weight of another dtype",
       edited(good, [](Parts& p) { p.header["0.bias"]["dtype"] = "I32"; }), "expects weight"},
      {"BOOL weight holding 2",
       edited(good,
              [](Parts& p) {
                p.header["0.bias"]["dtype"] = "BOOL";
                p.header["0.bias"]["shape"] = {16};
              }),
       "BOOL"},
      {"unknown major version",
       edited(good, [](Parts& p) { p.header["__metadata__"]["neuron.format_version"] = "2.0"; }),
       "version 2.0 is not supported; this build reads version 1.x"},
      {"version that is not MAJOR.MINOR",
       edited(good, [](Parts& p) { p.header["__metadata__"]["neuron.format_version"] = "one"; }),
       "MAJOR.MINOR"},
      {"not a neuron module",
       edited(good, [](Parts& p) { p.header["__metadata__"]["neuron.format"] = "pickle"; }),
       "expected 'neuron.module'"},
      {"plain safetensors file",
       [&] {
         Parts p = split(good);
         p.header.erase("__metadata__");
         std::string text = p.header.dump();
         text.append((64 - (8 + text.size()) % 64) % 64, ' ');
         std::uint64_t len = text.size();
         return std::string(reinterpret_cast<const char*>(&len), 8) + text + p.data;
       }(),
       "not a neuron module"},
      {"graph is not JSON",
       [&] {
         Parts p = split(good);
         p.header["__metadata__"]["neuron.graph"] = "{nope";
         return assemble(p.header, p.data);
       }(),
       "neuron.graph"},
      {"deep JSON nesting in the graph",
       [&] {
         Parts p = split(good);
         p.header["__metadata__"]["neuron.graph"] = std::string(500, '[') + std::string(500, ']');
         return assemble(p.header, p.data);
       }(),
       "deeper than"},
      {"deep JSON nesting in the header",
       [&] {
         std::string text = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
         text.append((64 - (8 + text.size()) % 64) % 64, ' ');
         std::uint64_t len = text.size();
         return std::string(reinterpret_cast<const char*>(&len), 8) + text;
       }(),
       "deeper than"},
      {"arena slot past the arena",
       edited(good, [&](Parts& p) { slot_of_kind(p, "arena")["offset"] = 1 << 20; }),
       "does not fit the arena"},
      {"arena far larger than its values",
       edited(good, [](Parts& p) { p.graph["plans"][0]["memory"]["arena_bytes"] = 1ll << 50; }),
       "larger than all its values"},
      {"arena slot not aligned",
       edited(good, [&](Parts& p) { slot_of_kind(p, "arena")["offset"] = 8; }), "aligned"},
      {"live arena slots overlapping",
       edited(good,
              [&](Parts& p) {
                for (auto& s : p.graph["plans"][0]["slots"])
                  if (s["kind"] == "arena") s["offset"] = 0;
              }),
       "overlaps"},
      {"output living in the arena",
       edited(good,
              [&](Parts& p) {
                auto& s = slot_of_kind(p, "output");
                s["kind"] = "arena";
                s["offset"] = 0;
              }),
       "arena"},
      {"an output slot nobody computes",
       edited(good,
              [](Parts& p) {
                p.graph["plans"][0]["slots"].push_back(
                    {{"kind", "output"}, {"dtype", "float32"}, {"shape", {1 << 20, 1 << 20}}});
              }),
       "is never computed"},
      {"a float where an integer attribute belongs",
       edited(good, [&](Parts& p) { node_named(p, "softmax")["attrs"] = {1.5}; }),
       "expected an int64 attribute"},
      {"unknown slot kind",
       edited(good, [&](Parts& p) { slot_of_kind(p, "arena")["kind"] = "heap"; }),
       "unknown slot kind"},
      {"input index out of range",
       edited(good, [&](Parts& p) { slot_of_kind(p, "input")["index"] = 3; }), "out of range"},
      {"weight index out of range",
       edited(good, [&](Parts& p) { slot_of_kind(p, "weight")["index"] = 99; }), "out of range"},
      {"no outputs",
       edited(good, [](Parts& p) { p.graph["plans"][0]["outputs"] = nlohmann::json::array(); }),
       "no outputs"},
      {"missing field", edited(good, [](Parts& p) { p.graph["plans"][0].erase("nodes"); }),
       "missing \"nodes\""},
      {"unknown mode", edited(good, [](Parts& p) { p.graph["mode"] = "magic"; }), "unknown mode"},
      {"padded mode without padding data",
       edited(good, [](Parts& p) { p.graph["mode"] = "dynamic_batch"; }), "follows"},
      {"data not 64-byte aligned",
       [&] {
         std::string text = split(good).header.dump();
         while ((8 + text.size()) % 8 != 0 || (8 + text.size()) % 64 == 0) text += ' ';
         std::uint64_t len = text.size();
         return resign(std::string(reinterpret_cast<const char*>(&len), 8) + text +
                       split(good).data);
       }(),
       "64-byte boundary"},
      {"tensor name too long",
       edited(good,
              [&](Parts& p) {
                p.header[long_name] = p.header["0.bias"];
                p.header.erase("0.bias");
              }),
       "name"},
      {"input shape with rank 9",
       edited(good,
              [](Parts& p) { p.graph["plans"][0]["inputs"][0]["shape"] = std::vector<int>(9, 1); }),
       "rank 9"},
  };
  CHECK(cases.size() >= 40);
  for (const Case& c : cases) {
    std::string m = format_error(c.bytes);
    CHECK_MESSAGE(m.find(c.expect) != std::string::npos,
                  c.name << ": expected a FormatError mentioning '" << c.expect << "', got: " << m);
  }
  MESSAGE(cases.size() << " malformed files refused");
}

TEST_CASE("bad files: a dynamic_batch module whose inputs disagree on the batch") {
  nr::Tensor w = nr::randn({3, 8});
  auto two = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::linear(in[0], w), nr::linear(in[1], w)};
  };
  // A fixed module with batches 4 and 2, relabelled by hand as dynamic_batch: run in chunks of
  // input 0's batch, input 1 would be over-read.
  const std::string fixed = nr::trace(two, {nr::rand({4, 8}), nr::rand({2, 8})}).to_bytes();
  const std::string bad = edited(fixed, [](Parts& p) {
    p.graph["mode"] = "dynamic_batch";
    p.graph["padded_dims"] = nlohmann::json::parse("[[0, 0], [1, 0]]");
    auto& outs = p.graph["plans"][0]["outputs"];
    outs[0]["follows"] = nlohmann::json::parse("[[[0, 0]], []]");
    outs[1]["follows"] = nlohmann::json::parse("[[[1, 0]], []]");
  });
  const std::string m = format_error(bad);
  CHECK_MESSAGE(m.find("input 1 has batch 2, input 0 has 4") != std::string::npos, m);
}

TEST_CASE("a module needing more memory per call than allowed is refused at load, not at run") {
  const std::string good = small_module().to_bytes();
  nr::LoadOptions tight;
  tight.max_call_bytes = 64;
  CHECK_THROWS_WITH_ALL(nr::load_from_memory(good.data(), good.size(), tight), nr::FormatError,
                        "over the limit of 64 bytes", "LoadOptions::max_call_bytes");
  // A file of a few KB describing an outer product of two 512 KB inputs: 64 GiB per call.
  auto outer = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::Tensor(in[0] * in[1])};
  };
  const std::string small = nr::trace(outer, {nr::rand({1, 1}), nr::rand({1, 1})}).to_bytes();
  const std::string huge = edited(small, [](Parts& p) {
    auto& plan = p.graph["plans"][0];
    const nlohmann::json col = {1 << 17, 1}, row = {1, 1 << 17}, all = {1 << 17, 1 << 17};
    plan["inputs"][0]["shape"] = col;
    plan["inputs"][1]["shape"] = row;
    for (auto& slot : plan["slots"])
      slot["shape"] = slot["kind"] != "input" ? all : slot["index"] == 0 ? col : row;
    plan["outputs"][0]["shape"] = all;
  });
  const std::string m = format_error(huge);
  CHECK_MESSAGE(m.find("over the limit of 8589934592 bytes") != std::string::npos, m);
}

TEST_CASE("fused expressions as deep as files allow round-trip; deeper ones are refused at save") {
  auto deep = [](const nr::Tensor& x) { return nr::Tensor(nest<32>(x)); };  // 64 ops high
  nr::TracedModule tm = nr::trace(deep, nr::rand({5}));
  nr::TracedModule back = load_bytes(tm.to_bytes());
  nr::Tensor x = nr::rand({5});
  test::check_equal(back(x), deep(x));
  auto deeper = [](const nr::Tensor& x) { return nr::Tensor(nest<33>(x)); };  // 66
  nr::TracedModule too_deep = nr::trace(deeper, nr::rand({5}));
  test::check_equal(too_deep(x), deeper(x));  // runs in memory; only its file is refused
  CHECK_THROWS_WITH_ALL(too_deep.to_bytes(), nr::ValueError, "66 ops deep", "at most 64");
}

TEST_CASE("1.3: other metadata entries are kept; runtime-scalar offsets are read and checked") {
  auto scaled = [](const nr::Tensor& x) { return nr::Tensor(nr::tanh(x) * 2.5 + 1.0); };
  const std::string good =
      nr::trace(scaled, nr::rand({2, 6})).to_bytes();  // a fused node, 2 scalars
  nr::TracedModule m = load_bytes(
      edited(good, [](Parts& p) { p.header["__metadata__"]["note"] = "made by a test"; }));
  CHECK(m.metadata().at("note") == "made by a test");
  CHECK(load_bytes(m.to_bytes()).metadata().at("note") == "made by a test");
  // A node that reads its scalars from each call (a lazy plan's), as the plan cache writes them.
  auto with_scalars = [](Parts& p) -> nlohmann::json& {
    for (auto& node : p.graph["plans"][0]["nodes"])
      if (!node["scalars"].empty()) return node;
    throw std::runtime_error("no node with scalars");
  };
  auto to_offsets = [&](Parts& p, int offset, int count) {
    nlohmann::json& node = with_scalars(p);
    node["scalars"] = nlohmann::json::array();
    node["scalar_offset"] = offset;
    p.graph["plans"][0]["scalar_count"] = count;
  };
  const std::size_t n = [&] {
    Parts p = split(good);
    return with_scalars(p)["scalars"].size();
  }();
  const int count = static_cast<int>(n);
  nr::TracedModule lazy = load_bytes(edited(good, [&](Parts& p) { to_offsets(p, 0, count); }));
  CHECK(lazy.plans()[0].scalar_count == count);
  CHECK_THROWS_WITH_AS(lazy(nr::rand({2, 6})), doctest::Contains("lazy"), nr::ValueError);
  CHECK(lazy.to_bytes().find("\\\"scalar_offset\\\":0") != std::string::npos);
  CHECK(format_error(edited(good, [&](Parts& p) {
          to_offsets(p, 1, count);
        })).find("runtime scalars") != std::string::npos);
  CHECK(format_error(edited(good, [&](Parts& p) {
          nlohmann::json& node = with_scalars(p);
          node["scalar_offset"] = 0;  // stored scalars and an offset: one of the two
          p.graph["plans"][0]["scalar_count"] = count;
        })).find("runtime scalars") != std::string::npos);
  CHECK(format_error(edited(good, [&](Parts& p) {
          to_offsets(p, -1, count);
        })).find("out of range") != std::string::npos);
  CHECK(format_error(edited(good, [&](Parts& p) { to_offsets(p, 0, -3); })).find("out of range") !=
        std::string::npos);
}

TEST_CASE("file scalars no C++ integer can hold give torch's value, not undefined behaviour") {
  // The compiled kernel of `x * 3` is registered by tracing it here, so loading reuses it and
  // the file's scalar goes into its int64 constant.
  auto scale = [](const nr::Tensor& x) { return nr::Tensor(x * std::int64_t{3}); };
  nr::Tensor x = nr::tensor<std::int64_t>({0, 1, 0, 1});
  const std::string good = nr::trace(scale, x).to_bytes();
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  for (const nlohmann::json& v :
       {nlohmann::json("nan"), nlohmann::json("inf"), nlohmann::json(1e300)}) {
    const std::string f =
        edited(good, [&](Parts& p) { p.graph["plans"][0]["nodes"][0]["scalars"][0] = v; });
    nr::Tensor y = load_bytes(f)(x);
    CHECK_MESSAGE(y.data<std::int64_t>()[1] == lowest, v.dump());
    CHECK(y.data<std::int64_t>()[0] == 0);
  }
}

TEST_CASE("load reports missing and unreadable files as IOError") {
  CHECK_THROWS_AS(nr::load(temp_path("neuron_does_not_exist.neuron")), nr::IOError);
}
