// The persistent executable cache, across processes (the probe program runs the same model).
#include "format/format_util.hpp"
#include "test_util.hpp"

#include <cstdio>
#include <filesystem>

namespace {
std::string probe(const std::string& cache_dir) {
  std::string cmd = "NEURON_CACHE_DIR='" + cache_dir + "' " + NEURON_HASH_PROBE + " --counters";
  std::string out;
  std::FILE* f = popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  char buf[256];
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  CHECK(pclose(f) == 0);
  return out;
}
std::vector<std::filesystem::path> entries(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".neuronexe") out.push_back(e.path());
  return out;
}
}  // namespace

TEST_CASE("a second process finds the executable on disk instead of compiling") {
  std::string dir = test::temp_path("cache_a");
  std::filesystem::remove_all(dir);
  CHECK(probe(dir) == "CompileCount=1 DiskCacheHit=0 DiskCacheRejected=0 exact=1\n");
  REQUIRE(entries(dir).size() == 1);
  CHECK(probe(dir) == "CompileCount=0 DiskCacheHit=1 DiskCacheRejected=0 exact=1\n");
  // No temp files are left behind by the atomic writes.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a corrupt or truncated cache entry is ignored, recompiled and replaced") {
  std::string dir = test::temp_path("cache_b");
  std::filesystem::remove_all(dir);
  probe(dir);
  auto path = entries(dir).at(0).string();
  std::string good = test::read_bytes(path);
  for (std::size_t at : {std::size_t{5}, std::size_t{40}, good.size() / 2, good.size() - 2}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    test::write_bytes(path, bad);
    CHECK(probe(dir) == "CompileCount=1 DiskCacheHit=0 DiskCacheRejected=1 exact=1\n");
    CHECK(test::read_bytes(path) == good);  // rewritten by the recompile
  }
  test::write_bytes(path, good.substr(0, good.size() / 3));
  CHECK(probe(dir) == "CompileCount=1 DiskCacheHit=0 DiskCacheRejected=1 exact=1\n");
  test::write_bytes(path, "");
  CHECK(probe(dir) == "CompileCount=1 DiskCacheHit=0 DiskCacheRejected=1 exact=1\n");
  CHECK(probe(dir) == "CompileCount=0 DiskCacheHit=1 DiskCacheRejected=0 exact=1\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("set_cache_dir in-process: entries are keyed by graph, reused after the memory cache") {
  std::string dir = test::temp_path("cache_c");
  std::filesystem::remove_all(dir);
  nr::set_cache_dir(dir);
  nr::ExecutableCache::instance().clear();
  nr::metrics::reset();
  nr::Tensor x = nr::rand({3, 5}, nr::lazy_device());
  nr::Tensor y = nr::log_softmax(x, -1);
  nr::mark_step();
  CHECK(entries(dir).size() == 1);
  nr::ExecutableCache::instance().clear();  // as if a new process
  nr::Tensor y2 = nr::log_softmax(nr::rand({3, 5}, nr::lazy_device()), -1);
  nr::mark_step();
  CHECK(nr::metrics::counter("CompileCount") == 1);
  CHECK(nr::metrics::counter("DiskCacheHit") == 1);
  nr::Tensor z = nr::softmax(x, 0);  // another graph, another entry
  nr::mark_step();
  CHECK(entries(dir).size() == 2);
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}
