// The in-memory executable cache: graph hash -> executable, least recently used evicted first,
// thread-safe. A hit is verified against the cached graph's canonical form, so a hash collision
// is a miss, never a wrong executable.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "../compiler/compile.hpp"
#include "../core/config.hpp"

namespace neuron {

class ExecutableCache {
 public:
  struct Entry {
    Hash128 hash, shapeless;
    CanonicalGraph canonical;
    std::shared_ptr<const Executable> executable;
  };

  static ExecutableCache& instance();

  std::shared_ptr<const Executable> find(const Graph& g);
  std::shared_ptr<const Executable> find(const GraphCut& cut);

  void insert(const Graph& g, std::shared_ptr<const Executable> exe);

  // Why `g` needs a compile: "new graph", or how its inputs differ from the most recently used
  // cached graph of the same structure.
  std::string miss_reason(const Graph& g);

  void set_capacity(std::size_t n);
  std::size_t size();
  void clear();

 private:
  static std::string compact(const Shape& s);
  template <class G>
  std::shared_ptr<const Executable> find_verified(const G& g);
  std::mutex mutex_;
  std::list<Entry> lru_;
  std::map<Hash128, std::list<Entry>::iterator> index_;
  std::size_t capacity_ = 256;
};

// Executables kept in memory (least recently used are evicted beyond this).
void set_cache_capacity(std::size_t n);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "executable_cache-inl.hpp"
#endif
