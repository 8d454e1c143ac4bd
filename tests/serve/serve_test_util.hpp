// An in-process neuron-serve for the tests: the repository that neuron_make_serve_repository
// wrote (NEURON_SERVE_REPO), the REST and gRPC front ends on free loopback ports.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <neuron/runtime.hpp>

#include "grpc_frontend.hpp"
#include "http_frontend.hpp"

namespace serve_test {

inline std::string repo_dir() {
  const char* d = std::getenv("NEURON_SERVE_REPO");
  REQUIRE_MESSAGE(d, "NEURON_SERVE_REPO is not set: run through ctest (make_serve_repository)");
  return d;
}

inline neuron::Tensor expected(const std::string& name) {
  return neuron::load_npy(repo_dir() + "/expected/" + name);
}

struct Server {
  neuron::serve::ServerMetrics metrics;
  neuron::serve::ModelRepository repo;
  neuron::serve::InferenceService service;
  std::unique_ptr<neuron::serve::HttpFrontend> http;
  std::unique_ptr<neuron::serve::GrpcFrontend> grpc;
  std::thread http_thread;
  int http_port = 0, grpc_port = 0;

  explicit Server(neuron::serve::HttpOptions ho = {}, neuron::serve::ServiceOptions so = {},
                  std::vector<std::string> models = {"mlp", "tagger", "broken"})
      : repo(repo_dir() + "/models", metrics), service(repo, metrics, so) {
    ho.port = 0;
    http = std::make_unique<neuron::serve::HttpFrontend>(service, ho);
    http_port = http->bind();
    http_thread = std::thread([this] { http->serve(); });
    neuron::serve::GrpcOptions go;
    go.port = 0;
    grpc = std::make_unique<neuron::serve::GrpcFrontend>(service, go);
    grpc_port = grpc->start();
    repo.load_all(models);
    service.set_started();
  }
  ~Server() { stop(); }
  void stop() {
    service.set_stopping();
    if (http) http->stop();
    if (grpc) grpc->stop(std::chrono::seconds(5));
    if (http_thread.joinable()) http_thread.join();
    repo.stop_all();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", http_port);
    c.set_read_timeout(60, 0);
    return c;
  }
};

// {"inputs": [{"name": name, "datatype": "FP32", "shape": shape, "data": [...]}]}
inline nlohmann::json json_input(const std::string& name, const neuron::Tensor& t) {
  nlohmann::json data = nlohmann::json::array();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (t.dtype() == neuron::float32)
      data.push_back(t.data<float>()[i]);
    else
      data.push_back(t.data<std::int64_t>()[i]);
  }
  return {{"name", name},
          {"datatype", t.dtype() == neuron::float32 ? "FP32" : "INT64"},
          {"shape", t.shape().vec()},
          {"data", data}};
}

// The floats of a JSON response's output `o`.
inline std::vector<float> json_floats(const nlohmann::json& resp, std::size_t o = 0) {
  return resp.at("outputs").at(o).at("data").get<std::vector<float>>();
}

inline std::vector<float> floats(const neuron::Tensor& t) {
  return {t.data<float>(), t.data<float>() + t.numel()};
}

}  // namespace serve_test
