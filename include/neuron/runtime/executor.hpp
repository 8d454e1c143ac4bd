// Runs a Plan. Each call borrows a scratch arena from a pool (one arena per concurrent call, reused
// afterwards), so one plan can run on many threads at once with no allocation for intermediates;
// only outputs are allocated, since they are returned.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "plan.hpp"

namespace neuron {

// A scratch arena with a tensor view on each arena slot, made once.
struct Arena {
  std::shared_ptr<Storage> storage;
  std::vector<Tensor> values;  // per slot; arena slots hold their views between calls
  std::vector<Tensor> args;
};

class ArenaPool {
 public:
  explicit ArenaPool(const Plan& plan) : plan_(plan) {}

  class Lease {
   public:
    Lease(ArenaPool& pool, std::unique_ptr<Arena> a) : pool_(pool), arena_(std::move(a)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.give_back(std::move(arena_)); }
    Arena& operator*() { return *arena_; }

   private:
    ArenaPool& pool_;
    std::unique_ptr<Arena> arena_;
  };

  Lease acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<Arena> a = std::move(free_.back());
        free_.pop_back();
        return Lease(*this, std::move(a));
      }
    }
    return Lease(*this, make());
  }
  // Arenas made so far (each is plan.arena_bytes); for tests and memory reports.
  std::size_t arenas_made() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return made_;
  }

 private:
  std::unique_ptr<Arena> make() {
    auto a = std::make_unique<Arena>();
    a->storage = Storage::allocate(static_cast<std::size_t>(plan_.arena_bytes));
    a->values.resize(plan_.slots.size());
    for (std::size_t s = 0; s < plan_.slots.size(); ++s) {
      const PlanSlot& slot = plan_.slots[s];
      if (slot.kind != PlanSlot::Kind::arena) continue;
      auto impl = std::make_shared<TensorImpl>();
      impl->storage = a->storage;
      impl->offset = static_cast<std::size_t>(slot.offset);
      impl->shape = slot.spec.shape;
      impl->dtype = slot.spec.dtype;
      a->values[s] = Tensor(std::move(impl));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++made_;
    return a;
  }
  void give_back(std::unique_ptr<Arena> a) {
    if (!a) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(a));
  }

  const Plan& plan_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Arena>> free_;
  std::size_t made_ = 0;
};

// Runs `plan` on checked `inputs` with `weights`. Outputs that are inputs or weights are copied,
// so a caller can never change a module's weights through a result.
inline std::vector<Tensor> run_plan(const Plan& plan, const std::vector<Tensor>& weights,
                                    const std::vector<Tensor>& inputs, ArenaPool& pool) {
  using K = PlanSlot::Kind;
  // Kernels size their loops from their inputs and write into slots sized by the plan: an input
  // of another spec would over-run them, so this is checked here too, whatever the caller did.
  if (inputs.size() != plan.inputs.size())
    throw_error<ValueError>("plan expects ", plan.inputs.size(), " inputs, got ", inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!(spec_of(inputs[i]) == plan.inputs[i]))
      throw_error<ShapeError>("input ", i, " expects ", spec_str(plan.inputs[i]), ", got ",
                              spec_str(spec_of(inputs[i])));
  ArenaPool::Lease lease = pool.acquire();
  Arena& a = *lease;
  for (std::size_t s = 0; s < plan.slots.size(); ++s) {
    const PlanSlot& slot = plan.slots[s];
    if (slot.kind == K::input)
      a.values[s] = inputs[static_cast<std::size_t>(slot.index)];
    else if (slot.kind == K::weight)
      a.values[s] = weights[static_cast<std::size_t>(slot.index)];
    else if (slot.kind == K::output)
      a.values[s] = Tensor::empty(slot.spec.shape, slot.spec.dtype);
  }
  for (const PlanStep& st : plan.steps) {
    a.args.clear();
    for (int in : st.inputs) a.args.push_back(a.values[static_cast<std::size_t>(in)]);
    st.op->run(a.args, st.scalars.data(), a.values[static_cast<std::size_t>(st.output)]);
  }
  std::vector<Tensor> out;
  out.reserve(plan.outputs.size());
  for (int o : plan.outputs) {
    const PlanSlot& slot = plan.slots[static_cast<std::size_t>(o)];
    const Tensor& v = a.values[static_cast<std::size_t>(o)];
    out.push_back(slot.kind == K::output ? v : v.clone());
  }
  a.args.clear();
  for (std::size_t s = 0; s < plan.slots.size(); ++s)  // keep only the arena's own views
    if (plan.slots[s].kind != K::arena) a.values[s] = Tensor();
  return out;
}

}  // namespace neuron
