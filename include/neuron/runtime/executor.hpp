// Runs a Plan. Each call borrows a scratch arena from a pool (one arena per concurrent call, reused
// afterwards), so one plan can run on many threads at once with no allocation for intermediates;
// only outputs are allocated, since they are returned.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "../core/config.hpp"
#include "plan.hpp"

namespace neuron {

// A scratch arena with a tensor view on each arena slot, made once.
struct Arena {
  std::shared_ptr<Storage> storage;
  std::vector<Tensor> values;  // per slot; arena slots hold their views between calls
  std::vector<Tensor> args;
  // run_plan's arguments per step, kept between calls: those on weights and arena slots are set
  // once (a call copies no handle it does not have to), inputs and outputs per call.
  std::vector<std::vector<Tensor>> step_args;
};

class ArenaPool {
 public:
  explicit ArenaPool(const Plan& plan) : bytes_(plan.arena_bytes), slots_(plan.slots) {}

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

  Lease acquire();
  // Arenas made so far (each is plan.arena_bytes); for tests and memory reports.
  std::size_t arenas_made() const;

 private:
  std::unique_ptr<Arena> make();
  void give_back(std::unique_ptr<Arena> a);

  std::int64_t bytes_ = 0;
  std::vector<PlanSlot> slots_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Arena>> free_;
  std::size_t made_ = 0;
};

// Replaces each step's op by its prepared copy (AnyOp::prepared) where the op has one: the
// backend's primitive made for the step's fixed specs, and the steps' weight inputs handed over
// as constants so they are reordered now, once.
void prepare_plan_steps(Plan& plan, const std::vector<Tensor>& weights);

// Runs `plan` on checked `inputs` with `weights`. Outputs that are inputs or weights are copied,
// so a caller can never change a module's weights through a result.
std::vector<Tensor> run_plan(const Plan& plan, const std::vector<Tensor>& weights,
                             const std::vector<Tensor>& inputs, ArenaPool& pool);

// The run loop of both modes. `scalars` are the call's runtime scalars (a lazy plan's steps read
// theirs from PlanStep::scalar_offset; at least plan.scalar_count of them). The outputs go to
// `results`, cleared only once the steps have run (it may be `inputs`); its capacity is reused, so
// a warm call allocates nothing but its outputs.
void run_plan(const Plan& plan, const std::vector<Tensor>& weights,
              const std::vector<Tensor>& inputs, const std::vector<ScalarValue>& scalars,
              ArenaPool& pool, std::vector<Tensor>& results);

// A plan made ready to run on its own: its steps prepared for its weights (prepare_plan_steps)
// and the arena pool its calls borrow from. What lazy mode caches; shared, never copied.
class PreparedPlan {
 public:
  explicit PreparedPlan(Plan plan, std::vector<Tensor> weights = {});
  PreparedPlan(const PreparedPlan&) = delete;
  PreparedPlan& operator=(const PreparedPlan&) = delete;

  const Plan& plan() const { return plan_; }
  const std::vector<Tensor>& weights() const { return weights_; }
  std::size_t op_count() const { return plan_.steps.size(); }
  // run_plan with this plan's weights and pool.
  void run(const std::vector<Tensor>& inputs, const std::vector<ScalarValue>& scalars,
           std::vector<Tensor>& results) const;
  std::vector<Tensor> run(const std::vector<Tensor>& inputs,
                          const std::vector<ScalarValue>& scalars = {}) const;

 private:
  Plan plan_;
  std::vector<Tensor> weights_;
  mutable ArenaPool pool_;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "executor-inl.hpp"
#endif
