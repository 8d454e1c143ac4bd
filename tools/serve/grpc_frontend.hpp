// The gRPC front end (Debian's libgrpc++): inference.GRPCInferenceService from
// grpc_predict_v2.proto on a synchronous gRPC server.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "inference_service.hpp"

namespace grpc {
class Server;
}

namespace neuron::serve {

struct GrpcOptions {
  std::string host = "127.0.0.1";
  int port = 8001;  // 0: a free port
  std::size_t max_request_bytes = 64u << 20;
};

class GrpcFrontend {
 public:
  GrpcFrontend(InferenceService& service, GrpcOptions o);
  ~GrpcFrontend();
  // Starts serving; returns the port. Throws IOError when it cannot bind.
  int start();
  // Stops accepting and waits (up to `grace`) for calls under way.
  void stop(std::chrono::milliseconds grace);

 private:
  class Service;
  InferenceService& service_;
  GrpcOptions opts_;
  std::unique_ptr<Service> impl_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace neuron::serve
