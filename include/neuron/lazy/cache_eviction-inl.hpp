// Definitions of cache_eviction.hpp.
#pragma once

#include "cache_eviction.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../core/error.hpp"

namespace neuron::lazy {

NEURON_INLINE void touch_entry(const std::string& path) {
  // The fine clock, not UTIME_NOW: the file system's timestamps tick every few milliseconds, which
  // would leave entries used within one tick in name order rather than in the order of use.
  struct timespec now[2]{};
  ::clock_gettime(CLOCK_REALTIME, &now[0]);
  now[1] = now[0];
  ::utimensat(AT_FDCWD, path.c_str(), now, 0);
}

namespace detail {

struct EntryFile {
  std::string name;
  std::int64_t bytes;
  struct timespec used;
};

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Holds an exclusive flock() on a file for its lifetime.
class DirLock {
 public:
  explicit DirLock(const std::string& path) {
    // O_NOFOLLOW: a link planted in a shared directory must not make us open another file.
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0)
      throw_error<IOError>("cannot open the cache lock '", path, "': ", std::strerror(errno));
    int rc = 0;
    while ((rc = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      const int e = errno;
      ::close(fd_);
      throw_error<IOError>("cannot lock '", path, "': ", std::strerror(e));
    }
  }
  ~DirLock() { ::close(fd_); }  // closing releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// The running total, or -1 when it is missing, garbled or past any real directory (count again).
NEURON_INLINE std::int64_t read_total(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(buf, &end, 10);
  if (end == buf || errno != 0 || v < 0 || v > (std::int64_t{1} << 50)) return -1;
  return v;
}

NEURON_INLINE void write_total(const std::string& path, std::int64_t v) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return;  // the next write counts again
  const std::string text = std::to_string(v) + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    ::unlink(path.c_str());
  ::close(fd);
}

// Removes least recently used entries until they hold at most `target` bytes.
NEURON_INLINE EvictionResult scan_and_evict(const std::string& dir, const std::string& suffix,
                                            std::int64_t target) {
  std::vector<detail::EntryFile> entries;
  EvictionResult r;
  const std::time_t now = std::time(nullptr);
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        continue;
      if (name.find(suffix + ".tmp-") != std::string::npos) {  // a writer's temp file
        if (now - st.st_mtim.tv_sec > 3600) ::unlinkat(::dirfd(d), e->d_name, 0);
        continue;
      }
      // Entries of the retired format (".neuronexe", before the cache stored module files) are
      // read by nothing any more: counted and evicted like entries, the oldest first.
      if (!detail::ends_with(name, suffix) && !detail::ends_with(name, ".neuronexe")) continue;
      entries.push_back({name, static_cast<std::int64_t>(st.st_size), st.st_mtim});
      r.bytes_before += static_cast<std::int64_t>(st.st_size);
    }
    ::closedir(d);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    if (a.used.tv_sec != b.used.tv_sec) return a.used.tv_sec < b.used.tv_sec;
    if (a.used.tv_nsec != b.used.tv_nsec) return a.used.tv_nsec < b.used.tv_nsec;
    return a.name < b.name;
  });
  r.bytes_after = r.bytes_before;
  for (const detail::EntryFile& e : entries) {
    if (r.bytes_after <= target) break;
    // Another process's removal (ENOENT) counts as done: the bytes are gone either way.
    if (::unlink((dir + "/" + e.name).c_str()) == 0 || errno == ENOENT) {
      r.bytes_after -= e.bytes;
      ++r.removed;
    }
  }
  return r;
}

}  // namespace detail

NEURON_INLINE void forget_total(const std::string& dir) { ::unlink((dir + "/.size").c_str()); }

NEURON_INLINE EvictionResult account_and_evict(const std::string& dir, const std::string& suffix,
                                               std::int64_t max_bytes, std::int64_t added) {
  detail::DirLock lock(dir + "/.lock");
  const std::string total_path = dir + "/.size";
  std::int64_t total = detail::read_total(total_path);
  EvictionResult r;
  if (total < 0) {  // no running total yet (or a garbled one): count the entries
    r = detail::scan_and_evict(dir, suffix, INT64_MAX);
    total = r.bytes_after;
  } else {
    total += added;
  }
  r.bytes_before = r.bytes_after = total;
  if (total > max_bytes) {
    // Down to 90%, so that a full directory is scanned once per tenth of its bound, not per entry.
    const EvictionResult e = detail::scan_and_evict(dir, suffix, max_bytes - max_bytes / 10);
    r.bytes_after = e.bytes_after;
    r.removed = e.removed;
  }
  detail::write_total(total_path, r.bytes_after);
  return r;
}

}  // namespace neuron::lazy
