// Definitions for file_io.hpp.
#pragma once

#include "file_io.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace neuron {

NEURON_INLINE std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_error<IOError>("cannot open '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw_error<IOError>("cannot stat '", path, "': ", std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw_error<IOError>("'", path, "' is not a regular file");
  }
  auto f = std::shared_ptr<MappedFile>(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<std::size_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw_error<IOError>("cannot map '", path, "': ", std::strerror(e));
    }
    f->data_ = static_cast<std::byte*>(p);
  }
  ::close(fd);
  return f;
}

NEURON_INLINE MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

namespace detail {
NEURON_INLINE void write_file_atomic_impl(const std::string& path,
                                          void (*fill)(void* context, std::FILE* f),
                                          void* context) {
  std::random_device rd;
  std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw_error<IOError>("cannot create '", tmp, "': ", std::strerror(errno));
  bool ok = false;
  try {
    fill(context, f);
    ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  int e = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw_error<IOError>("cannot write '", path, "': ", std::strerror(e ? e : EIO));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    e = errno;
    std::remove(tmp.c_str());
    throw_error<IOError>("cannot rename '", tmp, "' to '", path, "': ", std::strerror(e));
  }
}
}  // namespace detail

NEURON_INLINE void write_all(std::FILE* f, const void* p, std::size_t n, const std::string& path) {
  if (n && std::fwrite(p, 1, n, f) != n)
    throw_error<IOError>("cannot write '", path, "': ", std::strerror(errno));
}

}  // namespace neuron
