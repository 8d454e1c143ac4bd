#pragma once

#include "disk_cache.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include <nlohmann/json.hpp>

#include "../compiler/memory_plan.hpp"
#include "../format/file_io.hpp"
#include "../format/strict_json.hpp"
#include "../runtime/plan.hpp"
#include "../version.hpp"
#include "cache_eviction-inl.hpp"
#include "metrics-inl.hpp"

namespace neuron {

namespace lazy {

NEURON_INLINE DiskCache& DiskCache::instance() {
  static DiskCache* c = new DiskCache();  // lives until exit
  return *c;
}

NEURON_INLINE void DiskCache::set_dir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  dir_ = dir;
  env_checked_ = true;
  writes_off_ = false;  // another directory may take writes
  if (!dir_.empty()) make_dirs(dir_);
}

NEURON_INLINE std::string DiskCache::dir() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!env_checked_) {
    env_checked_ = true;
    if (const char* env = std::getenv("NEURON_CACHE_DIR")) {
      dir_ = env;
      if (!dir_.empty()) make_dirs(dir_);
    }
  }
  return dir_;
}

NEURON_INLINE std::string DiskCache::path_for(const Graph& g, const CompileOptions& options) {
  std::string key = g.hash.hex() + "|" + version_string + "|" + options.key();
  return dir() + "/" + hash_bytes(key).hex() + ".neuronexe";
}

NEURON_INLINE Plan DiskCache::load(const Graph& g, const CompileOptions& options, bool& found) {
  found = false;
  if (dir().empty()) return {};
  std::string path = path_for(g, options);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  try {
    auto file = MappedFile::open(path);
    Plan p = decode(reinterpret_cast<const char*>(file->data()), file->size(), g, options);
    found = true;
    touch_entry(path);  // used now: the last to be evicted
    return p;
  } catch (const IOError&) {  // gone between stat and open: another process evicted it
    return {};
  } catch (const std::exception& e) {
    metrics::add("DiskCacheRejected");
    if (std::getenv("NEURON_LOG"))
      std::fprintf(stderr, "[neuron] ignoring cache entry %s: %s\n", path.c_str(), e.what());
    return {};
  }
}

NEURON_INLINE void DiskCache::store(const Graph& g, const CompileOptions& options,
                                    const Plan& lowered) {
  const std::string where = dir();
  if (where.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (writes_off_) return;
  }
  std::string payload = encode(g, options, lowered).dump();
  std::string head = "NEURONEXE 1 " + hash_bytes(payload).hex() + "\n";
  const std::string path = path_for(g, options);
  try {
    write_file_atomic(path, [&](std::FILE* f) {
      write_all(f, head.data(), head.size(), "cache entry");
      write_all(f, payload.data(), payload.size(), "cache entry");
    });
    touch_entry(path);
    if (const std::int64_t bound = max_bytes(); bound > 0) {
      const auto bytes = static_cast<std::int64_t>(head.size() + payload.size());
      const EvictionResult r = account_and_evict(where, ".neuronexe", bound, bytes);
      if (r.removed > 0) metrics::add("DiskCacheEvicted", r.removed);
    } else {
      forget_total(where);  // unbounded writes are not counted: a bounded writer counts afresh
    }
  } catch (const IOError& e) {  // a cache that cannot be written only costs speed
    writes_failed(e.what());
  }
}

NEURON_INLINE void DiskCache::writes_failed(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (writes_off_) return;
    writes_off_ = true;
  }
  metrics::add("DiskCacheWriteFailed");
  std::fprintf(stderr,
               "[neuron] warning: cannot write the plan cache (%s); compiled plans stay in memory "
               "for the rest of this process\n",
               why.c_str());
}

NEURON_INLINE void DiskCache::set_max_bytes(std::int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  max_bytes_ = n < 0 ? 0 : n;
}

NEURON_INLINE std::int64_t DiskCache::max_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (max_bytes_ < 0) {
    max_bytes_ = kDefaultMaxBytes;
    if (const char* env = std::getenv("NEURON_CACHE_MAX_BYTES")) {
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(env, &end, 10);
      if (end != env && *end == '\0' && errno == 0 && v >= 0)
        max_bytes_ = static_cast<std::int64_t>(v);
      else
        std::fprintf(stderr,
                     "[neuron] warning: NEURON_CACHE_MAX_BYTES='%s' is not a byte count; using "
                     "%lld\n",
                     env, static_cast<long long>(kDefaultMaxBytes));
    }
  }
  return max_bytes_;
}

