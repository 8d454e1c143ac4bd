// neuron-serve: serves the traced modules of a model repository over the Open Inference
// Protocol (KServe v2), REST and gRPC. See tools/serve/README.md.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include <neuron/core/threads.hpp>

#include "grpc_frontend.hpp"
#include "http_frontend.hpp"

namespace serve = neuron::serve;

namespace {

struct Args {
  std::string repository, host = "127.0.0.1", port_file;
  int http_port = 8000, grpc_port = 8001, http_threads = 64, threads = 0;
  std::vector<std::string> models;
  std::size_t max_request_bytes = 64u << 20;
  int request_timeout_ms = 30000, shutdown_grace_s = 30;
};

void parse(CLI::App& app, Args& a) {
  app.add_option("--model-repository", a.repository,
                 "Folder of models: <name>/<version>/model.neuron (or model.onnx), optional "
                 "<name>/config.json")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--http-port", a.http_port, "REST port; 0 picks a free one, -1 disables REST")
      ->capture_default_str()
      ->check(CLI::Range(-1, 65535));
  app.add_option("--grpc-port", a.grpc_port, "gRPC port; 0 picks a free one, -1 disables gRPC")
      ->capture_default_str()
      ->check(CLI::Range(-1, 65535));
  app.add_option("--host", a.host, "Address to listen on (0.0.0.0: every interface)")
      ->capture_default_str();
  app.add_option("--port-file", a.port_file,
                 "Write {\"http\": port, \"grpc\": port} here once listening");
  app.add_option("--model", a.models, "Load only this model (repeatable); default: all");
  app.add_option("--http-threads", a.http_threads,
                 "REST connections served at once (keep-alive holds one each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--threads", a.threads, "Threads per model call (default: all cores)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--max-request-bytes", a.max_request_bytes,
                 "Largest request body (REST) or message (gRPC)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 31));
  app.add_option("--request-timeout-ms", a.request_timeout_ms,
                 "Longest a request waits and runs unless the client asks for less")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  app.add_option("--shutdown-grace-s", a.shutdown_grace_s,
                 "On SIGTERM/SIGINT, how long calls under way may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
}

void write_port_file(const std::string& path, int http, int grpc) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"http\": " << http << ", \"grpc\": " << grpc << "}\n";
    if (!out) throw neuron::IOError("cannot write the port file " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw neuron::IOError("cannot write the port file " + path);
}

int run(const Args& a, const sigset_t& stop_signals) {
  if (a.threads > 0) neuron::set_num_threads(a.threads);
  serve::ServerMetrics metrics;
  serve::ModelRepository repo(a.repository, metrics);
  serve::ServiceOptions so;
  so.request_timeout = std::chrono::milliseconds(a.request_timeout_ms);
  serve::InferenceService service(repo, metrics, so);

  std::unique_ptr<serve::HttpFrontend> http;
  std::unique_ptr<serve::GrpcFrontend> grpc;
  std::thread http_thread;
  int http_port = -1, grpc_port = -1;
  if (a.http_port >= 0) {
    serve::HttpOptions ho;
    ho.host = a.host;
    ho.port = a.http_port;
    ho.threads = a.http_threads;
    ho.max_request_bytes = a.max_request_bytes;
    http = std::make_unique<serve::HttpFrontend>(service, ho);
    http_port = http->bind();
    http_thread = std::thread([&] { http->serve(); });
    std::cout << "neuron-serve: HTTP on " << a.host << ":" << http_port << std::endl;
  }
  if (a.grpc_port >= 0) {
    serve::GrpcOptions go;
    go.host = a.host;
    go.port = a.grpc_port;
    go.max_request_bytes = a.max_request_bytes;
    grpc = std::make_unique<serve::GrpcFrontend>(service, go);
    grpc_port = grpc->start();
    std::cout << "neuron-serve: gRPC on " << a.host << ":" << grpc_port << std::endl;
  }
  if (!a.port_file.empty()) write_port_file(a.port_file, http_port, grpc_port);

  repo.load_all(a.models);
  service.set_started();
  std::cout << "neuron-serve: ready" << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << "neuron-serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": finishing requests under way" << std::endl;
  service.set_stopping();  // readiness false; new requests get 503 / UNAVAILABLE
  if (http) http->stop();
  if (grpc) grpc->stop(std::chrono::seconds(a.shutdown_grace_s));
  if (http_thread.joinable()) http_thread.join();  // its workers answer what they hold
  repo.stop_all();
  std::cout << "neuron-serve: stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "neuron-serve: traced neuron modules over the Open Inference Protocol (KServe v2, "
      "REST and gRPC)"};
  Args a;
  parse(app, a);
  CLI11_PARSE(app, argc, argv);
  // SIGTERM and SIGINT are taken by sigwait in the main thread: blocked before any thread
  // starts, so every thread inherits the mask. A closed connection must not kill the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  try {
    return run(a, stop_signals);
  } catch (const std::exception& e) {
    std::cerr << "neuron-serve: " << e.what() << "\n";
    return 1;
  }
}
