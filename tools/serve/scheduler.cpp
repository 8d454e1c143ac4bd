#include "scheduler.hpp"

#include <algorithm>
#include <new>

#include "batch_merge.hpp"
#include "serve_error.hpp"

namespace neuron::serve {

namespace {

double micros_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

// The error a request gets when its call throws.
std::exception_ptr as_serve_error(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const ServeError&) {
    return std::current_exception();
  } catch (const std::bad_alloc&) {
    return std::make_exception_ptr(ServeError(Status::internal, "the model ran out of memory"));
  } catch (const neuron::Error& err) {
    // Inputs were checked before queueing, so what the model refuses is in their values
    // (an embedding id out of range, ...).
    return std::make_exception_ptr(ServeError(Status::invalid_argument, err.what()));
  } catch (const std::exception& err) {
    return std::make_exception_ptr(ServeError(Status::internal, err.what()));
  }
}

}  // namespace

namespace {

std::int64_t rows_of(const std::vector<Tensor>& inputs) {
  return inputs.empty() || inputs[0].rank() == 0 ? 1 : inputs[0].shape()[0];
}

// Row counts one call of the module runs without padding rows, up to `max`.
std::vector<std::int64_t> unpadded_sizes(const ModuleData& d, std::int64_t max) {
  std::vector<std::int64_t> out;
  if (d.plans.empty() || d.plans[0].inputs.empty() || d.plans[0].inputs[0].shape.rank() == 0)
    return out;
  if (d.mode == TraceMode::buckets) {
    for (const Plan& p : d.plans) out.push_back(p.inputs[0].shape[0]);
  } else if (d.mode == TraceMode::dynamic_batch) {
    const std::int64_t chunk = d.plans[0].inputs[0].shape[0];
    if (chunk > 1)  // chunk 1: every size runs unpadded
      for (std::int64_t r = chunk; r <= max; r += chunk) out.push_back(r);
  }
  return out;
}

}  // namespace

BatchPolicy batch_policy(const ModelConfig& c, const Signature& sig, const ModuleData& d) {
  BatchPolicy p;
  p.max_batch_size = c.max_batch_size >= 0 ? c.max_batch_size : (sig.batchable ? 16 : 0);
  if (!sig.batchable) p.max_batch_size = 0;
  p.max_batch_size = std::min(p.max_batch_size, sig.max_call_rows);
  p.max_queue_delay = std::chrono::microseconds(c.max_queue_delay_us);
  p.preferred_batch_sizes = c.preferred_batch_sizes;
  p.instances = c.instances;
  p.max_queue_size = c.max_queue_size;
  p.dispatch_sizes = unpadded_sizes(d, p.max_batch_size);
  if (!p.dispatch_sizes.empty() || !p.preferred_batch_sizes.empty()) {
    for (std::int64_t b : p.preferred_batch_sizes) p.dispatch_sizes.push_back(b);
    std::sort(p.dispatch_sizes.begin(), p.dispatch_sizes.end());
    p.dispatch_sizes.erase(std::unique(p.dispatch_sizes.begin(), p.dispatch_sizes.end()),
                           p.dispatch_sizes.end());
  }
  return p;
}

Scheduler::Scheduler(TracedModule module, Signature sig, BatchPolicy policy, ModelMetrics metrics)
    : module_(std::move(module)),
      sig_(std::move(sig)),
      policy_(std::move(policy)),
      metrics_(metrics) {
  for (int i = 0; i < policy_.instances; ++i) instances_.emplace_back([this] { instance_loop(); });
}

Scheduler::~Scheduler() { stop(); }

std::future<std::vector<Tensor>> Scheduler::submit(std::vector<Tensor> inputs,
                                                   Clock::time_point deadline) {
  auto job = std::make_unique<Job>();
  job->inputs = std::move(inputs);
  job->enqueued = Clock::now();
  job->deadline = deadline;
  std::future<std::vector<Tensor>> f = job->result.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) fail(Status::unavailable, "the model is being unloaded or the server stops");
    if (static_cast<std::int64_t>(queue_.size()) >= policy_.max_queue_size)
      fail(Status::resource_exhausted, "the model's queue is full (", policy_.max_queue_size,
           " requests waiting); retry later");
    queue_.push_back(std::move(job));
    metrics_.queue_length->Set(static_cast<double>(queue_.size()));
  }
  cv_.notify_one();
  return f;
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : instances_)
    if (t.joinable()) t.join();
}