NEURON_INLINE void DiskCache::make_dirs(const std::string& dir) {
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || (dir[i] == '/' && i > 0)) ::mkdir(dir.substr(0, i).c_str(), 0755);
  }
}

NEURON_INLINE nlohmann::json DiskCache::spec_json(const TensorSpec& s) {
  return {s.shape.vec(), std::string(dtype_name(s.dtype))};
}

NEURON_INLINE nlohmann::json DiskCache::encode(const Graph& g, const CompileOptions& options,
                                               const Plan& lowered) {
  nlohmann::json entries = nlohmann::json::array();
  for (const GraphEntry& e : g.entries)
    entries.push_back({e.node->local.hex(), e.node->is_data() ? "data" : e.node->op->name(),
                       e.node->is_data() ? nlohmann::json::array() : e.node->op->attrs_json(),
                       spec_json(e.node->spec), e.inputs});
  // Steps refer to ops by the graph entry they came from (lower() shares the node's op).
  nlohmann::json steps = nlohmann::json::array();
  for (const PlanStep& s : lowered.steps) {
    int entry = -1;
    for (std::size_t i = 0; i < g.entries.size() && entry < 0; ++i)
      if (g.entries[i].node->op == s.op &&
          (s.scalar_offset < 0 || g.entries[i].scalar_offset == s.scalar_offset))
        entry = static_cast<int>(i);
    steps.push_back({entry, s.inputs, s.output, s.scalar_offset});
  }
  nlohmann::json slots = nlohmann::json::array();
  for (const PlanSlot& s : lowered.slots) slots.push_back(spec_json(s.spec));
  return {{"version", version_string},
          {"options", options.key()},
          {"graph", g.hash.hex()},
          {"entries", entries},
          {"outputs", g.outputs},
          {"plan",
           {{"slots", slots},
            {"inputs", lowered.inputs.size()},
            {"scalars", lowered.scalar_count},
            {"steps", steps},
            {"outputs", lowered.outputs}}}};
}

NEURON_INLINE void DiskCache::check_same_graph(const nlohmann::json& j, const Graph& g) {
  const auto& entries = j.at("entries");
  if (entries.size() != g.entries.size() || j.at("outputs") != nlohmann::json(g.outputs))
    throw_error<FormatError>("entry describes another graph");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const GraphEntry& e = g.entries[i];
    const auto& c = entries[i];
    bool same =
        c.at(0) == e.node->local.hex() &&
        c.at(1) == (e.node->is_data() ? std::string("data") : e.node->op->name()) &&
        c.at(2) == (e.node->is_data() ? nlohmann::json::array() : e.node->op->attrs_json()) &&
        c.at(3) == spec_json(e.node->spec) && c.at(4) == nlohmann::json(e.inputs);
    if (!same) throw_error<FormatError>("entry ", i, " describes another node");
  }
}

