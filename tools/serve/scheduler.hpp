// Scheduler: one model version's bounded request queue and the instance threads that run it.
// With dynamic batching on, an instance takes the oldest request and merges every queued request
// that fits with it (batch_merge.hpp), up to max_batch_size rows, waiting at most
// max_queue_delay_us from the oldest request's arrival unless the batch is full or has a
// preferred size. It then runs the longest prefix of the batch whose rows are a size the module
// runs without padding rows (a bucket's batch, a multiple of a dynamic batch's chunk) or a
// preferred size, and puts the rest back at the head of the queue: five queued requests on
// buckets {1, 2, 4, 8} run as 4 + 1, not padded to 8. Requests that cannot share a call run
// alone. All instances share one TracedModule (one copy of the weights; each call gets its own
// scratch arena).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model_config.hpp"
#include "model_signature.hpp"
#include "server_metrics.hpp"

namespace neuron::serve {

using Clock = std::chrono::steady_clock;

struct BatchPolicy {
  std::int64_t max_batch_size = 0;  // rows; <= 1: no merging
  std::chrono::microseconds max_queue_delay{0};
  std::vector<std::int64_t> preferred_batch_sizes;
  // Row counts a call runs without padding, and the preferred sizes; ascending. Empty: any.
  std::vector<std::int64_t> dispatch_sizes;
  int instances = 1;
  std::int64_t max_queue_size = 64;
  bool merging() const { return max_batch_size > 1; }
};

// The policy a model gets from its config (merging only when the signature allows it).
BatchPolicy batch_policy(const ModelConfig& c, const Signature& sig, const ModuleData& d);

class Scheduler {
 public:
  Scheduler(TracedModule module, Signature sig, BatchPolicy policy, ModelMetrics metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request (inputs checked by order_inputs). The future holds its outputs, or a
  // ServeError. Throws ServeError: resource_exhausted when the queue is full, unavailable once
  // stopping.
  std::future<std::vector<Tensor>> submit(std::vector<Tensor> inputs, Clock::time_point deadline);

  // Refuses new requests, answers every queued one, joins the instances. Idempotent.
  void stop();

  const BatchPolicy& policy() const { return policy_; }

 private:
  struct Job {
    std::vector<Tensor> inputs;
    Clock::time_point enqueued, deadline;
    std::promise<std::vector<Tensor>> result;
  };
  using JobPtr = std::unique_ptr<Job>;

  void instance_loop();
  std::vector<JobPtr> next_batch(std::unique_lock<std::mutex>& lock);
  void fail_expired();
  void run(std::vector<JobPtr>& batch);
  bool preferred(std::int64_t rows) const;
  // Keeps the longest prefix of `batch` whose rows are a dispatch size; the rest goes back to
  // the head of the queue, in order.
  void trim(std::vector<JobPtr>& batch);

  TracedModule module_;
  Signature sig_;
  BatchPolicy policy_;
  ModelMetrics metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<JobPtr> queue_;
  bool stopping_ = false;
  std::vector<std::thread> instances_;
};

}  // namespace neuron::serve