bool Scheduler::preferred(std::int64_t rows) const {
  const auto& p = policy_.preferred_batch_sizes;
  return rows >= policy_.max_batch_size || std::find(p.begin(), p.end(), rows) != p.end();
}

void Scheduler::trim(std::vector<JobPtr>& batch) {
  const auto& sizes = policy_.dispatch_sizes;
  if (sizes.empty() || batch.size() < 2) return;
  std::size_t keep = 0;
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    rows += rows_of(batch[i]->inputs);
    if (std::binary_search(sizes.begin(), sizes.end(), rows)) keep = i + 1;
  }
  if (keep == 0 || keep == batch.size()) return;  // no better cut: run them all
  for (std::size_t i = batch.size(); i-- > keep;) queue_.push_front(std::move(batch[i]));
  batch.resize(keep);
}

void Scheduler::fail_expired() {
  const Clock::time_point now = Clock::now();
  for (auto it = queue_.begin(); it != queue_.end();) {
    if ((*it)->deadline > now) {
      ++it;
      continue;
    }
    (*it)->result.set_exception(std::make_exception_ptr(ServeError(
        Status::deadline_exceeded,
        "the request timed out after waiting " +
            std::to_string(static_cast<long long>(micros_since((*it)->enqueued) / 1000)) +
            " ms in the model's queue")));
    it = queue_.erase(it);
  }
}

std::vector<Scheduler::JobPtr> Scheduler::next_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<JobPtr> batch;
  cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  fail_expired();
  if (queue_.empty()) return batch;
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  if (!policy_.merging()) return batch;
  BatchShape shape(batch[0]->inputs);
  if (shape.rows() >= policy_.max_batch_size) return batch;
  const Clock::time_point until = batch[0]->enqueued + policy_.max_queue_delay;
  for (;;) {
    for (auto it = queue_.begin(); it != queue_.end() && shape.rows() < policy_.max_batch_size;) {
      if (shape.try_add((*it)->inputs, module_.data(), policy_.max_batch_size)) {
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    if (preferred(shape.rows()) || stopping_ || Clock::now() >= until) break;
    cv_.wait_until(lock, until);  // more requests may arrive
    fail_expired();
  }
  trim(batch);
  return batch;
}

void Scheduler::instance_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::vector<JobPtr> batch = next_batch(lock);
    metrics_.queue_length->Set(static_cast<double>(queue_.size()));
    if (batch.empty()) {
      if (stopping_ && queue_.empty()) return;
      continue;
    }
    if (!queue_.empty()) cv_.notify_one();  // another instance may take what did not fit
    lock.unlock();
    run(batch);
    lock.lock();
  }
}

void Scheduler::run(std::vector<JobPtr>& batch) {
  const Clock::time_point start = Clock::now();
  std::int64_t rows = 0;
  RequestInputs inputs;
  for (const JobPtr& j : batch) {
    metrics_.queue_us->Observe(micros_since(j->enqueued));
    rows += rows_of(j->inputs);
    inputs.push_back(&j->inputs);
  }
  const ModuleData& d = module_.data();
  bool done = false;
  try {
    if (batch.size() == 1) {
      batch[0]->result.set_value(module_.forward(batch[0]->inputs));
    } else {
      BatchShape shape(batch[0]->inputs);
      for (std::size_t i = 1; i < batch.size(); ++i) shape.try_add(batch[i]->inputs, d, INT64_MAX);
      std::vector<Tensor> out = module_.forward(merge_inputs(d, shape, inputs));
      std::vector<std::vector<Tensor>> parts = split_outputs(d, sig_, out, inputs);
      for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i]->result.set_value(std::move(parts[i]));
    }
    done = true;
  } catch (...) {
    if (batch.size() == 1) {
      batch[0]->result.set_exception(as_serve_error(std::current_exception()));
      done = true;
    }
  }
  if (!done) {
    // The merged call failed: each request runs alone, so only the one at fault gets the error.
    for (JobPtr& j : batch) {
      try {
        j->result.set_value(module_.forward(j->inputs));
      } catch (...) {
        j->result.set_exception(as_serve_error(std::current_exception()));
      }
    }
  }
  metrics_.compute_us->Observe(micros_since(start));
  metrics_.executions->Increment();
  metrics_.batch_size->Observe(static_cast<double>(rows));
  metrics_.batch_requests->Observe(static_cast<double>(batch.size()));
}

}  // namespace neuron::serve
