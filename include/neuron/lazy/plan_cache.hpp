// The in-memory plan cache: graph hash -> prepared plan, least recently used evicted first,
// thread-safe. A hit is verified against the cached graph's canonical form, so a hash collision
// is a miss, never a wrong plan.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "../compiler/compile.hpp"
#include "../core/config.hpp"

namespace neuron {

class PlanCache {
 public:
  struct Entry {
    Hash128 hash, shapeless;
    CanonicalGraph canonical;
    std::shared_ptr<const PreparedPlan> plan;
  };

  static PlanCache& instance();

  std::shared_ptr<const PreparedPlan> find(const Graph& g);
  std::shared_ptr<const PreparedPlan> find(const GraphCut& cut);

  void insert(const Graph& g, std::shared_ptr<const PreparedPlan> plan);

  // Why `g` needs a compile: "new graph", or how its inputs differ from the most recently used
  // cached graph of the same structure.
  std::string miss_reason(const Graph& g);

  void set_capacity(std::size_t n);
  std::size_t size();
  void clear();

 private:
  static std::string compact(const Shape& s);
  template <class G>
  std::shared_ptr<const PreparedPlan> find_verified(const G& g);
  std::mutex mutex_;
  std::list<Entry> lru_;
  std::map<Hash128, std::list<Entry>::iterator> index_;
  std::size_t capacity_ = 256;
};

// Plans kept in memory (least recently used are evicted beyond this).
void set_cache_capacity(std::size_t n);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "plan_cache-inl.hpp"
#endif
