// ServeError: a failed request, with the status both front ends map it to (HTTP code, gRPC code).
// The message is what the client reads in {"error": "..."} or the gRPC status details.
#pragma once

#include <stdexcept>
#include <string>

#include <neuron/core/error.hpp>

namespace neuron::serve {

enum class Status {
  invalid_argument,    // HTTP 400, gRPC INVALID_ARGUMENT: the request is wrong
  not_found,           // HTTP 404, gRPC NOT_FOUND: no such model or version
  unavailable,         // HTTP 503, gRPC UNAVAILABLE: not loaded, not ready, shutting down
  resource_exhausted,  // HTTP 429, gRPC RESOURCE_EXHAUSTED: the model's queue is full
  deadline_exceeded,   // HTTP 504, gRPC DEADLINE_EXCEEDED: timed out in the queue
  internal,            // HTTP 500, gRPC INTERNAL: the model failed on valid input
};

int http_status(Status s);

class ServeError : public std::runtime_error {
 public:
  ServeError(Status s, const std::string& what) : std::runtime_error(what), status_(s) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

template <class... Parts>
[[noreturn]] void fail(Status s, const Parts&... parts) {
  throw ServeError(s, neuron::detail::cat(parts...));
}

}  // namespace neuron::serve
