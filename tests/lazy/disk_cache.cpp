// The persistent plan cache, across processes (the probe program runs the same model): reuse,
// entries that are module files, corrupted and foreign entries, the size bound and its eviction
// from several processes at once.
#include "format/format_util.hpp"
#include "format/module_edit.hpp"
#include "test_util.hpp"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

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
    if (e.path().extension() == ".neuron") out.push_back(e.path());
  return out;
}
}  // namespace

TEST_CASE("a second process finds the executable on disk instead of compiling") {
  std::string dir = test::temp_path("cache_a");
  std::filesystem::remove_all(dir);
  CHECK(probe(dir) == "CompileCount=1 DiskCacheHit=0 DiskCacheRejected=0 exact=1\n");
  REQUIRE(entries(dir).size() == 1);
  CHECK(probe(dir) == "CompileCount=0 DiskCacheHit=1 DiskCacheRejected=0 exact=1\n");
  // No temp files are left behind by the atomic writes (.lock and .size are the size bound's).
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    files += e.is_regular_file() && e.path().filename().string()[0] != '.';
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
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_c"));
  nr::Tensor x = nr::rand({3, 5}, nr::lazy_device());
  nr::Tensor y = nr::log_softmax(x, -1);
  nr::mark_step();
  CHECK(entries(dir).size() == 1);
  nr::PlanCache::instance().clear();  // as if a new process
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

namespace {
std::int64_t entry_bytes(const std::string& dir) {
  std::int64_t total = 0;
  for (const auto& p : entries(dir))
    total += static_cast<std::int64_t>(std::filesystem::file_size(p));
  return total;
}
// Runs one probe per command line at once; returns each one's output.
std::vector<std::string> run_together(const std::vector<std::string>& cmds) {
  std::vector<std::FILE*> procs;
  for (const std::string& c : cmds) procs.push_back(popen(c.c_str(), "r"));
  std::vector<std::string> outs;
  for (std::FILE* f : procs) {
    REQUIRE(f != nullptr);
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    CHECK(pclose(f) == 0);
    outs.push_back(out);
  }
  return outs;
}
}  // namespace

TEST_CASE("a bounded cache stays under its bound and evicts the least recently used entry") {
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_bound"));
  auto step = [](int rows) {  // one graph per row count
    nr::Tensor y = nr::log_softmax(nr::rand({rows, 5}, nr::lazy_device()), -1);
    nr::mark_step();
  };
  step(1);
  const std::int64_t one = entry_bytes(dir);
  REQUIRE(one > 0);
  nr::set_cache_max_bytes(4 * one + one / 2);  // room for four entries of this size
  for (int rows = 2; rows <= 4; ++rows) step(rows);
  CHECK(entries(dir).size() == 4);
  nr::PlanCache::instance().clear();  // as if a new process: rows=1 comes from disk, used again
  step(1);
  CHECK(nr::metrics::counter("DiskCacheHit") == 1);
  for (int rows = 5; rows <= 7; ++rows) step(rows);  // three more: rows 2, 3, 4 go
  CHECK(entries(dir).size() == 4);
  CHECK(entry_bytes(dir) <= 4 * one + one / 2);
  CHECK(nr::metrics::counter("DiskCacheEvicted") == 3);
  nr::PlanCache::instance().clear();
  const std::int64_t compiles = nr::metrics::counter("CompileCount");
  step(1);  // kept: used after rows 2-4 were written
  step(7);
  CHECK(nr::metrics::counter("CompileCount") == compiles);
  step(2);  // evicted: compiled again
  CHECK(nr::metrics::counter("CompileCount") == compiles + 1);
  nr::set_cache_max_bytes(0);  // no bound
  for (int rows = 8; rows <= 12; ++rows) step(rows);
  CHECK(entries(dir).size() == 9);
  nr::set_cache_dir("");
  nr::set_cache_max_bytes(std::int64_t{1} << 30);
  std::filesystem::remove_all(dir);
}

TEST_CASE("two processes fill and evict one bounded directory at once") {
  std::string dir = test::temp_path("cache_two");
  std::filesystem::remove_all(dir);
  const std::string bound = "20000";
  const std::string cmd = "NEURON_CACHE_DIR='" + dir + "' NEURON_CACHE_MAX_BYTES=" + bound + " " +
                          NEURON_HASH_PROBE + " --graphs 60";
  for (int round = 0; round < 2; ++round) {  // the second round also hits and touches
    std::vector<std::string> outs = run_together({cmd, cmd});
    for (const std::string& out : outs) {
      CHECK(out.find("exact=1") != std::string::npos);
      CHECK(out.find("DiskCacheRejected=0") != std::string::npos);  // never a half-written entry
      CHECK(out.find("DiskCacheWriteFailed=0") != std::string::npos);
    }
    CHECK(entry_bytes(dir) <= std::stoll(bound));
    CHECK(!entries(dir).empty());
  }
  std::size_t temps = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    temps += e.path().string().find(".tmp-") != std::string::npos;
  CHECK(temps == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an entry whose checksum holds but whose outputs are not the graph's is refused") {
  // Someone who can write the directory can recompute the checksum: the specs the step hands to
  // its tensors must come from the graph, never from the file (a [3, 5] result read from a []
  // slot would be read past its end).
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_hostile"));
  const nr::Tensor xc = nr::rand({3, 5});
  auto run = [&] {
    nr::Tensor x = xc.to(nr::lazy_device());
    nr::Tensor y = nr::log_softmax(x, -1), s = nr::sum(x);
    nr::mark_step();
    test::check_equal(y.cpu(), nr::log_softmax(xc, -1));
    test::check_equal(s.cpu(), nr::sum(xc));
  };
  run();
  const std::string path = entries(dir).at(0).string();
  const std::string good = test::read_bytes(path);
  test::write_bytes(path, test::edited(good, [](test::Parts& p) {
                      auto& outs = p.graph["plans"][0]["outputs"];
                      REQUIRE(outs.size() == 2);
                      std::swap(outs[0], outs[1]);
                    }));
  nr::PlanCache::instance().clear();  // as if a new process
  run();
  CHECK(nr::metrics::counter("DiskCacheRejected") == 1);
  CHECK(nr::metrics::counter("CompileCount") == 2);
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a cache entry is a .neuron module: load() reads it, its metadata name key and graph") {
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_module"));
  const nr::Tensor xc = nr::rand({3, 5});
  nr::Tensor y = nr::log_softmax(xc.to(nr::lazy_device()), -1);  // no scalars
  nr::mark_step();
  REQUIRE(entries(dir).size() == 1);
  const std::string plain = entries(dir).at(0).string();
  nr::TracedModule m = nr::load(plain);
  CHECK(m.metadata().at("neuron.cache_key").find(nr::version_string) != std::string::npos);
  CHECK(m.metadata().at("neuron.source_graph").find("log_softmax") != std::string::npos);
  CHECK(m.plans().at(0).scalar_count == 0);
  test::check_equal(m(xc), y.cpu());                    // the lowered plan, run as a traced module
  nr::Tensor z = xc.to(nr::lazy_device()) * 2.5 + 1.0;  // runtime scalars: 2 of them
  nr::mark_step();
  REQUIRE(entries(dir).size() == 2);
  std::string scaled = entries(dir).at(0).string() == plain ? entries(dir).at(1).string()
                                                            : entries(dir).at(0).string();
  nr::TracedModule s = nr::load(scaled);
  CHECK(s.plans().at(0).scalar_count == 2);
  CHECK_THROWS_WITH_AS(s(xc), doctest::Contains("lazy"), nr::ValueError);
  // Its bytes round-trip through to_bytes() (format 1.3 keeps the offsets and the metadata).
  CHECK(nr::load_from_memory(s.to_bytes().data(), s.to_bytes().size()).to_bytes() ==
        test::read_bytes(scaled));
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}

TEST_CASE("an entry under another graph's name is refused for its key, then replaced") {
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_foreign"));
  const nr::Tensor xc = nr::rand({3, 5});
  auto step = [&](bool softmax) {
    nr::Tensor x = xc.to(nr::lazy_device());
    nr::Tensor y = softmax ? nr::softmax(x, -1) : nr::log_softmax(x, -1);
    nr::mark_step();
    return y.cpu();
  };
  step(false);
  const std::string first = entries(dir).at(0).string();
  step(true);
  REQUIRE(entries(dir).size() == 2);
  const std::string second = entries(dir).at(0).string() == first ? entries(dir).at(1).string()
                                                                  : entries(dir).at(0).string();
  std::filesystem::copy_file(first, second, std::filesystem::copy_options::overwrite_existing);
  nr::PlanCache::instance().clear();  // as if a new process
  test::check_equal(step(true), nr::softmax(xc, -1));
  CHECK(nr::metrics::counter("DiskCacheRejected") == 1);
  CHECK(nr::metrics::counter("CompileCount") == 3);
  CHECK(test::read_bytes(second) != test::read_bytes(first));  // replaced by the recompile
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}
