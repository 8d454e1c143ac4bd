// The REST front end, in-process on a free loopback port: status codes and error bodies for
// every bad input, concurrent clients with bad requests mixed in, shutdown with requests in
// flight.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "serve_test_util.hpp"

using nlohmann::json;
using serve_test::Server;

namespace {

struct Reply {
  int status = 0;
  json body;
};

Reply post(httplib::Client& c, const std::string& path, const std::string& body,
           const httplib::Headers& h = {}) {
  auto r = c.Post(path.c_str(), h, body, "application/json");
  REQUIRE_MESSAGE(r, "no response from " << path << ": " << httplib::to_string(r.error()));
  Reply out{r->status, json()};
  if (r->get_header_value("Content-Type") == "application/json") out.body = json::parse(r->body);
  return out;
}

Reply get(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path.c_str());
  REQUIRE(r);
  return {r->status, json::parse(r->body)};
}

json mlp_request(const neuron::Tensor& x) {
  return {{"inputs", json::array({serve_test::json_input("input_0", x)})}};
}

// A 400 whose message holds `part`.
void check_400(httplib::Client& c, const std::string& path, const json& body,
               const std::string& part) {
  Reply r = post(c, path, body.dump());
  CHECK(r.status == 400);
  const std::string msg = r.body.value("error", "");
  CHECK_MESSAGE(msg.find(part) != std::string::npos, "'" << msg << "' lacks '" << part << "'");
}

}  // namespace

TEST_CASE("serve HTTP: health, metadata, versions, index") {
  Server s;
  auto c = s.client();
  CHECK(get(c, "/v2/health/live").status == 200);
  CHECK(get(c, "/v2/health/ready").body["ready"] == true);
  CHECK(get(c, "/v2").body["name"] == "neuron");
  const json meta = get(c, "/v2/models/mlp").body;
  CHECK(meta["versions"] == json::array({"1", "2"}));
  CHECK(meta["inputs"][0]["shape"] == json::array({-1, 784}));
  CHECK(get(c, "/v2/models/mlp/versions/1/ready").status == 200);
  CHECK(get(c, "/v2/models/mlp/versions/3/ready").status == 400);
  CHECK(get(c, "/v2/models/mlp/versions/3").status == 404);
  CHECK(get(c, "/v2/models/nope").status == 404);
  CHECK(get(c, "/v2/models/mlp/config").body["max_batch_size"] == 8);
  const Reply broken = get(c, "/v2/models/broken");
  CHECK(broken.status == 503);
  const json index = post(c, "/v2/repository/index", "{}").body;
  bool listed = false;
  for (const json& e : index)
    if (e["name"] == "broken") {
      listed = true;
      CHECK(e["state"] == "UNAVAILABLE");
      CHECK(e["reason"].get<std::string>().find("model.neuron") != std::string::npos);
    }
  CHECK(listed);
  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body.find("neuron_inference_request_success_total{model=\"mlp\",version=\"2\"}") !=
        std::string::npos);
}

TEST_CASE("serve HTTP: infer, versions, request ids, requested outputs") {
  Server s;
  auto c = s.client();
  const neuron::Tensor x = serve_test::expected("mlp_x.npy");
  for (const char* v : {"1", "2"}) {
    json req = mlp_request(x);
    req["id"] = std::string("req-") + v;
    Reply r = post(c, std::string("/v2/models/mlp/versions/") + v + "/infer", req.dump());
    REQUIRE(r.status == 200);
    CHECK(r.body["id"] == std::string("req-") + v);
    CHECK(r.body["model_version"] == v);
    CHECK(serve_test::json_floats(r.body) ==
          serve_test::floats(serve_test::expected(std::string("mlp_v") + v + "_y.npy")));
  }
  json req = mlp_request(x);
  req["outputs"] = json::array({{{"name", "output_0"}}});
  CHECK(post(c, "/v2/models/mlp/infer", req.dump()).body["model_version"] == "2");
  req["outputs"] = json::array({{{"name", "logits"}}});
  check_400(c, "/v2/models/mlp/infer", req, "unknown output 'logits'");
}

