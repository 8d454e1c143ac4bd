#include "http_frontend.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include <neuron/format/strict_json.hpp>

#include "datatype.hpp"
#include "rest_codec.hpp"
#include "serve_error.hpp"

namespace neuron::serve {

namespace {

using nlohmann::json;
constexpr const char* kJson = "application/json";
// /v2/models/<name>[/versions/<version>]: groups 1 and 2.
const std::string kModel = R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)";

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // Error messages may quote a client's bytes: invalid UTF-8 is replaced, never thrown.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kJson);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"error", message}});
}

// Runs a handler; every exception becomes an error response that names the problem.
template <class F>
void guarded(httplib::Response& res, F&& f) {
  try {
    f();
  } catch (const ServeError& e) {
    send_error(res, http_status(e.status()), e.what());
  } catch (const neuron::Error& e) {
    send_error(res, 400, e.what());
  } catch (const std::bad_alloc&) {
    send_error(res, 500, "out of memory");
  } catch (const std::exception& e) {
    send_error(res, 500, e.what());
  }
}

std::string version_of(const httplib::Request& req) {
  return req.matches.size() > 2 ? req.matches[2].str() : std::string();
}

json tensor_infos(const std::vector<TensorInfo>& infos) {
  json out = json::array();
  for (const TensorInfo& t : infos)
    out.push_back({{"name", t.name}, {"datatype", datatype_name(t.dtype)}, {"shape", t.shape}});
  return out;
}

json model_metadata(InferenceService& s, const std::string& name, const std::string& version) {
  std::shared_ptr<ServedModel> m = s.repository().find(name, version);
  return {{"name", m->name()},
          {"versions", s.repository().versions(name)},
          {"platform", m->platform()},
          {"inputs", tensor_infos(m->signature().inputs)},
          {"outputs", tensor_infos(m->signature().outputs)}};
}

// Triton's model configuration form, for clients that read it (tritonclient's get_model_config).
json model_config(InferenceService& s, const std::string& name, const std::string& version) {
  std::shared_ptr<ServedModel> m = s.repository().find(name, version);
  const BatchPolicy& p = m->scheduler().policy();
  // As Triton: with max_batch_size > 0 the dims leave the batch dim out.
  const bool batched = p.max_batch_size > 0;
  auto dims = [batched](const TensorInfo& t) {
    std::vector<std::int64_t> d = t.shape;
    if (batched && !d.empty()) d.erase(d.begin());
    return json{{"name", t.name},
                {"data_type", std::string("TYPE_") + datatype_name(t.dtype)},
                {"dims", d}};
  };
  json in = json::array(), out = json::array();
  for (const TensorInfo& t : m->signature().inputs) in.push_back(dims(t));
  for (const TensorInfo& t : m->signature().outputs) out.push_back(dims(t));
  json c = {{"name", m->name()},
            {"platform", m->platform()},
            {"max_batch_size", p.max_batch_size},
            {"input", in},
            {"output", out},
            {"instance_group", {{{"count", p.instances}, {"kind", "KIND_CPU"}}}}};
  if (p.merging())
    c["dynamic_batching"] = {{"max_queue_delay_microseconds", p.max_queue_delay.count()},
                             {"preferred_batch_size", p.preferred_batch_sizes}};
  return c;
}

json request_json(const httplib::Request& req) {
  if (req.body.empty()) return json::object();
  json j = parse_strict_json(req.body.data(), req.body.data() + req.body.size(), "request body");
  if (!j.is_object()) fail(Status::invalid_argument, "request body: expected a JSON object");
  return j;
}

}  // namespace

HttpFrontend::HttpFrontend(InferenceService& service, HttpOptions o)
    : service_(service), opts_(std::move(o)), server_(std::make_unique<httplib::Server>()) {
  const int threads = opts_.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server_->set_payload_max_length(opts_.max_request_bytes);
  server_->set_tcp_nodelay(
      true);  // else Nagle holds each response body for the client's ACK (~40 ms)
  server_->set_keep_alive_max_count(1u << 20);
  server_->set_keep_alive_timeout(opts_.keep_alive_timeout_s);
  server_->set_read_timeout(opts_.read_timeout_s, 0);
  server_->set_write_timeout(opts_.read_timeout_s, 0);
  const std::size_t limit = opts_.max_request_bytes;
  // Errors httplib answers itself (no route, body over the limit) get a JSON body too.
  server_->set_error_handler([limit](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413)
      send_error(res, 413,
                 "request body is larger than the limit of " + std::to_string(limit) +
                     " bytes (--max-request-bytes)");
    else if (res.status == 404)
      send_error(res, 404, "no endpoint " + req.method + " " + req.path);
    else
      send_error(res, res.status, "HTTP error " + std::to_string(res.status));
  });
  // Bodies whose size is not known up front are refused before they are read: cpp-httplib
  // bounds a body by its Content-Length only, so a chunked, unsized or compressed body (a few
  // KB of gzip can inflate to gigabytes) could grow without limit.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const std::string encoding = req.get_header_value("Content-Encoding");
    std::string error;
    int status = 0;
    if (!encoding.empty() && encoding != "identity") {
      status = 415;
      error = "compressed request bodies (Content-Encoding: " + encoding.substr(0, 32) +
              ") are not accepted; send the body uncompressed";
    } else if (req.has_header("Transfer-Encoding")) {
      status = 411;
      error = "chunked request bodies are not accepted; send a Content-Length";
    } else if (req.method == "POST" && !req.has_header("Content-Length")) {
      status = 411;
      error = "a POST needs a Content-Length";
    }
    if (status == 0) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, status, error);
    res.set_header("Connection", "close");  // the unread body must not be taken as a request
    return httplib::Server::HandlerResponse::Handled;
  });
  routes();
}

