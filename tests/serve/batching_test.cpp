// Dynamic batching: requests merged into one call give each request what an unbatched call of
// the same TracedModule gives; ragged requests of a bucketed module are padded to one bucket;
// a full queue and an expired deadline are reported, not dropped.
#include <doctest/doctest.h>

#include <cmath>
#include <future>

#include <neuron/neuron.hpp>

#include "batch_merge.hpp"
#include "model_signature.hpp"
#include "scheduler.hpp"
#include "serve_error.hpp"
#include "serve_test_util.hpp"

namespace serve = neuron::serve;
namespace nr = neuron;

namespace {

double max_abs_diff(const nr::Tensor& a, const nr::Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double worst = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    worst = std::max(worst, std::abs(double(a.data<float>()[i]) - double(b.data<float>()[i])));
  return worst;
}

struct Loaded {
  nr::TracedModule module;
  serve::Signature sig;
};

Loaded load(const std::string& model, serve::ModelConfig c = {}) {
  Loaded l;
  l.module = nr::load(serve_test::repo_dir() + "/models/" + model + "/1/model.neuron");
  l.sig = serve::make_signature(l.module, c);
  return l;
}

// Submits every request before the scheduler's one instance can start (a long queue delay and a
// batch limit the requests reach), so that they run as one call; returns the outputs.
std::vector<std::vector<nr::Tensor>> run_merged(const Loaded& l,
                                                const std::vector<std::vector<nr::Tensor>>& reqs,
                                                std::int64_t max_batch, serve::ServerMetrics& m,
                                                const std::string& label) {
  serve::BatchPolicy p;
  p.max_batch_size = max_batch;
  p.max_queue_delay = std::chrono::seconds(5);
  serve::ModelMetrics mm = m.model(label, "1");
  serve::Scheduler s(l.module, l.sig, p, mm);
  std::vector<std::future<std::vector<nr::Tensor>>> futures;
  for (const auto& r : reqs)
    futures.push_back(s.submit(serve::order_inputs(l.module, l.sig, {{l.sig.inputs[0].name, r[0]}}),
                               serve::Clock::time_point::max()));
  std::vector<std::vector<nr::Tensor>> out;
  for (auto& f : futures) out.push_back(f.get());
  s.stop();                            // the instance records its call after answering
  CHECK(mm.executions->Value() == 1);  // one call for all of them
  return out;
}

}  // namespace

TEST_CASE("serve batching: the signature of dynamic-batch and bucketed modules") {
  Loaded mlp = load("mlp");
  CHECK(mlp.sig.batchable);
  CHECK(mlp.sig.inputs[0].shape == std::vector<std::int64_t>{-1, 784});
  CHECK(mlp.sig.outputs[0].shape == std::vector<std::int64_t>{-1, 10});
  CHECK(mlp.sig.output_batch_dim[0] == 0);
  Loaded tagger = load("tagger");
  CHECK(tagger.sig.batchable);
  CHECK(tagger.sig.inputs[0].shape == std::vector<std::int64_t>{-1, -1});
  CHECK(tagger.sig.max_call_rows == 4);
  const serve::BatchPolicy tp = serve::batch_policy({}, tagger.sig, tagger.module.data());
  CHECK(tp.max_batch_size == 4);
  CHECK(tp.dispatch_sizes == std::vector<std::int64_t>{1, 4});  // the buckets' batches
  serve::ModelConfig pref;
  pref.preferred_batch_sizes = {4, 2};
  CHECK(serve::batch_policy(pref, mlp.sig, mlp.module.data()).dispatch_sizes ==
        std::vector<std::int64_t>{2, 4});
  CHECK(serve::batch_policy({}, mlp.sig, mlp.module.data()).dispatch_sizes.empty());
  serve::ModelConfig named;
  named.input_names = {"a", "b"};
  CHECK_THROWS_AS(serve::make_signature(mlp.module, named), nr::FormatError);
}