TEST_CASE("serve HTTP: every bad input is a 4xx with an error naming it") {
  Server s;
  auto c = s.client();
  const neuron::Tensor x = serve_test::expected("mlp_x.npy");
  const std::string infer = "/v2/models/mlp/infer";
  json req = mlp_request(x);
  req["inputs"][0]["name"] = "pixels";
  check_400(c, infer, req, "unknown input 'pixels'; the model's inputs are 'input_0'");
  req = mlp_request(x);
  req["inputs"].push_back(req["inputs"][0]);
  check_400(c, infer, req, "input 'input_0' is given twice");
  req = mlp_request(neuron::rand({1, 783}));
  check_400(c, infer, req, "input 'input_0': expected shape [-1, 784], got [1, 783]");
  req = mlp_request(neuron::rand({784}));
  check_400(c, infer, req, "input 'input_0': expected shape [-1, 784], got [784]");
  req = mlp_request(x);
  req["inputs"][0]["datatype"] = "FP64";
  check_400(c, infer, req, "input 'input_0': expected datatype FP32, got FP64");
  req["inputs"][0]["datatype"] = "FP16";
  check_400(c, infer, req, "datatype FP16 is not supported by neuron");
  req = mlp_request(x);
  req["inputs"][0]["shape"] = json::array({2, 784});
  check_400(c, infer, req, "input 'input_0': data has more elements than shape [2, 784]");
  CHECK(post(c, infer, "{\"inputs\": [").status == 400);
  CHECK(post(c, infer, "{}", {{"Inference-Header-Content-Length", "9"}}).status == 400);
  // Unknown model and version: 404; names that could leave the repository: 400.
  CHECK(post(c, "/v2/models/nope/infer", mlp_request(x).dump()).status == 404);
  CHECK(post(c, "/v2/models/mlp/versions/9/infer", mlp_request(x).dump()).status == 404);
  CHECK(post(c, "/v2/models/mlp/versions/01/infer", mlp_request(x).dump()).status == 404);
  CHECK(post(c, "/v2/models/../infer", mlp_request(x).dump()).status >= 400);
  Reply dots = post(c, "/v2/models/..%2fmlp/infer", mlp_request(x).dump());
  CHECK((dots.status == 400 || dots.status == 404));
  Reply up = post(c, "/v2/repository/models/..%2F..%2Fetc/load", "{}");
  CHECK((up.status == 400 || up.status == 404));
  CHECK(post(c, "/v2/repository/models/a..b/load", "{}").status == 400);
  CHECK(post(c, "/v2/models/broken/infer", mlp_request(x).dump()).status == 503);
  // The tagger: ragged lengths are fine, a length no bucket holds is not.
  json tag = {{"inputs", json::array({serve_test::json_input(
                             "input_ids", neuron::zeros({1, 17}, neuron::int64))})}};
  check_400(c, "/v2/models/tagger/infer", tag, "no bucket of the model holds");
  tag["inputs"][0] = serve_test::json_input("input_ids", neuron::zeros({5, 3}, neuron::int64));
  check_400(c, "/v2/models/tagger/infer", tag, "no bucket of the model holds");
  tag["inputs"][0] = serve_test::json_input("input_ids", neuron::full({1, 3}, 4000, neuron::int64));
  check_400(c, "/v2/models/tagger/infer", tag, "");
}

TEST_CASE("serve HTTP: a body over the limit is refused with 413 and the server goes on") {
  neuron::serve::HttpOptions ho;
  ho.max_request_bytes = 64 * 1024;
  Server s(ho);
  auto c = s.client();
  Reply big = post(c, "/v2/models/mlp/infer", std::string(100 * 1024, ' '));
  CHECK(big.status == 413);
  CHECK(big.body["error"].get<std::string>().find("larger than the limit of 65536") !=
        std::string::npos);
  // Bodies of unknown size are refused before they are read. The server answers and closes the
  // connection with the body unread, so the client sees the answer or, when the close resets the
  // connection first, no answer; either way the server goes on.
  auto refused = [](const httplib::Result& r, int status) { return !r || r->status == status; };
  auto c3 = s.client();
  CHECK(refused(c3.Post("/v2/models/mlp/infer", {{"Content-Encoding", "gzip"}}, std::string("{}"),
                        "application/json"),
                415));
  auto chunked = s.client();
  CHECK(refused(chunked.Post(
                    "/v2/models/mlp/infer",
                    [](size_t, httplib::DataSink& sink) {
                      sink.write("{}", 2);
                      sink.done();
                      return true;
                    },
                    "application/json"),
                411));
  auto c2 = s.client();
  CHECK(post(c2, "/v2/models/mlp/infer", mlp_request(neuron::rand({1, 784})).dump()).status == 200);
}

