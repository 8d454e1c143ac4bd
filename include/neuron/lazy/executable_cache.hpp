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

namespace neuron {

class ExecutableCache {
 public:
  struct Entry {
    Hash128 hash, shapeless;
    CanonicalGraph canonical;
    std::shared_ptr<const Executable> executable;
  };

  static ExecutableCache& instance() {
    static ExecutableCache* c = new ExecutableCache();  // lives until exit
    return *c;
  }

  std::shared_ptr<const Executable> find(const Graph& g) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(g.hash);
    if (it == index_.end() || !it->second->canonical.matches(g)) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->executable;
  }

  void insert(const Graph& g, std::shared_ptr<const Executable> exe) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(g.hash);
    if (it != index_.end()) {  // a colliding graph: the newer one wins the slot
      lru_.erase(it->second);
      index_.erase(it);
    }
    lru_.push_front({g.hash, g.shapeless, CanonicalGraph::of(g), std::move(exe)});
    index_[g.hash] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().hash);
      lru_.pop_back();
    }
  }

  // Why `g` needs a compile: "new graph", or how its inputs differ from the most recently used
  // cached graph of the same structure.
  std::string miss_reason(const Graph& g) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : lru_) {
      if (e.shapeless != g.shapeless) continue;
      std::string why;
      std::size_t k = 0;
      for (const GraphEntry& ge : g.entries) {
        if (!ge.node->is_data()) continue;
        if (k < e.canonical.input_specs.size()) {
          const TensorSpec& old = e.canonical.input_specs[k];
          const TensorSpec& now = ge.node->spec;
          auto add = [&](const std::string& s) { why += (why.empty() ? "" : ", ") + s; };
          if (old.shape != now.shape)
            add("input " + std::to_string(k) + " shape " + compact(old.shape) + " -> " +
                compact(now.shape));
          if (old.dtype != now.dtype)
            add("input " + std::to_string(k) + " dtype " + std::string(dtype_name(old.dtype)) +
                " -> " + std::string(dtype_name(now.dtype)));
        }
        ++k;
      }
      return why.empty() ? "same structure, other specs" : why;
    }
    return "new graph";
  }

  void set_capacity(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = n == 0 ? 1 : n;
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().hash);
      lru_.pop_back();
    }
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lru_.size();
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lru_.clear();
    index_.clear();
  }

 private:
  static std::string compact(const Shape& s) {
    std::string out = "[";
    for (int i = 0; i < s.rank(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
  }
  std::mutex mutex_;
  std::list<Entry> lru_;
  std::map<Hash128, std::list<Entry>::iterator> index_;
  std::size_t capacity_ = 256;
};

// Executables kept in memory (least recently used are evicted beyond this).
inline void set_cache_capacity(std::size_t n) { ExecutableCache::instance().set_capacity(n); }

}  // namespace neuron