TEST_CASE("serve batching: merged dynamic-batch requests equal unbatched calls, bit for bit") {
  Loaded l = load("mlp");
  serve::ServerMetrics m;
  nr::manual_seed(3);
  std::vector<std::vector<nr::Tensor>> reqs = {
      {nr::rand({1, 784})}, {nr::rand({3, 784})}, {nr::rand({2, 784})}};
  auto out = run_merged(l, reqs, 6, m, "mlp_merge");
  for (std::size_t r = 0; r < reqs.size(); ++r) {
    nr::Tensor alone = l.module(reqs[r][0]);
    CHECK(out[r][0].shape() == alone.shape());
    CHECK(max_abs_diff(out[r][0], alone) == 0.0);
  }
}

TEST_CASE("serve batching: ragged requests of a bucketed module share one call") {
  Loaded l = load("tagger");
  serve::ServerMetrics m;
  nr::manual_seed(4);
  auto ids = [](std::int64_t b, std::int64_t len) {
    return nr::randint(0, 1000, {b, len}, nr::int64);
  };
  std::vector<std::vector<nr::Tensor>> reqs = {{ids(1, 5)}, {ids(2, 11)}, {ids(1, 7)}};
  auto out = run_merged(l, reqs, 4, m, "tagger_merge");
  for (std::size_t r = 0; r < reqs.size(); ++r) {
    nr::Tensor alone = l.module(reqs[r][0]);
    REQUIRE(out[r][0].shape() == alone.shape());
    // Alone, [1, 5] runs in bucket [1, 8]; merged, in [4, 16]: a GEMM of another size may round
    // differently in the last bit. Same bucket: same bits.
    const double diff = max_abs_diff(out[r][0], alone);
    MESSAGE("request " << r << " " << reqs[r][0].shape() << ": max |merged - alone| = " << diff);
    CHECK(diff <= 1e-5);
    if (r == 1) CHECK(diff == 0.0);  // [2, 11] runs in [4, 16] either way
  }
}

TEST_CASE("serve batching: merging respects max_batch_size and the buckets") {
  Loaded l = load("tagger");
  auto ids = [](std::int64_t b, std::int64_t len) { return nr::zeros({b, len}, nr::int64); };
  serve::BatchShape s({ids(2, 5)});
  CHECK(s.try_add({ids(2, 16)}, l.module.data(), 4));
  CHECK(s.rows() == 4);
  CHECK_FALSE(s.try_add({ids(1, 3)}, l.module.data(), 8));  // no bucket holds batch 5
  serve::BatchShape t({ids(1, 5)});
  CHECK_FALSE(t.try_add({ids(1, 3)}, l.module.data(), 1));  // over max_batch_size
}

TEST_CASE("serve batching: a full queue refuses, an expired request times out") {
  Loaded l = load("mlp");
  serve::ServerMetrics m;
  serve::BatchPolicy p;
  p.instances = 0;  // nothing takes requests off the queue
  p.max_queue_size = 2;
  {
    serve::Scheduler s(l.module, l.sig, p, m.model("full", "1"));
    auto in = [&] { return std::vector<nr::Tensor>{nr::rand({1, 784})}; };
    auto f1 = s.submit(in(), serve::Clock::time_point::max());
    auto f2 = s.submit(in(), serve::Clock::time_point::max());
    try {
      s.submit(in(), serve::Clock::time_point::max());
      FAIL("no error");
    } catch (const serve::ServeError& e) {
      CHECK(e.status() == serve::Status::resource_exhausted);
      CHECK(serve::http_status(e.status()) == 429);
      CHECK(std::string(e.what()).find("queue is full (2 requests waiting)") != std::string::npos);
    }
  }
  p.instances = 1;
  serve::Scheduler s(l.module, l.sig, p, m.model("late", "1"));
  auto f = s.submit({nr::rand({1, 784})}, serve::Clock::now() - std::chrono::milliseconds(1));
  try {
    f.get();
    FAIL("no error");
  } catch (const serve::ServeError& e) {
    CHECK(e.status() == serve::Status::deadline_exceeded);
  }
  s.stop();
  CHECK_THROWS_AS(s.submit({nr::rand({1, 784})}, serve::Clock::time_point::max()),
                  serve::ServeError);
}