namespace {

struct BadRequest {
  std::string path, body;
  httplib::Headers headers;
  int status;
};

// The bad-input set: one of each kind of mistake a client makes.
std::vector<BadRequest> bad_requests() {
  const json good = mlp_request(neuron::rand({1, 784}));
  const std::string infer = "/v2/models/mlp/infer";
  std::vector<BadRequest> out;
  auto add = [&](std::string path, json body, int status) {
    out.push_back({std::move(path), body.dump(), {}, status});
  };
  json j = good;
  j["inputs"][0]["name"] = "nope";
  add(infer, j, 400);
  j = good;
  j["inputs"][0]["datatype"] = "INT64";
  add(infer, j, 400);
  j = good;
  j["inputs"][0]["shape"] = json::array({1, 783});
  add(infer, j, 400);
  j = good;
  j["inputs"][0]["data"] = "x";
  add(infer, j, 400);
  j = good;
  j["inputs"].push_back(j["inputs"][0]);
  add(infer, j, 400);
  add("/v2/models/nope/infer", good, 404);
  add("/v2/models/mlp/versions/7/infer", good, 404);
  add("/v2/models/broken/infer", good, 503);
  add("/v2/models/a..b/infer", good, 400);
  out.push_back({infer, "{\"inputs\": [{\"name\"", {}, 400});
  out.push_back({infer, "\xff\xfe garbage", {}, 400});
  std::string header =
      R"({"inputs":[{"name":"input_0","datatype":"FP32","shape":[1,784],"parameters":{"binary_data_size":3136}}]})";
  out.push_back({infer,
                 header + std::string(100, 'x'),
                 {{"Inference-Header-Content-Length", std::to_string(header.size())}},
                 400});
  out.push_back({infer, header, {{"Inference-Header-Content-Length", "99999"}}, 400});
  out.push_back({infer, std::string(70 << 20, ' '), {}, 413});
  return out;
}

}  // namespace

TEST_CASE("serve HTTP: the bad-input set, run concurrently with valid load: no wrong answers") {
  Server s;
  const neuron::Tensor x = serve_test::expected("mlp_x.npy");
  const std::vector<float> want = serve_test::floats(serve_test::expected("mlp_v2_y.npy"));
  const std::string good = mlp_request(x).dump();
  const std::vector<BadRequest> bad = bad_requests();
  std::atomic<int> right{0}, wrong{0}, refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      auto c = std::make_unique<httplib::Client>(s.client());
      for (int i = 0; i < 2 * static_cast<int>(bad.size()); ++i) {
        if ((i + t) % 2 == 0) {
          auto r = c->Post("/v2/models/mlp/infer", good, "application/json");
          const bool ok =
              r && r->status == 200 && serve_test::json_floats(json::parse(r->body)) == want;
          (ok ? right : wrong)++;
          continue;
        }
        const BadRequest& b = bad[static_cast<std::size_t>(i / 2 + t) % bad.size()];
        auto r = c->Post(b.path.c_str(), b.headers, b.body, "application/json");
        if (!r) {  // the server may close a connection after refusing a body (413)
          c = std::make_unique<httplib::Client>(s.client());
          (b.status == 413 ? refused : wrong)++;
          continue;
        }
        const bool ok = r->status == b.status && json::parse(r->body).value("error", "").size() > 0;
        if (!ok)
          MESSAGE(b.path << " " << b.body.substr(0, 80) << " -> " << r->status << " " << r->body);
        (ok ? refused : wrong)++;
      }
    });
  for (std::thread& t : clients) t.join();
  CHECK(wrong == 0);
  CHECK(right == 8 * static_cast<int>(bad.size()));
  CHECK(refused == 8 * static_cast<int>(bad.size()));
  auto after = s.client();
  CHECK(get(after, "/v2/health/ready").status == 200);
}

TEST_CASE("serve HTTP: shutdown answers the requests under way") {
  auto s = std::make_unique<Server>();
  const json good = mlp_request(serve_test::expected("mlp_x.npy"));
  const std::vector<float> want = serve_test::floats(serve_test::expected("mlp_v2_y.npy"));
  std::atomic<int> ok{0}, refused{0}, wrong{0};
  std::atomic<bool> go{true};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t)
    clients.emplace_back([&] {
      auto c = s->client();
      while (go) {
        auto r = c.Post("/v2/models/mlp/infer", good.dump(), "application/json");
        if (!r) {  // the connection closed: the server stopped accepting
          ++refused;
          break;
        }
        if (r->status == 200 && serve_test::json_floats(json::parse(r->body)) == want)
          ++ok;
        else if (r->status == 503)
          ++refused;
        else
          ++wrong;
      }
    });
  while (ok < 30) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto t0 = std::chrono::steady_clock::now();
  s->stop();
  const double stop_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  go = false;
  for (std::thread& t : clients) t.join();
  MESSAGE(ok.load() << " answered, " << refused.load() << " refused after the stop, stop took "
                    << stop_s << " s");
  CHECK(wrong == 0);
  CHECK(stop_s < 10);
}