HttpFrontend::~HttpFrontend() = default;

void HttpFrontend::routes() {
  InferenceService& s = service_;
  httplib::Server& srv = *server_;
  srv.Get("/v2/health/live", [&s](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"live", s.live()}});
  });
  srv.Get("/v2/health/ready", [&s](const httplib::Request&, httplib::Response& res) {
    const bool ready = s.ready();
    send_json(res, ready ? 200 : 400, {{"ready", ready}});
  });
  srv.Get(R"(/v2/?)", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"name", InferenceService::server_name()},
               {"version", InferenceService::server_version()},
               {"extensions", InferenceService::extensions()}});
  });
  srv.Get(kModel, [&s](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { send_json(res, 200, model_metadata(s, req.matches[1], version_of(req))); });
  });
  srv.Get(kModel + "/ready", [&s](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      bool ready = true;
      try {
        s.repository().find(req.matches[1], version_of(req));
      } catch (const ServeError& e) {
        if (e.status() == Status::invalid_argument) throw;
        ready = false;
      }
      send_json(res, ready ? 200 : 400, {{"name", req.matches[1].str()}, {"ready", ready}});
    });
  });
  srv.Get(kModel + "/config", [&s](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { send_json(res, 200, model_config(s, req.matches[1], version_of(req))); });
  });
  srv.Post(kModel + "/infer", [&s](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      std::optional<std::size_t> header_length;
      if (req.has_header("Inference-Header-Content-Length"))
        header_length = parse_header_length(req.get_header_value("Inference-Header-Content-Length"),
                                            req.body.size());
      RestRequest r = decode_rest_request(req.body, header_length);
      r.request.model = req.matches[1];
      r.request.version = version_of(req);
      if (r.timeout_us)
        r.request.deadline = Clock::now() + std::chrono::microseconds(*r.timeout_us);
      RestResponse out = encode_rest_response(s.infer(r.request), r);
      res.status = 200;
      if (out.header_length) {
        res.set_header("Inference-Header-Content-Length", std::to_string(*out.header_length));
        res.set_content(std::move(out.body), "application/octet-stream");
      } else {
        res.set_content(std::move(out.body), kJson);
      }
    });
  });
  srv.Post("/v2/repository/index", [&s](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      const json body = request_json(req);
      const bool ready_only = body.value("ready", false);
      json out = json::array();
      for (const IndexEntry& e : s.repository().index(ready_only)) {
        json j = {{"name", e.name}};
        if (!e.version.empty()) j["version"] = e.version;
        if (!e.state.empty()) j["state"] = e.state;
        if (!e.reason.empty()) j["reason"] = e.reason;
        out.push_back(j);
      }
      send_json(res, 200, out);
    });
  });
  srv.Post(R"(/v2/repository/models/([^/]+)/(load|unload))",
           [&s](const httplib::Request& req, httplib::Response& res) {
             guarded(res, [&] {
               const json body = request_json(req);
               if (body.contains("parameters") && body["parameters"].is_object() &&
                   (body["parameters"].contains("config") || body["parameters"].contains("file")))
                 fail(Status::invalid_argument,
                      "load with a config or files in the request is not supported; put them in "
                      "the repository");
               if (req.matches[2] == "load")
                 s.repository().load(req.matches[1]);
               else
                 s.repository().unload(req.matches[1]);
               send_json(res, 200, json::object());
             });
           });
  srv.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics().text(), "text/plain; version=0.0.4");
  });
}

int HttpFrontend::bind() {
  // Debian's compiled cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG is
  // baked into the library): under a burst of new connections the kernel then drops and resets
  // some (seen at 32 concurrent clients). The socket-options hook sees the listening socket
  // before it is bound; once it listens, listen() again raises its backlog (Linux allows it).
  server_->set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = static_cast<int>(sock);
  });
  int port = opts_.port;
  if (opts_.port == 0) {
    port = server_->bind_to_any_port(opts_.host);
    if (port < 0) throw_error<IOError>("cannot bind HTTP to ", opts_.host, " (any port)");
  } else if (!server_->bind_to_port(opts_.host, opts_.port)) {
    throw_error<IOError>("cannot bind HTTP to ", opts_.host, ":", opts_.port,
                         " (in use, or not an address of this machine)");
  }
  if (listen_fd_ >= 0 && ::listen(listen_fd_, kListenBacklog) != 0)
    throw_error<IOError>("cannot set the HTTP listen backlog: ", std::strerror(errno));
  return port;
}

void HttpFrontend::serve() { server_->listen_after_bind(); }

void HttpFrontend::stop() { server_->stop(); }

}  // namespace neuron::serve
