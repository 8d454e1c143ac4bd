// The REST front end (cpp-httplib, Debian's libcpp-httplib): the Open Inference Protocol's
// endpoints as Triton serves them, the repository extension, and /metrics.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "inference_service.hpp"

namespace httplib {
class Server;
}

namespace neuron::serve {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8000;   // 0: a free port
  int threads = 64;  // connections served at once (keep-alive holds one per connection)
  std::size_t max_request_bytes = 64u << 20;
  int read_timeout_s = 30;  // a client that stalls mid-request is dropped
  // An idle keep-alive connection closes after this; it also bounds how long a stop waits for
  // idle connections (cpp-httplib checks for the stop only between requests).
  int keep_alive_timeout_s = 5;
};

class HttpFrontend {
 public:
  HttpFrontend(InferenceService& service, HttpOptions o);
  ~HttpFrontend();
  // Binds; returns the port (useful when asked for 0). Throws IOError when it cannot bind.
  int bind();
  // Serves until stop(); returns after in-flight requests are answered.
  void serve();
  // Stops accepting; connections finish their current request.
  void stop();

 private:
  void routes();
  InferenceService& service_;
  HttpOptions opts_;
  std::unique_ptr<httplib::Server> server_;
  int listen_fd_ = -1;
  static constexpr int kListenBacklog = 1024;
};

}  // namespace neuron::serve
