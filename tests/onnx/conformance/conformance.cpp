// The ONNX conformance runner: runs every case of the installed ONNX backend test suite, each in
// its own process (neuron_onnx_conformance_case, so that a crash or a hang costs one case only),
// a few at a time with a timeout each, then writes the markdown report and, with --check, compares
// the pass counts with the committed figures.
//
//   neuron_onnx_conformance [--suite DIR] [--out FILE.md] [--check expected.json]
//                           [--write-expected FILE] [--jobs N] [--timeout SECONDS]
//                           [--filter TEXT] [--runner PATH]
//
// Exit codes: 0 done (and the check passed), 1 the check failed, 2 usage or I/O problem, 77 the
// suite is not installed (ctest's skip code).
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "results.hpp"

extern char** environ;

namespace fs = std::filesystem;
using conformance::CaseResult;
using conformance::ModeResult;
using conformance::Status;

namespace {

struct Options {
  std::string suite = "/usr/share/libonnx-testdata/data";
  std::string out, check, write_expected, filter, runner;
  int jobs = 2;
  int timeout = 120;
};

struct Child {
  pid_t pid = -1;
  int out = -1, err = -1;  // pipes from the child's stdout and stderr
  std::string out_text, err_text;
  std::chrono::steady_clock::time_point deadline;
  bool timed_out = false;
  std::size_t index = 0;  // into the results
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

Child spawn(const std::string& runner, const std::string& dir, int timeout) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  // Its own process group, so that a timeout kills whatever it started too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  for (int fd : {out[0], out[1], err[0], err[1]}) posix_spawn_file_actions_addclose(&fa, fd);
  std::vector<char*> argv = {const_cast<char*>(runner.c_str()), const_cast<char*>(dir.c_str()),
                             nullptr};
  Child c;
  const int rc = posix_spawn(&c.pid, runner.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) throw std::runtime_error("cannot start " + runner + ": " + std::strerror(rc));
  c.out = out[0];
  c.err = err[0];
  c.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  return c;
}

// Reads what is available; returns false once the pipe is closed.
bool drain(int& fd, std::string& text) {
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) {
    text.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  close(fd);
  fd = -1;
  return false;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  const auto p = t.rfind('\n');
  t = p == std::string::npos ? t : t.substr(p + 1);
  return t.size() > 300 ? t.substr(0, 300) + "..." : t;
}

// The child's lines into the result; modes it did not report crashed, with why.
void finish(Child& c, int wstatus, int timeout, CaseResult& r) {
  ModeResult* modes[] = {&r.eager, &r.traced};
  bool seen[] = {false, false};
  std::istringstream lines(c.out_text);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    if (j.contains("ops")) r.ops = j["ops"].get<std::vector<std::string>>();
    if (!j.contains("mode")) continue;
    const int m = j["mode"] == "eager" ? 0 : 1;
    seen[m] = true;
    modes[m]->status = conformance::status_from(j.value("status", ""));
    modes[m]->reason = j.value("reason", "");
    modes[m]->detail = j.value("detail", "");
  }
  std::string why;
  if (c.timed_out)
    why = "timed out after " + std::to_string(timeout) + " s";
  else if (WIFSIGNALED(wstatus))
    why = std::string("killed by signal ") + strsignal(WTERMSIG(wstatus));
  else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
    why = "exit code " + std::to_string(WEXITSTATUS(wstatus));
  if (why.empty() && seen[0] && seen[1]) return;
  if (why.empty()) why = "no result line";
  const std::string detail = last_line(c.err_text);
  // A process that died after reporting both modes still crashed: charge the last mode.
  if (seen[0] && seen[1]) seen[1] = false;
  for (int m = 0; m < 2; ++m)
    if (!seen[m]) *modes[m] = {Status::crashed, why, detail};
}

std::vector<CaseResult> find_cases(const Options& o) {
  std::vector<CaseResult> cases;
  for (const std::string& folder : conformance::folders()) {
    std::vector<std::string> names;
    const fs::path dir = fs::path(o.suite) / folder;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (fs::exists(e.path() / "model.onnx")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const std::string& n : names)
      if (o.filter.empty() || (folder + "/" + n).find(o.filter) != std::string::npos)
        cases.push_back({folder, n, {}, {}, {}});
  }
  return cases;
}

