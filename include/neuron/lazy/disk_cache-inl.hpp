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
#include "../format/module_file.hpp"
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

NEURON_INLINE std::string DiskCache::key_for(const Graph& g, const CompileOptions& options) {
  return g.hash.hex() + "|" + version_string + "|" + std::to_string(kModuleFormatMajor) + "." +
         std::to_string(kModuleFormatMinor) + "|" + options.key();
}

NEURON_INLINE std::string DiskCache::path_for(const std::string& key) {
  return dir() + "/" + hash_bytes(key).hex() + ".neuron";
}

NEURON_INLINE Plan DiskCache::load(const Graph& g, const CompileOptions& options, bool& found) {
  found = false;
  if (dir().empty()) return {};
  const std::string key = key_for(g, options), path = path_for(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  try {
    Plan p = read_entry(path, g, key);
    found = true;
    touch_entry(path);  // used now: the last to be evicted
    return p;
  } catch (const IOError&) {  // gone between stat and open: another process evicted it
    return {};
  } catch (const std::exception& e) {
    metrics::add("DiskCacheRejected");
    skipped(path, e.what());
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
  auto d = std::make_shared<ModuleData>();
  d->plans.push_back(lowered);
  plan_memory(d->plans[0]);  // placed, as every module's plan is (load() validates the arena)
  const std::string key = key_for(g, options), path = path_for(key);
  d->metadata = {{kKeyMetadata, key}, {kGraphMetadata, source_graph(g)}};
  const std::string bytes = TracedModule(std::move(d)).to_bytes();
  try {
    write_file_atomic(path, [&](std::FILE* f) { write_all(f, bytes.data(), bytes.size(), path); });
    touch_entry(path);
    if (const std::int64_t bound = max_bytes(); bound > 0) {
      const auto n = static_cast<std::int64_t>(bytes.size());
      const EvictionResult r = account_and_evict(where, ".neuron", bound, n);
      if (r.removed > 0) metrics::add("DiskCacheEvicted", r.removed);
    } else {
      forget_total(where);  // unbounded writes are not counted: a bounded writer counts afresh
    }
  } catch (const IOError& e) {  // a cache that cannot be written only costs speed
    writes_failed(e.what());
  }
}

NEURON_INLINE void DiskCache::skipped(const std::string& path, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (skipped_.size() >= 4096 || !skipped_.insert(path).second) return;
  }
  std::fprintf(stderr, "[neuron] ignoring plan cache entry %s (it will be replaced): %s\n",
               path.c_str(), why.c_str());
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

NEURON_INLINE std::string DiskCache::source_graph(const Graph& g) {
  nlohmann::json entries = nlohmann::json::array();
  for (const GraphEntry& e : g.entries)
    entries.push_back({e.node->local.hex(), e.node->is_data() ? "data" : e.node->op->name(),
                       e.node->is_data() ? nlohmann::json::array() : e.node->op->attrs_json(),
                       neuron::detail::spec_json(e.node->spec), e.inputs});
  return nlohmann::json{{"entries", entries}, {"outputs", g.outputs}, {"scalars", g.scalars.size()}}
      .dump();
}

NEURON_INLINE Plan DiskCache::read_entry(const std::string& path, const Graph& g,
                                         const std::string& key) {
  auto file = MappedFile::open(path);
  std::shared_ptr<ModuleData> d =
      neuron::detail::read_module_image(file->data(), file->size(), file, "cache entry");
  auto metadata = [&](const char* name) {
    auto it = d->metadata.find(name);
    return it == d->metadata.end() ? std::string() : it->second;
  };
  if (const std::string k = metadata(kKeyMetadata); k != key)
    throw_error<FormatError>("its key is '", k.substr(0, 200), "', this one '", key,
                             "' (another graph, library version, format or options)");
  if (metadata(kGraphMetadata) != source_graph(g))
    throw_error<FormatError>("it describes another graph with the same hash");
  if (d->plans.size() != 1 || !d->weights.empty() || d->mode != TraceMode::fixed)
    throw_error<FormatError>("not a lazy plan (", d->plans.size(), " plans, ", d->weights.size(),
                             " weights, mode ", trace_mode_name(d->mode), ")");
  Plan& p = d->plans[0];
  // The specs the caller relies on are the graph's own, not the file's: its inputs are bound to
  // the graph's data and its outputs become tensors of the graph's output specs (an output slot
  // of another size would be read past its end).
  if (p.inputs.size() != g.inputs.size() || p.outputs.size() != g.outputs.size() ||
      p.scalar_count != static_cast<int>(g.scalars.size()))
    throw_error<FormatError>("the plan has ", p.inputs.size(), " inputs, ", p.outputs.size(),
                             " outputs and ", p.scalar_count, " scalars; the graph ",
                             g.inputs.size(), ", ", g.outputs.size(), " and ", g.scalars.size());
  for (const GraphEntry& e : g.entries)
    if (e.node->is_data() && !(p.inputs[static_cast<std::size_t>(e.input_index)] == e.node->spec))
      throw_error<FormatError>("input ", e.input_index, " is ",
                               spec_str(p.inputs[static_cast<std::size_t>(e.input_index)]),
                               " in the entry, ", spec_str(e.node->spec), " in the graph");
  for (std::size_t k = 0; k < p.outputs.size(); ++k) {
    const TensorSpec& want = g.entries[static_cast<std::size_t>(g.outputs[k])].node->spec;
    if (!(p.output_spec(k) == want))
      throw_error<FormatError>("output ", k, " is ", spec_str(p.output_spec(k)), " in the entry, ",
                               spec_str(want), " in the graph");
  }
  return std::move(p);
}

}  // namespace lazy

NEURON_INLINE void set_cache_dir(const std::string& dir) {
  lazy::DiskCache::instance().set_dir(dir);
}

NEURON_INLINE void set_cache_max_bytes(std::int64_t n) {
  lazy::DiskCache::instance().set_max_bytes(n);
}

}  // namespace neuron
