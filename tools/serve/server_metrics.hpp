// Prometheus metrics per model and version (prometheus-cpp's core library; the text exposition
// format at /metrics): requests succeeded and failed, request, queue and compute time
// (histograms, microseconds), batch sizes, requests in flight, queue length.
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace neuron::serve {

// One model version's series. Every member is thread-safe (prometheus-cpp's metrics are).
struct ModelMetrics {
  prometheus::Counter* success = nullptr;
  prometheus::Counter* failure = nullptr;
  prometheus::Counter* executions = nullptr;        // model calls (a batch is one)
  prometheus::Histogram* request_us = nullptr;      // arrival to response, per request
  prometheus::Histogram* queue_us = nullptr;        // queued until its call starts, per request
  prometheus::Histogram* compute_us = nullptr;      // per call
  prometheus::Histogram* batch_size = nullptr;      // rows per call
  prometheus::Histogram* batch_requests = nullptr;  // requests per call
  prometheus::Gauge* in_flight = nullptr;           // received, not yet answered
  prometheus::Gauge* queue_length = nullptr;        // waiting for an instance
};

class ServerMetrics {
 public:
  ServerMetrics();
  // The series of (model, version), made on first use; the same pointers afterwards.
  ModelMetrics model(const std::string& name, const std::string& version);
  std::string text() const;  // Prometheus text format 0.0.4

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& success_;
  prometheus::Family<prometheus::Counter>& failure_;
  prometheus::Family<prometheus::Counter>& executions_;
  prometheus::Family<prometheus::Histogram>& request_us_;
  prometheus::Family<prometheus::Histogram>& queue_us_;
  prometheus::Family<prometheus::Histogram>& compute_us_;
  prometheus::Family<prometheus::Histogram>& batch_size_;
  prometheus::Family<prometheus::Histogram>& batch_requests_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Gauge>& queue_length_;
};

}  // namespace neuron::serve
