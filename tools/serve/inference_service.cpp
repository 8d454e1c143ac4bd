#include "inference_service.hpp"

#include <neuron/version.hpp>

#include "serve_error.hpp"

namespace neuron::serve {

namespace {

// Counts a request in flight while it lives.
struct InFlight {
  prometheus::Gauge* g;
  explicit InFlight(prometheus::Gauge* gauge) : g(gauge) { g->Increment(); }
  ~InFlight() { g->Decrement(); }
};

std::vector<NamedTensor> select_outputs(const ServedModel& m, std::vector<Tensor> out,
                                        const std::vector<std::string>& requested) {
  const auto& infos = m.signature().outputs;
  std::vector<NamedTensor> all;
  for (std::size_t o = 0; o < out.size() && o < infos.size(); ++o)
    all.emplace_back(infos[o].name, std::move(out[o]));
  if (requested.empty()) return all;
  std::vector<NamedTensor> picked;
  for (const std::string& name : requested)
    for (NamedTensor& t : all)
      if (t.first == name) picked.push_back(t);
  return picked;
}

void check_requested(const ServedModel& m, const std::vector<std::string>& requested) {
  const auto& infos = m.signature().outputs;
  for (std::size_t i = 0; i < requested.size(); ++i) {
    bool known = false;
    for (const TensorInfo& t : infos) known = known || t.name == requested[i];
    if (!known) {
      std::string names;
      for (const TensorInfo& t : infos) names += (names.empty() ? "'" : ", '") + t.name + "'";
      fail(Status::invalid_argument, "unknown output '", requested[i],
           "' requested; the model's outputs are ", names);
    }
    for (std::size_t k = 0; k < i; ++k)
      if (requested[k] == requested[i])
        fail(Status::invalid_argument, "output '", requested[i], "' is requested twice");
  }
}

}  // namespace

InferenceService::InferenceService(ModelRepository& repo, ServerMetrics& metrics, ServiceOptions o)
    : repo_(repo), metrics_(metrics), opts_(o) {}

std::string InferenceService::server_version() { return neuron::version_string; }

std::vector<std::string> InferenceService::extensions() {
  return {"binary_tensor_data", "model_repository", "statistics_prometheus"};
}

InferResult InferenceService::infer(InferRequest r) {
  if (stopping_) fail(Status::unavailable, "the server is shutting down");
  const Clock::time_point start = Clock::now();
  std::shared_ptr<ServedModel> m = repo_.find(r.model, r.version);
  const ModelMetrics& mm = m->metrics();
  InFlight counted(mm.in_flight);
  try {
    check_requested(*m, r.outputs);
    std::vector<Tensor> inputs = order_inputs(m->module(), m->signature(), std::move(r.inputs));
    const Clock::time_point deadline = std::min(r.deadline, default_deadline());
    std::future<std::vector<Tensor>> f = m->scheduler().submit(std::move(inputs), deadline);
    if (f.wait_until(deadline) != std::future_status::ready)
      fail(Status::deadline_exceeded, "the request timed out after ",
           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(),
           " ms");
    InferResult out{m->name(), m->version(), r.id, select_outputs(*m, f.get(), r.outputs)};
    mm.success->Increment();
    mm.request_us->Observe(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    return out;
  } catch (...) {
    mm.failure->Increment();
    throw;
  }
}

}  // namespace neuron::serve
