// The persistent executable cache (off by default; set_cache_dir() or env NEURON_CACHE_DIR).
// One file per graph, named by a hash of (graph hash, library version, compile options):
//   "NEURONEXE 1 <xxh3-128 of the payload, hex>\n" + JSON payload
// The payload holds the graph's canonical form and the plan, whose steps name the graph's nodes by
// position. Entries are written atomically (temp file + rename); a corrupt, stale or mismatching
// entry is ignored and recompiled, never trusted: its checksum, version, options and canonical
// form must all match the graph at hand.
#pragma once

#include <cstddef>
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

  // The cached executable for `g`, or null (absent, unreadable, corrupt, stale, mismatching).
  std::shared_ptr<Executable> load(const Graph& g, const CompileOptions& options);

  void store(const Graph& g, const CompileOptions& options, const Executable& exe);

 private:
  static void make_dirs(const std::string& dir);

  static nlohmann::json spec_json(const TensorSpec& s);

  static nlohmann::json encode(const Graph& g, const CompileOptions& options,
                               const Executable& exe);

  static std::shared_ptr<Executable> decode(const char* data, std::size_t size, const Graph& g,
                                            const CompileOptions& options);

  std::mutex mutex_;
  std::string dir_;
  bool env_checked_ = false;
};

}  // namespace lazy

// Persists compiled executables under `dir` (created if missing); "" turns the disk cache off.
void set_cache_dir(const std::string& dir);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "disk_cache-inl.hpp"
#endif
