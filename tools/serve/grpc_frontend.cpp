#include "grpc_frontend.hpp"

#include <grpcpp/grpcpp.h>

#include "datatype.hpp"
#include "grpc_codec.hpp"
#include "grpc_predict_v2.grpc.pb.h"
#include "serve_error.hpp"

namespace neuron::serve {

namespace {

grpc::StatusCode grpc_code(Status s) {
  switch (s) {
    case Status::invalid_argument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Status::not_found:
      return grpc::StatusCode::NOT_FOUND;
    case Status::unavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Status::resource_exhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Status::deadline_exceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Status::internal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

// Runs a handler; exceptions become the matching gRPC status with the message.
template <class F>
grpc::Status guarded(F&& f) {
  try {
    f();
    return grpc::Status::OK;
  } catch (const ServeError& e) {
    return {grpc_code(e.status()), e.what()};
  } catch (const neuron::Error& e) {
    return {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
  } catch (const std::bad_alloc&) {
    return {grpc::StatusCode::INTERNAL, "out of memory"};
  } catch (const std::exception& e) {
    return {grpc::StatusCode::INTERNAL, e.what()};
  }
}

void set_tensors(
    const std::vector<TensorInfo>& infos,
    google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>* out) {
  for (const TensorInfo& t : infos) {
    auto* m = out->Add();
    m->set_name(t.name);
    m->set_datatype(datatype_name(t.dtype));
    for (std::int64_t d : t.shape) m->add_shape(d);
  }
}

}  // namespace

class GrpcFrontend::Service final : public inference::GRPCInferenceService::Service {
 public:
  explicit Service(InferenceService& s) : s_(s) {}

  grpc::Status ServerLive(grpc::ServerContext*, const inference::ServerLiveRequest*,
                          inference::ServerLiveResponse* out) override {
    out->set_live(s_.live());
    return grpc::Status::OK;
  }
  grpc::Status ServerReady(grpc::ServerContext*, const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse* out) override {
    out->set_ready(s_.ready());
    return grpc::Status::OK;
  }
  grpc::Status ModelReady(grpc::ServerContext*, const inference::ModelReadyRequest* in,
                          inference::ModelReadyResponse* out) override {
    return guarded([&] {
      try {
        s_.repository().find(in->name(), in->version());
        out->set_ready(true);
      } catch (const ServeError& e) {
        if (e.status() == Status::invalid_argument) throw;
        out->set_ready(false);
      }
    });
  }
  grpc::Status ServerMetadata(grpc::ServerContext*, const inference::ServerMetadataRequest*,
                              inference::ServerMetadataResponse* out) override {
    out->set_name(InferenceService::server_name());
    out->set_version(InferenceService::server_version());
    for (const std::string& e : InferenceService::extensions()) out->add_extensions(e);
    return grpc::Status::OK;
  }
  grpc::Status ModelMetadata(grpc::ServerContext*, const inference::ModelMetadataRequest* in,
                             inference::ModelMetadataResponse* out) override {
    return guarded([&] {
      std::shared_ptr<ServedModel> m = s_.repository().find(in->name(), in->version());
      out->set_name(m->name());
      for (const std::string& v : s_.repository().versions(m->name())) out->add_versions(v);
      out->set_platform(m->platform());
      set_tensors(m->signature().inputs, out->mutable_inputs());
      set_tensors(m->signature().outputs, out->mutable_outputs());
    });
  }
  grpc::Status ModelInfer(grpc::ServerContext* ctx, const inference::ModelInferRequest* in,
                          inference::ModelInferResponse* out) override {
    return guarded([&] {
      InferRequest r = decode_grpc_request(*in);
      const auto client_deadline = ctx->deadline();
      if (client_deadline != std::chrono::system_clock::time_point::max()) {
        const auto left = client_deadline - std::chrono::system_clock::now();
        r.deadline =
            std::min(r.deadline, Clock::now() + std::chrono::duration_cast<Clock::duration>(left));
      }
      encode_grpc_response(s_.infer(std::move(r)), *out);
    });
  }
  grpc::Status RepositoryIndex(grpc::ServerContext*, const inference::RepositoryIndexRequest* in,
                               inference::RepositoryIndexResponse* out) override {
    return guarded([&] {
      for (const IndexEntry& e : s_.repository().index(in->ready())) {
        auto* m = out->add_models();
        m->set_name(e.name);
        m->set_version(e.version);
        m->set_state(e.state);
        m->set_reason(e.reason);
      }
    });
  }
  grpc::Status RepositoryModelLoad(grpc::ServerContext*,
                                   const inference::RepositoryModelLoadRequest* in,
                                   inference::RepositoryModelLoadResponse*) override {
    return guarded([&] {
      if (!in->parameters().empty())
        fail(Status::invalid_argument,
             "load with a config or files in the request is not supported; put them in the "
             "repository");
      s_.repository().load(in->model_name());
    });
  }
  grpc::Status RepositoryModelUnload(grpc::ServerContext*,
                                     const inference::RepositoryModelUnloadRequest* in,
                                     inference::RepositoryModelUnloadResponse*) override {
    return guarded([&] { s_.repository().unload(in->model_name()); });
  }

 private:
  InferenceService& s_;
};

GrpcFrontend::GrpcFrontend(InferenceService& service, GrpcOptions o)
    : service_(service), opts_(std::move(o)), impl_(std::make_unique<Service>(service)) {}

GrpcFrontend::~GrpcFrontend() {
  if (server_) stop(std::chrono::milliseconds(0));
}

int GrpcFrontend::start() {
  grpc::ServerBuilder b;
  int port = 0;
  const std::string host =
      opts_.host.find(':') != std::string::npos ? "[" + opts_.host + "]" : opts_.host;
  b.AddListeningPort(host + ":" + std::to_string(opts_.port), grpc::InsecureServerCredentials(),
                     &port);
  b.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<std::size_t>(opts_.max_request_bytes, INT32_MAX)));
  b.SetMaxSendMessageSize(INT32_MAX);
  b.RegisterService(impl_.get());
  server_ = b.BuildAndStart();
  if (!server_ || port == 0)
    throw_error<IOError>("cannot bind gRPC to ", opts_.host, ":", opts_.port,
                         " (in use, or not an address of this machine)");
  return port;
}

void GrpcFrontend::stop(std::chrono::milliseconds grace) {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace neuron::serve
