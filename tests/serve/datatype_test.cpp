#include <doctest/doctest.h>

#include "datatype.hpp"
#include "serve_error.hpp"

namespace serve = neuron::serve;

TEST_CASE("serve: every neuron dtype has a protocol datatype and back") {
  for (neuron::DType d : neuron::all_dtypes)
    CHECK(serve::dtype_from_datatype(serve::datatype_name(d), "x") == d);
}

TEST_CASE("serve: a datatype neuron lacks is a 400 that says so") {
  try {
    serve::dtype_from_datatype("UINT8", "input 'x'");
    FAIL("no error");
  } catch (const serve::ServeError& e) {
    CHECK(e.status() == serve::Status::invalid_argument);
    CHECK(serve::http_status(e.status()) == 400);
    CHECK(std::string(e.what()).find("input 'x': datatype UINT8 is not supported") !=
          std::string::npos);
  }
  CHECK_THROWS_AS(serve::dtype_from_datatype("FLOAT", "x"), serve::ServeError);
}