NEURON_INLINE Plan DiskCache::decode(const char* data, std::size_t size, const Graph& g,
                                     const CompileOptions& options) {
  const std::string magic = "NEURONEXE 1 ";
  if (size < magic.size() + 33 || std::string(data, magic.size()) != magic)
    throw_error<FormatError>("not a neuron cache entry of format 1");
  std::string sum(data + magic.size(), 32);
  if (data[magic.size() + 32] != '\n') throw_error<FormatError>("malformed header line");
  const char* payload = data + magic.size() + 33;
  const std::size_t n = size - magic.size() - 33;
  if (hash_bytes(payload, n).hex() != sum) throw_error<FormatError>("checksum mismatch");
  nlohmann::json j = parse_strict_json(payload, payload + n, "cache entry");
  if (j.at("version") != version_string || j.at("options") != options.key() ||
      j.at("graph") != g.hash.hex())
    throw_error<FormatError>("entry is for another library version, options or graph");
  check_same_graph(j, g);
  const auto& pj = j.at("plan");
  using K = PlanSlot::Kind;
  Plan p;
  const auto input_count = pj.at("inputs").get<std::size_t>();
  p.scalar_count = pj.at("scalars").get<int>();
  if (input_count != g.inputs.size() || p.scalar_count != static_cast<int>(g.scalars.size()))
    throw_error<FormatError>("plan inputs or scalars do not fit the graph");
  for (const auto& s : pj.at("slots")) {
    PlanSlot slot;
    slot.spec = {Shape(s.at(0).get<std::vector<std::int64_t>>()),
                 dtype_from_name(s.at(1).get<std::string>())};
    const bool input = p.slots.size() < input_count;
    slot.kind = input ? K::input : K::arena;
    slot.index = input ? static_cast<int>(p.slots.size()) : 0;
    if (input) p.inputs.push_back(slot.spec);
    p.slots.push_back(slot);
  }
  if (p.slots.size() < input_count) throw_error<FormatError>("fewer slots than inputs");
  const int slot_count = static_cast<int>(p.slots.size());
  auto check_slot = [&](int s) {
    if (s < 0 || s >= slot_count) throw_error<FormatError>("slot ", s, " out of range");
    return s;
  };
  for (const auto& s : pj.at("steps")) {
    int entry = s.at(0).get<int>();
    if (entry < 0 || entry >= static_cast<int>(g.entries.size()) ||
        g.entries[static_cast<std::size_t>(entry)].node->is_data())
      throw_error<FormatError>("step names entry ", entry, ", which is not an op");
    PlanStep step;
    step.op = g.entries[static_cast<std::size_t>(entry)].node->op;
    for (const auto& in : s.at(1)) step.inputs.push_back(check_slot(in.get<int>()));
    step.output = check_slot(s.at(2).get<int>());
    step.scalar_offset = s.at(3).get<int>();
    if (step.output < static_cast<int>(input_count))
      throw_error<FormatError>("step writes input slot ", step.output);
    p.steps.push_back(std::move(step));
  }
  for (const auto& o : pj.at("outputs")) {
    const int slot = check_slot(o.get<int>());
    if (p.slots[static_cast<std::size_t>(slot)].kind == K::arena)
      p.slots[static_cast<std::size_t>(slot)].kind = K::output;
    p.outputs.push_back(slot);
  }
  if (p.outputs.size() != g.outputs.size())
    throw_error<FormatError>("plan outputs do not fit the graph");
  // The specs the caller relies on are the graph's own, not the file's: its inputs are bound to
  // the graph's data and its outputs become tensors of the graph's output specs (an output slot
  // of another size would be read past its end).
  for (const GraphEntry& e : g.entries)
    if (e.node->is_data() && !(p.inputs[static_cast<std::size_t>(e.input_index)] == e.node->spec))
      throw_error<FormatError>("input ", e.input_index, " is ",
                               spec_str(p.inputs[static_cast<std::size_t>(e.input_index)]),
                               " in the entry, ", spec_str(e.node->spec), " in the graph");
  for (std::size_t k = 0; k < p.outputs.size(); ++k) {
    const TensorSpec& want = g.entries[static_cast<std::size_t>(g.outputs[k])].node->spec;
    if (!(p.slots[static_cast<std::size_t>(p.outputs[k])].spec == want))
      throw_error<FormatError>("output ", k, " is ",
                               spec_str(p.slots[static_cast<std::size_t>(p.outputs[k])].spec),
                               " in the entry, ", spec_str(want), " in the graph");
  }
  // Slot references, definition before use, every op's spec and the scalar ranges (on a copy
  // with its memory planned, as validate_plan expects).
  try {
    Plan placed = p;
    plan_memory(placed);
    validate_plan(placed, {}, "cache entry");
  } catch (const Error& e) {
    throw_error<FormatError>(e.what());
  }
  return p;
}

}  // namespace lazy

NEURON_INLINE void set_cache_dir(const std::string& dir) {
  lazy::DiskCache::instance().set_dir(dir);
}

NEURON_INLINE void set_cache_max_bytes(std::int64_t n) {
  lazy::DiskCache::instance().set_max_bytes(n);
}

}  // namespace neuron
