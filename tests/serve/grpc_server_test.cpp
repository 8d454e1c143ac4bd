// The gRPC front end, in-process on a free loopback port, through a stub generated from the same
// proto: raw and typed contents, status codes for bad input, repository calls.
#include <doctest/doctest.h>

#include <grpcpp/grpcpp.h>

#include "grpc_predict_v2.grpc.pb.h"
#include "serve_test_util.hpp"

using serve_test::Server;

namespace {

std::unique_ptr<inference::GRPCInferenceService::Stub> stub(const Server& s) {
  return inference::GRPCInferenceService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(s.grpc_port), grpc::InsecureChannelCredentials()));
}

inference::ModelInferRequest mlp_request(const neuron::Tensor& x, bool raw) {
  inference::ModelInferRequest req;
  req.set_model_name("mlp");
  req.set_id("g-1");
  auto* in = req.add_inputs();
  in->set_name("input_0");
  in->set_datatype("FP32");
  for (std::int64_t d : x.shape()) in->add_shape(d);
  if (raw)
    req.add_raw_input_contents(std::string(static_cast<const char*>(x.raw_data()), x.nbytes()));
  else
    for (std::int64_t i = 0; i < x.numel(); ++i)
      in->mutable_contents()->add_fp32_contents(x.data<float>()[i]);
  return req;
}

std::vector<float> raw_floats(const inference::ModelInferResponse& r) {
  const std::string& b = r.raw_output_contents(0);
  std::vector<float> out(b.size() / sizeof(float));
  std::memcpy(out.data(), b.data(), b.size());
  return out;
}

grpc::Status infer(const Server& s, const inference::ModelInferRequest& req,
                   inference::ModelInferResponse& resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return stub(s)->ModelInfer(&ctx, req, &resp);
}

}  // namespace

TEST_CASE("serve gRPC: infer with raw and typed contents") {
  Server s;
  const neuron::Tensor x = serve_test::expected("mlp_x.npy");
  const auto want = serve_test::floats(serve_test::expected("mlp_v2_y.npy"));
  for (bool raw : {true, false}) {
    inference::ModelInferResponse resp;
    grpc::Status st = infer(s, mlp_request(x, raw), resp);
    REQUIRE_MESSAGE(st.ok(), st.error_message());
    CHECK(resp.id() == "g-1");
    CHECK(resp.model_version() == "2");
    CHECK(resp.outputs(0).shape_size() == 2);
    CHECK(raw_floats(resp) == want);
  }
}

TEST_CASE("serve gRPC: bad input gets INVALID_ARGUMENT, NOT_FOUND or UNAVAILABLE with a reason") {
  Server s;
  const neuron::Tensor x = serve_test::expected("mlp_x.npy");
  auto expect = [&](inference::ModelInferRequest req, grpc::StatusCode code,
                    const std::string& part) {
    inference::ModelInferResponse resp;
    grpc::Status st = infer(s, req, resp);
    CHECK(st.error_code() == code);
    CHECK_MESSAGE(st.error_message().find(part) != std::string::npos,
                  "'" << st.error_message() << "' lacks '" << part << "'");
  };
  auto req = mlp_request(x, true);
  req.mutable_raw_input_contents(0)->resize(100);
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "input 'input_0': 100 bytes of data");
  req = mlp_request(x, true);
  req.add_raw_input_contents("extra");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "raw_input_contents has 2 entries");
  req = mlp_request(x, false);
  req.mutable_inputs(0)->mutable_contents()->mutable_fp32_contents()->RemoveLast();
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "fp32_contents has 2351 elements");
  req = mlp_request(x, true);
  req.mutable_inputs(0)->set_datatype("BF16");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "datatype BF16 is not supported");
  req = mlp_request(x, true);
  req.mutable_inputs(0)->set_name("image");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "unknown input 'image'");
  req = mlp_request(x, true);
  req.set_model_name("nope");
  expect(req, grpc::StatusCode::NOT_FOUND, "unknown model 'nope'");
  req.set_model_name("../mlp");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, "is not allowed");
  req.set_model_name("broken");
  expect(req, grpc::StatusCode::UNAVAILABLE, "failed to load");
}

TEST_CASE("serve gRPC: health, metadata and the repository") {
  Server s;
  auto st = stub(s);
  {
    grpc::ClientContext ctx;
    inference::ServerReadyResponse r;
    REQUIRE(st->ServerReady(&ctx, {}, &r).ok());
    CHECK(r.ready());
  }
  {
    grpc::ClientContext ctx;
    inference::ModelMetadataRequest req;
    req.set_name("tagger");
    inference::ModelMetadataResponse r;
    REQUIRE(st->ModelMetadata(&ctx, req, &r).ok());
    CHECK(r.inputs(0).name() == "input_ids");
    CHECK(r.inputs(0).datatype() == "INT64");
    CHECK(r.outputs(0).shape_size() == 3);
  }
  {
    grpc::ClientContext ctx;
    inference::RepositoryModelUnloadRequest req;
    req.set_model_name("tagger");
    inference::RepositoryModelUnloadResponse r;
    REQUIRE(st->RepositoryModelUnload(&ctx, req, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    inference::ModelReadyRequest req;
    req.set_name("tagger");
    inference::ModelReadyResponse r;
    REQUIRE(st->ModelReady(&ctx, req, &r).ok());
    CHECK_FALSE(r.ready());
  }
  {
    grpc::ClientContext ctx;
    inference::RepositoryModelLoadRequest req;
    req.set_model_name("tagger");
    inference::RepositoryModelLoadResponse r;
    REQUIRE(st->RepositoryModelLoad(&ctx, req, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    inference::RepositoryModelLoadRequest req;
    req.set_model_name("absent");
    inference::RepositoryModelLoadResponse r;
    CHECK(st->RepositoryModelLoad(&ctx, req, &r).error_code() == grpc::StatusCode::NOT_FOUND);
  }
}
