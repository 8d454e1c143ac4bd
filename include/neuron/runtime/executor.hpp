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
  explicit ArenaPool(const Plan& plan) : ArenaPool(plan.arena_bytes, plan.slots) {}
  // An arena of `bytes` with a view on each arena slot of `slots` (lazy executables use this).
  ArenaPool(std::int64_t bytes, std::vector<PlanSlot> slots)
      : bytes_(bytes), slots_(std::move(slots)) {}

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

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "executor-inl.hpp"
#endif
