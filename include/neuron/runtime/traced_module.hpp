// TracedModule: the result of trace() or load(): weights plus one compiled plan (or one per bucket)
// with fixed shapes. Calling it checks the inputs against the signature and runs the plan; it never
// compiles. Copies share the module (like a handle); calls from many threads at once are safe.
//
// Modes: fixed (inputs must match exactly), dynamic_batch (any batch size, run in chunks of the
// traced batch, the last chunk padded), buckets (inputs padded up to the smallest fitting bucket).
// Padding is sliced off the outputs along the dims that follow the padded input dims.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops.hpp"
#include "executor.hpp"
#include "plan.hpp"

namespace neuron {

enum class TraceMode { fixed, dynamic_batch, buckets };

const char* trace_mode_name(TraceMode m);

// Bytes a module needs, known before its first call.
struct MemoryPlan {
  std::int64_t weights_bytes = 0;  // held for the module's lifetime (mapped from the file on load)
  std::int64_t arena_bytes = 0;    // scratch per concurrent call (the largest bucket's)
  std::int64_t input_bytes = 0;    // of one call's inputs (the largest bucket's)
  std::int64_t output_bytes = 0;   // allocated per call for the results (the largest bucket's)
  std::int64_t intermediates = 0;  // arena values; without planning each would be an allocation
  // What one call needs beyond the weights: its scratch arena, padded inputs and outputs.
  std::int64_t per_call_bytes() const {
    return saturating_add(saturating_add(arena_bytes, input_bytes), output_bytes);
  }
  std::string str() const;
};

struct ModuleData {
  std::vector<std::string> weight_names;
  std::vector<Tensor> weights;
  std::vector<Plan> plans;  // buckets: ascending
  TraceMode mode = TraceMode::fixed;
  double pad_value = 0;                // the pad value given for every input without its own
  std::vector<double> pad_values;      // per input: what its padded entries get (empty: pad_value)
  std::vector<DimSource> padded_dims;  // the input dims padding may change
  // Padded dims whose values meet in the graph: a call gives each group one real extent.
  std::vector<std::vector<DimSource>> tied_dims;
  // Per padded dim: entries a call must have (a plan reads that many leading ones as real).
  std::vector<std::int64_t> min_extents;
  // The file's other `__metadata__` entries, kept as they are (neuron's own "neuron.*" keys
  // besides the format's four: a lazy-mode cache entry's key and source graph, for example).
  std::map<std::string, std::string> metadata;
  std::vector<std::unique_ptr<ArenaPool>> pools;  // one per plan
  std::shared_ptr<const void> keepalive;          // the mapped file weights point into

  // Makes the module ready to run: each step's op prepared for its fixed shapes (backend
  // primitives made, constant weights reordered into the backend's layout, once) and one arena
  // pool per plan. Called by trace() and by load().
  void make_ready();
  double pad_value_of(std::size_t input) const {
    return input < pad_values.size() ? pad_values[input] : pad_value;
  }
};

class TracedModule {
 public:
  TracedModule() = default;
  explicit TracedModule(std::shared_ptr<ModuleData> d) : d_(std::move(d)) {}

  bool defined() const { return d_ != nullptr; }
  Tensor operator()(const Tensor& x) const;
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs) const;

  // The signature (for buckets: the largest bucket's).
  const std::vector<TensorSpec>& input_specs() const { return data().plans.back().inputs; }
  std::vector<TensorSpec> output_specs() const;
  TraceMode mode() const { return data().mode; }
  std::size_t bucket_count() const { return data().plans.size(); }
  const std::vector<Plan>& plans() const { return data().plans; }
  const std::vector<std::string>& weight_names() const { return data().weight_names; }
  const std::vector<Tensor>& weights() const { return data().weights; }
  // `__metadata__` entries besides the format's own (ModuleData::metadata).
  const std::map<std::string, std::string>& metadata() const { return data().metadata; }
  const ModuleData& data() const;

  MemoryPlan memory_plan() const;

  std::string to_dot() const;                // plan_dot.hpp
  void save(const std::string& path) const;  // format/module_file.hpp
  std::string to_bytes() const;              // format/module_file.hpp

 private:
  static std::string spec_text(const TensorSpec& s) { return spec_str(s); }
  // Count, device, dtype; shapes exactly unless `free_dims` says which (input, dim) may differ.
  static void check_inputs(const std::vector<Tensor>& inputs, const Plan& p,
                           const std::vector<DimSource>* free_dims);

  // Pads x up to `to` along the dims where it is smaller, with `value`.
  static Tensor pad(const Tensor& x, const Shape& to, double value);
  // Real extents that the plans rely on: tied dims agree, no padded dim is shorter than needed.
  void check_extents(const std::vector<Tensor>& inputs) const;
  // Cuts the padding off output o: along each dim that follows padded input dims, down to the
  // inputs' real extent there.
  static Tensor unpad(const Tensor& y, const Plan& p, std::size_t o,
                      const std::vector<Tensor>& real);

  std::vector<Tensor> run_buckets(const std::vector<Tensor>& inputs) const;

  std::vector<Tensor> run_dynamic_batch(const std::vector<Tensor>& inputs) const;

  std::shared_ptr<ModuleData> d_;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "traced_module-inl.hpp"
#endif
