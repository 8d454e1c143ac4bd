#pragma once

#include "plan_cache.hpp"

#include <utility>

namespace neuron {

NEURON_INLINE PlanCache& PlanCache::instance() {
  static PlanCache* c = new PlanCache();  // lives until exit
  return *c;
}

template <class G>
std::shared_ptr<const PreparedPlan> PlanCache::find_verified(const G& g) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(g.hash);
  if (it == index_.end() || !it->second->canonical.matches(g)) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->plan;
}
NEURON_INLINE std::shared_ptr<const PreparedPlan> PlanCache::find(const Graph& g) {
  return find_verified(g);
}
NEURON_INLINE std::shared_ptr<const PreparedPlan> PlanCache::find(const GraphCut& cut) {
  return find_verified(cut);
}

NEURON_INLINE void PlanCache::insert(const Graph& g, std::shared_ptr<const PreparedPlan> plan) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(g.hash);
  if (it != index_.end()) {  // a colliding graph: the newer one wins the slot
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front({g.hash, g.shapeless, CanonicalGraph::of(g), std::move(plan)});
  index_[g.hash] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().hash);
    lru_.pop_back();
  }
}

NEURON_INLINE std::string PlanCache::miss_reason(const Graph& g) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Which data inputs of `g` differ in shape or dtype from the cached graph `e`'s.
  auto input_changes = [&](const Entry& e) {
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
    return why;
  };
  for (const Entry& e : lru_) {
    if (e.shapeless != g.shapeless) continue;
    std::string why = input_changes(e);
    return why.empty() ? "same structure, other specs" : why;
  }
  // Shape-dependent attributes (a reshape's target, a slice's bounds, a constant's size) change
  // the structure too: compare with the newest graph of the same size and inputs.
  std::size_t inputs = 0;
  for (const GraphEntry& ge : g.entries) inputs += ge.node->is_data();
  for (const Entry& e : lru_) {
    if (e.canonical.entries.size() != g.entries.size() || e.canonical.input_specs.size() != inputs)
      continue;
    std::string why = input_changes(e);
    if (!why.empty()) return why + " (and the op attributes that follow from the shapes)";
  }
  return "new graph";
}

NEURON_INLINE void PlanCache::set_capacity(std::size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  capacity_ = n == 0 ? 1 : n;
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().hash);
    lru_.pop_back();
  }
}

NEURON_INLINE std::size_t PlanCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

NEURON_INLINE void PlanCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  lru_.clear();
  index_.clear();
}

NEURON_INLINE std::string PlanCache::compact(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

NEURON_INLINE void set_cache_capacity(std::size_t n) { PlanCache::instance().set_capacity(n); }

}  // namespace neuron
