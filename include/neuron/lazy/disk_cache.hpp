// The persistent plan cache (off by default; set_cache_dir() or env NEURON_CACHE_DIR).
// Each entry is a .neuron module file (format/module_file.hpp: checksummed, readable by load())
// named by a hash of its key,
//   graph hash | library version | module format version | CompileOptions::key(),
// holding the graph's lowered plan (one plan, no weights; its steps read runtime scalars by
// offset) and two metadata entries: "neuron.cache_key", the key in full, and
// "neuron.source_graph", the graph's canonical form (node hashes, ops, attributes, specs,
// wiring). optimize() runs after loading, so its passes stay out of the key. Entries are written
// atomically (temp file + rename); one that is corrupt, for another key or another graph, or
// whose plan does not fit the graph is ignored (the reason logged once per entry), recompiled and
// replaced, never trusted. The directory is bounded (cache_eviction.hpp); a cache that cannot be
// written costs speed, never a step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "../compiler/compile.hpp"
#include "../core/config.hpp"
#include "metrics.hpp"

namespace neuron {

namespace lazy {

class DiskCache {
 public:
  static DiskCache& instance();

  void set_dir(const std::string& dir);
  std::string dir();

  // The entry's key in full, and the file the entry of that key lives in.
  static std::string key_for(const Graph& g, const CompileOptions& options);
  std::string path_for(const std::string& key);

  // The cached lowered plan for `g`; `found` false when there is none (absent, unreadable,
  // corrupt, for another key or graph).
  Plan load(const Graph& g, const CompileOptions& options, bool& found);

  void store(const Graph& g, const CompileOptions& options, const Plan& lowered);

  // The bound on the entries' bytes (cache_eviction.hpp): NEURON_CACHE_MAX_BYTES, or
  // set_max_bytes(); 1 GiB when neither says; 0 means no bound.
  void set_max_bytes(std::int64_t n);
  std::int64_t max_bytes();

  static constexpr const char* kKeyMetadata = "neuron.cache_key";
  static constexpr const char* kGraphMetadata = "neuron.source_graph";

 private:
  static void make_dirs(const std::string& dir);

  // The canonical form an entry must match entry by entry (the hash alone could collide).
  static std::string source_graph(const Graph& g);

  // The plan of the entry at `path`, checked against `g`; throws FormatError saying why not.
  static Plan read_entry(const std::string& path, const Graph& g, const std::string& key);

  // Logs why the entry at `path` was skipped, once per entry and process.
  void skipped(const std::string& path, const std::string& why);

  // After a failed write (a full disk, a read-only directory): one warning, then plans stay in
  // memory only, for the rest of the process.
  void writes_failed(const std::string& why);

  static constexpr std::int64_t kDefaultMaxBytes = std::int64_t{1} << 30;
  std::mutex mutex_;
  std::string dir_;
  bool env_checked_ = false;
  std::int64_t max_bytes_ = -1;  // -1: not read from the environment yet
  bool writes_off_ = false;
  std::set<std::string> skipped_;  // entries whose skip was logged
};

}  // namespace lazy

// Persists compiled (lowered) plans under `dir` (created if missing); "" turns the disk cache off.
void set_cache_dir(const std::string& dir);

// Bounds the bytes the persistent cache keeps (least recently used entries are removed beyond
// it); also env NEURON_CACHE_MAX_BYTES. Default 1 GiB; 0 means no bound.
void set_cache_max_bytes(std::int64_t n);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "disk_cache-inl.hpp"
#endif
