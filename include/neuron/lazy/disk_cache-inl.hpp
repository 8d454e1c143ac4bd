#pragma once

#include "disk_cache.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include <nlohmann/json.hpp>

#include "../format/file_io.hpp"
#include "../format/strict_json.hpp"
#include "../version.hpp"
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

NEURON_INLINE std::shared_ptr<Executable> DiskCache::load(const Graph& g,
                                                          const CompileOptions& options) {
  if (dir().empty()) return nullptr;
  std::string path = path_for(g, options);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return nullptr;
  try {
    auto file = MappedFile::open(path);
    return decode(reinterpret_cast<const char*>(file->data()), file->size(), g, options);
  } catch (const std::exception& e) {
    metrics::add("DiskCacheRejected");
    if (std::getenv("NEURON_LOG"))
      std::fprintf(stderr, "[neuron] ignoring cache entry %s: %s\n", path.c_str(), e.what());
    return nullptr;
  }
}

NEURON_INLINE void DiskCache::store(const Graph& g, const CompileOptions& options,
                                    const Executable& exe) {
  if (dir().empty()) return;
  std::string payload = encode(g, options, exe).dump();
  std::string head = "NEURONEXE 1 " + hash_bytes(payload).hex() + "\n";
  try {
    write_file_atomic(path_for(g, options), [&](std::FILE* f) {
      write_all(f, head.data(), head.size(), "cache entry");
      write_all(f, payload.data(), payload.size(), "cache entry");
    });
  } catch (const IOError& e) {  // a cache that cannot be written only costs speed
    metrics::add("DiskCacheWriteFailed");
    if (std::getenv("NEURON_LOG")) std::fprintf(stderr, "[neuron] %s\n", e.what());
  }
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
                                               const Executable& exe) {
  nlohmann::json entries = nlohmann::json::array();
  for (const GraphEntry& e : g.entries)
    entries.push_back({e.node->local.hex(), e.node->is_data() ? "data" : e.node->op->name(),
                       e.node->is_data() ? nlohmann::json::array() : e.node->op->attrs_json(),
                       spec_json(e.node->spec), e.inputs});
  // Steps refer to ops by the graph entry they came from.
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& s : exe.steps) {
    int entry = -1;
    for (std::size_t i = 0; i < g.entries.size() && entry < 0; ++i)
      if (g.entries[i].node->op == s.op && g.entries[i].scalar_offset == s.scalar_offset)
        entry = static_cast<int>(i);
    steps.push_back({entry, s.inputs, s.output, s.scalar_offset});
  }
  nlohmann::json slots = nlohmann::json::array();
  for (const TensorSpec& s : exe.slots) slots.push_back(spec_json(s));
  return {{"version", version_string},
          {"options", options.key()},
          {"graph", g.hash.hex()},
          {"entries", entries},
          {"outputs", g.outputs},
          {"plan",
           {{"slots", slots},
            {"inputs", exe.input_count},
            {"scalars", exe.scalar_count},
            {"steps", steps},
            {"outputs", exe.outputs}}}};
}

NEURON_INLINE std::shared_ptr<Executable> DiskCache::decode(const char* data, std::size_t size,
                                                            const Graph& g,
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
  // The canonical form must be this graph's, entry by entry.
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
  const auto& plan = j.at("plan");
  auto exe = std::make_shared<Executable>();
  for (const auto& s : plan.at("slots")) {
    std::vector<std::int64_t> dims = s.at(0).get<std::vector<std::int64_t>>();
    exe->slots.push_back({Shape(dims), dtype_from_name(s.at(1).get<std::string>())});
  }
  exe->input_count = plan.at("inputs").get<int>();
  exe->scalar_count = plan.at("scalars").get<int>();
  if (exe->input_count != static_cast<int>(g.inputs.size()) ||
      exe->scalar_count != static_cast<int>(g.scalars.size()))
    throw_error<FormatError>("plan inputs or scalars do not fit the graph");
  const int slot_count = static_cast<int>(exe->slots.size());
  auto check_slot = [&](int s) {
    if (s < 0 || s >= slot_count) throw_error<FormatError>("slot ", s, " out of range");
    return s;
  };
  for (const auto& s : plan.at("steps")) {
    int entry = s.at(0).get<int>();
    if (entry < 0 || entry >= static_cast<int>(g.entries.size()) ||
        g.entries[static_cast<std::size_t>(entry)].node->is_data())
      throw_error<FormatError>("step names entry ", entry, ", which is not an op");
    Step step;
    step.op = g.entries[static_cast<std::size_t>(entry)].node->op;
    for (const auto& in : s.at(1)) step.inputs.push_back(check_slot(in.get<int>()));
    step.output = check_slot(s.at(2).get<int>());
    step.scalar_offset = s.at(3).get<int>();
    if (step.output < exe->input_count || step.scalar_offset < 0 ||
        step.scalar_offset + step.op->scalar_count() > exe->scalar_count)
      throw_error<FormatError>("step writes an input slot or reads scalars out of range");
    exe->steps.push_back(std::move(step));
  }
  for (const auto& o : plan.at("outputs")) exe->outputs.push_back(check_slot(o.get<int>()));
  if (exe->outputs.size() != g.outputs.size())
    throw_error<FormatError>("plan outputs do not fit the graph");
  exe->finalize();
  return exe;
}

}  // namespace lazy

NEURON_INLINE void set_cache_dir(const std::string& dir) {
  lazy::DiskCache::instance().set_dir(dir);
}

}  // namespace neuron