TEST_CASE("serve batching: a request the model refuses fails alone, not its batch") {
  Loaded l = load("tagger");
  serve::ServerMetrics m;
  serve::BatchPolicy p;
  p.max_batch_size = 3;  // the three requests below: one call
  p.max_queue_delay = std::chrono::seconds(5);
  serve::ModelMetrics mm = m.model("bad_id", "1");
  serve::Scheduler s(l.module, l.sig, p, mm);
  nr::Tensor good = nr::randint(0, 1000, {1, 6}, nr::int64);
  nr::Tensor bad = nr::full({1, 6}, 5000, nr::int64);  // the embedding has 1000 rows
  auto f_good = s.submit({good}, serve::Clock::time_point::max());
  auto f_bad = s.submit({bad}, serve::Clock::time_point::max());
  auto f_good2 = s.submit({good}, serve::Clock::time_point::max());
  CHECK(max_abs_diff(f_good.get()[0], l.module(good)) <= 1e-5);
  CHECK(max_abs_diff(f_good2.get()[0], l.module(good)) <= 1e-5);
  try {
    f_bad.get();
    FAIL("no error");
  } catch (const serve::ServeError& e) {
    CHECK(e.status() == serve::Status::invalid_argument);
    MESSAGE(std::string(e.what()));
  }
}

TEST_CASE("serve batching: a batch is cut to a size the buckets run without padding rows") {
  // The tagger's buckets take batch 1 or 4: five queued one-row requests run as 4 + 1 (two calls)
  // and two as 1 + 1, never padded up to a larger bucket.
  Loaded l = load("tagger");
  serve::ServerMetrics m;
  serve::BatchPolicy p = serve::batch_policy({}, l.sig, l.module.data());
  p.max_queue_delay = std::chrono::milliseconds(200);
  auto ids = [] { return nr::randint(0, 1000, {1, 6}, nr::int64); };
  for (int n : {5, 2}) {
    serve::ModelMetrics mm = m.model("cut" + std::to_string(n), "1");
    serve::Scheduler s(l.module, l.sig, p, mm);
    std::vector<nr::Tensor> in;
    std::vector<std::future<std::vector<nr::Tensor>>> f;
    for (int i = 0; i < n; ++i) {
      in.push_back(ids());
      f.push_back(s.submit({in.back()}, serve::Clock::time_point::max()));
    }
    for (int i = 0; i < n; ++i) CHECK(max_abs_diff(f[i].get()[0], l.module(in[i])) <= 1e-5);
    s.stop();
    CHECK(mm.executions->Value() == 2);
  }
}

TEST_CASE("serve batching: instances share one module and answer in parallel") {
  Loaded l = load("mlp");
  serve::ServerMetrics m;
  serve::ModelConfig c;
  c.instances = 3;
  c.max_batch_size = 0;  // every request its own call, spread over the instances
  serve::ModelMetrics mm = m.model("instances", "1");
  serve::Scheduler s(l.module, l.sig, serve::batch_policy(c, l.sig, l.module.data()), mm);
  nr::manual_seed(5);
  std::vector<nr::Tensor> in;
  std::vector<std::future<std::vector<nr::Tensor>>> f;
  for (int i = 0; i < 24; ++i) {
    in.push_back(nr::rand({1 + i % 3, 784}));
    f.push_back(s.submit({in.back()}, serve::Clock::time_point::max()));
  }
  for (int i = 0; i < 24; ++i) CHECK(max_abs_diff(f[i].get()[0], l.module(in[i])) == 0.0);
  s.stop();
  CHECK(mm.executions->Value() == 24);
}
