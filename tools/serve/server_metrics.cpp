#include "server_metrics.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace neuron::serve {

namespace {

template <class Builder>
auto& family(Builder b, const char* name, const char* help, prometheus::Registry& r) {
  return b.Name(name).Help(help).Register(r);
}

// Microseconds: 50 us to 60 s, about 3 buckets per decade.
const prometheus::Histogram::BucketBoundaries& time_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      50,    100,    200,    500,    1000,    2000,    5000,    10000,    20000,
      50000, 100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000, 60000000};
  return b;
}

const prometheus::Histogram::BucketBoundaries& size_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  return b;
}

}  // namespace

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      success_(family(prometheus::BuildCounter(), "neuron_inference_request_success_total",
                      "Inference requests answered with outputs", *registry_)),
      failure_(family(prometheus::BuildCounter(), "neuron_inference_request_failure_total",
                      "Inference requests answered with an error (bad input, timeout, queue "
                      "full, model failure)",
                      *registry_)),
      executions_(family(prometheus::BuildCounter(), "neuron_inference_exec_total",
                         "Model calls; a dynamic batch of several requests is one", *registry_)),
      request_us_(family(prometheus::BuildHistogram(), "neuron_request_duration_us",
                         "Per request: from the decoded request to its outputs, microseconds",
                         *registry_)),
      queue_us_(family(prometheus::BuildHistogram(), "neuron_queue_duration_us",
                       "Per request: time waiting for an instance, microseconds", *registry_)),
      compute_us_(family(prometheus::BuildHistogram(), "neuron_compute_duration_us",
                         "Per model call: merge, run and split, microseconds", *registry_)),
      batch_size_(family(prometheus::BuildHistogram(), "neuron_batch_size",
                         "Per model call: rows (dim 0) run together", *registry_)),
      batch_requests_(family(prometheus::BuildHistogram(), "neuron_batch_requests",
                             "Per model call: requests merged into it", *registry_)),
      in_flight_(family(prometheus::BuildGauge(), "neuron_requests_in_flight",
                        "Requests received and not yet answered", *registry_)),
      queue_length_(family(prometheus::BuildGauge(), "neuron_queue_length",
                           "Requests waiting for an instance", *registry_)) {}

ModelMetrics ServerMetrics::model(const std::string& name, const std::string& version) {
  const prometheus::Labels l = {{"model", name}, {"version", version}};
  ModelMetrics m;
  m.success = &success_.Add(l);
  m.failure = &failure_.Add(l);
  m.executions = &executions_.Add(l);
  m.request_us = &request_us_.Add(l, time_buckets());
  m.queue_us = &queue_us_.Add(l, time_buckets());
  m.compute_us = &compute_us_.Add(l, time_buckets());
  m.batch_size = &batch_size_.Add(l, size_buckets());
  m.batch_requests = &batch_requests_.Add(l, size_buckets());
  m.in_flight = &in_flight_.Add(l);
  m.queue_length = &queue_length_.Add(l);
  return m;
}

std::string ServerMetrics::text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace neuron::serve
