#include "serve_error.hpp"

namespace neuron::serve {

int http_status(Status s) {
  switch (s) {
    case Status::invalid_argument:
      return 400;
    case Status::not_found:
      return 404;
    case Status::unavailable:
      return 503;
    case Status::resource_exhausted:
      return 429;
    case Status::deadline_exceeded:
      return 504;
    case Status::internal:
      return 500;
  }
  return 500;
}

}  // namespace neuron::serve
