// The persistent plan cache (off by default; set_cache_dir() or env NEURON_CACHE_DIR).
// One file per graph, named by a hash of (graph hash, library version, compile options):
//   "NEURONEXE 1 <xxh3-128 of the payload, hex>\n" + JSON payload
// The payload holds the graph's canonical form and the plan, whose steps name the graph's nodes by
// position. Entries are written atomically (temp file + rename); a corrupt, stale or mismatching
// entry is ignored and recompiled, never trusted: its checksum, version, options and canonical
// form must all match the graph at hand. The directory is bounded (cache_eviction.hpp); a cache
// that cannot be written costs speed, never a step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json_fwd.hpp>

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

  std::string path_for(const Graph& g, const CompileOptions& options);

  // The cached lowered plan for `g`; `found` false when there is none (absent, unreadable,
  // corrupt, stale, mismatching).
  Plan load(const Graph& g, const CompileOptions& options, bool& found);

  void store(const Graph& g, const CompileOptions& options, const Plan& lowered);

  // The bound on the entries' bytes (cache_eviction.hpp): NEURON_CACHE_MAX_BYTES, or
  // set_max_bytes(); 1 GiB when neither says; 0 means no bound.
  void set_max_bytes(std::int64_t n);
  std::int64_t max_bytes();

 private:
  static void make_dirs(const std::string& dir);

  static nlohmann::json spec_json(const TensorSpec& s);

  // Throws unless the entry's canonical form is `g`'s, entry by entry.
  static void check_same_graph(const nlohmann::json& j, const Graph& g);

  static nlohmann::json encode(const Graph& g, const CompileOptions& options, const Plan& lowered);

  static Plan decode(const char* data, std::size_t size, const Graph& g,
                     const CompileOptions& options);

  // After a failed write (a full disk, a read-only directory): one warning, then plans stay in
  // memory only, for the rest of the process.
  void writes_failed(const std::string& why);

  static constexpr std::int64_t kDefaultMaxBytes = std::int64_t{1} << 30;
  std::mutex mutex_;
  std::string dir_;
  bool env_checked_ = false;
  std::int64_t max_bytes_ = -1;  // -1: not read from the environment yet
  bool writes_off_ = false;
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