void run_all(const Options& o, std::vector<CaseResult>& cases) {
  std::vector<Child> running;
  std::size_t next = 0, done = 0;
  while (next < cases.size() || !running.empty()) {
    while (next < cases.size() && static_cast<int>(running.size()) < o.jobs) {
      const std::string dir = o.suite + "/" + cases[next].folder + "/" + cases[next].name;
      running.push_back(spawn(o.runner, dir, o.timeout));
      running.back().index = next++;
    }
    std::vector<pollfd> fds;
    for (const Child& c : running)
      for (int fd : {c.out, c.err})
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    const auto now = std::chrono::steady_clock::now();
    auto wait = std::chrono::milliseconds(1000);
    for (const Child& c : running)
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
                                c.deadline - now, std::chrono::steady_clock::duration(0))));
    poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    for (auto it = running.begin(); it != running.end();) {
      Child& c = *it;
      for (const pollfd& p : fds) {
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (p.fd == c.out && c.out >= 0) drain(c.out, c.out_text);
        if (p.fd == c.err && c.err >= 0) drain(c.err, c.err_text);
      }
      if (!c.timed_out && std::chrono::steady_clock::now() >= c.deadline) {
        kill(-c.pid, SIGKILL);  // the group: the case runner and anything it started
        c.timed_out = true;
      }
      if (c.timed_out) {
        // The pipes may stay open (a grandchild would hold them): stop reading.
        for (int* fd : {&c.out, &c.err})
          if (*fd >= 0) close(*fd), *fd = -1;
      }
      if (c.out >= 0 || c.err >= 0) {
        ++it;
        continue;
      }
      int wstatus = 0;
      while (waitpid(c.pid, &wstatus, 0) < 0 && errno == EINTR) {
      }
      finish(c, wstatus, o.timeout, cases[c.index]);
      if (++done % 100 == 0) std::cerr << "  " << done << " / " << cases.size() << " cases\n";
      it = running.erase(it);
    }
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--suite")
      o.suite = value();
    else if (a == "--out")
      o.out = value();
    else if (a == "--check")
      o.check = value();
    else if (a == "--write-expected")
      o.write_expected = value();
    else if (a == "--filter")
      o.filter = value();
    else if (a == "--runner")
      o.runner = value();
    else if (a == "--jobs")
      o.jobs = std::max(1, std::stoi(value()));
    else if (a == "--timeout")
      o.timeout = std::max(1, std::stoi(value()));
    else
      throw std::runtime_error("unknown argument " + a);
  }
  if (o.runner.empty())  // beside this program
    o.runner = (fs::read_symlink("/proc/self/exe").parent_path() / "neuron_onnx_conformance_case")
                   .string();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "neuron_onnx_conformance: " << e.what() << "\n";
    return 2;
  }
  if (!fs::is_directory(fs::path(o.suite) / "node")) {
    std::cerr << "the ONNX backend test suite is not installed (" << o.suite
              << "; Debian package libonnx-testdata): skipped\n";
    return 77;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    std::vector<CaseResult> cases = find_cases(o);
    run_all(o, cases);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto c = conformance::count(cases);
    for (int m = 0; m < 3; ++m) {
      std::cout << conformance::kModeTitles[static_cast<std::size_t>(m)] << ":";
      const auto& t = c[static_cast<std::size_t>(m)].at("total");
      for (std::size_t s = 0; s < t.size(); ++s)
        std::cout << " " << conformance::kStatusNames[s] << " " << t[s];
      std::cout << "\n";
    }
    std::cout << cases.size() << " cases in " << static_cast<int>(seconds) << " s, " << o.jobs
              << " at a time\n";
    if (!o.out.empty()) write_file(o.out, conformance::markdown(cases, o.suite));
    if (!o.write_expected.empty()) write_file(o.write_expected, conformance::expected_json(cases));
    if (!o.check.empty()) {
      const auto problems = conformance::check(cases, read_file(o.check));
      for (const std::string& p : problems) std::cout << p << "\n";
      if (!problems.empty()) {
        std::cout << "conformance check FAILED against " << o.check << "\n";
        return 1;
      }
      std::cout << "conformance check passed against " << o.check << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "neuron_onnx_conformance: " << e.what() << "\n";
    return 2;
  }
}
