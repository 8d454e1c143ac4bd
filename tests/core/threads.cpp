#include "test_util.hpp"

TEST_CASE("set_num_threads sets the intra-op thread count and refuses nonsense") {
  nr::set_num_threads(1);
  CHECK(nr::get_num_threads() == 1);
  nr::Tensor a = nr::rand({130, 70}), b = nr::rand({70, 90});
  nr::Tensor one = nr::matmul(a, b);
  nr::set_num_threads(2);
#if defined(_OPENMP)
  CHECK(nr::get_num_threads() == 2);
#endif
  test::check_close(nr::matmul(a, b), one, 1e-6, 1e-6);  // same result with more threads
  CHECK_THROWS_WITH_ALL(nr::set_num_threads(0), nr::ValueError, "n >= 1");
}

#include <atomic>
#include <thread>
#include <vector>

#include <neuron/core/parallel.hpp>

TEST_CASE("parallel_for covers the range once, in pieces of at least the grain") {
  nr::set_num_threads(2);
  std::vector<std::atomic<int>> hits(1000);
  std::atomic<int> pieces{0};
  nr::detail::parallel_for(1000, 100, [&](std::int64_t begin, std::int64_t end) {
    CHECK(end - begin >= 100);
    ++pieces;
    for (std::int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
  });
  for (auto& h : hits) CHECK(h.load() == 1);
#if defined(_OPENMP)
  CHECK(pieces.load() == 2);
#endif
  pieces = 0;  // too little work for two pieces: one, on the calling thread
  nr::detail::parallel_for(150, 100, [&](std::int64_t begin, std::int64_t end) {
    CHECK(begin == 0);
    CHECK(end == 150);
    ++pieces;
  });
  CHECK(pieces.load() == 1);
  nr::set_num_threads(1);
}

TEST_CASE("parallel_for rethrows a piece's exception on the calling thread") {
  nr::set_num_threads(2);
  CHECK_THROWS_WITH_ALL(
      nr::detail::parallel_for(1000, 10,
                               [](std::int64_t begin, std::int64_t) {
                                 if (begin > 0) nr::throw_error<nr::ValueError>("piece failed");
                               }),
      nr::ValueError, "piece failed");
  nr::set_num_threads(1);
}

TEST_CASE("concurrent calls share the thread budget") {
  // A traced module whose steps all parallelize (GEMM on oneDNN, softmax and layer_norm rows, a
  // large fused expression), called from 4 threads at once with a budget of 2.
  nr::set_num_threads(2);
  nr::Tensor w = nr::rand({256, 256}), x = nr::rand({512, 256});
  auto f = [&](const nr::Tensor& in) {
    nr::Tensor h = nr::relu(nr::linear(in, w) * 0.5f + 1.0f);
    return nr::softmax(nr::layer_norm(h, {256}), -1);
  };
  nr::TracedModule traced = nr::trace(f, x);
  const nr::Tensor want = traced(x);

  nr::detail::reset_peak_busy_threads();
  (void)traced(x);
#if defined(_OPENMP)
  CHECK(nr::detail::peak_busy_threads() == 2);  // one caller alone uses the whole budget
#endif
  constexpr int kCallers = 4;
  nr::detail::reset_peak_busy_threads();
  std::vector<std::thread> callers;
  std::vector<int> equal(kCallers, 0);
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&, t] {
      bool same = true;
      for (int i = 0; i < 20; ++i) {
        nr::Tensor got = traced(x);
        same = same &&
               std::equal(got.data<float>(), got.data<float>() + got.numel(), want.data<float>());
      }
      equal[static_cast<std::size_t>(t)] = same;
    });
  for (auto& c : callers) c.join();
  // Helpers are taken only while fewer than n threads are busy; one call may have taken its helper
  // just before the other callers arrived, so the bound is callers + n - 1.
  CHECK(nr::detail::peak_busy_threads() <= kCallers + 1);
  CHECK(nr::detail::busy_threads() == 0);
  for (int e : equal) CHECK(e == 1);  // bit-identical whichever thread count each call got
  nr::set_num_threads(1);
}

TEST_CASE("a lease takes only the helpers that are free") {
  nr::set_num_threads(2);
  {
    nr::detail::ThreadLease outer;  // takes the whole budget
#if defined(_OPENMP)
    CHECK(outer.threads() == 2);
#endif
    {
      nr::detail::ThreadLease nested(1);  // shares its thread's lease
      CHECK(nested.threads() == 1);
    }
    int other = 0;
    std::thread([&] {
      nr::detail::ThreadLease lease;  // nothing free: its own thread only
      other = lease.threads();
    }).join();
    CHECK(other == 1);
  }
  CHECK(nr::detail::busy_threads() == 0);
  std::thread([&] {
    nr::detail::ThreadLease lease;  // everything free again
#if defined(_OPENMP)
    CHECK(lease.threads() == 2);
#endif
  }).join();
  nr::set_num_threads(1);
}
