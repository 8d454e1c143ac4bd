// The persistent cache's size bound, shared by every process that uses one directory.
// Least recently used first, with each entry's modification time as the clock: a write sets it, a
// hit sets it again (touch_entry; atime is unreliable under relatime/noatime mounts). Every write
// adds its bytes to a running total under an exclusive flock() on <dir>/.lock, and eviction runs
// under the same lock, so processes writing and evicting at once take turns and each sees the
// others' entries and removals; readers take no lock: an entry unlinked while a reader has it
// mapped stays readable, one unlinked before the reader opens it is a miss. Entries half-written
// by a killed process (<entry>.tmp-*) are removed once they are an hour old.
#pragma once

#include <cstdint>
#include <string>

#include "../core/config.hpp"

namespace neuron::lazy {

// Marks the entry at `path` as used now (after writing it, and on every hit). Errors are ignored
// (a missing entry was evicted).
void touch_entry(const std::string& path);

struct EvictionResult {
  std::int64_t bytes_before = 0, bytes_after = 0;  // of the entries (files ending in `suffix`)
  int removed = 0;
};

// Adds `added` bytes (an entry just written) to the entries' running total (<dir>/.size, read and
// written under the lock, so every process keeps one count); when it passes `max_bytes`, scans
// the directory and removes the least recently used entries (files whose names end in `suffix`)
// down to 90% of it. The total is counted from the files when missing or garbled; an entry
// replaced in place is counted twice until the next scan (too high is harmless: an early scan).
// Throws IOError when the lock file cannot be opened or locked (a file system without flock):
// the cache then stops writing, with one warning (disk_cache.hpp).
EvictionResult account_and_evict(const std::string& dir, const std::string& suffix,
                                 std::int64_t max_bytes, std::int64_t added);

// Drops the running total (after a write that was not counted), so the next count scans.
void forget_total(const std::string& dir);

}  // namespace neuron::lazy

#ifdef NEURON_HEADER_ONLY
#include "cache_eviction-inl.hpp"
#endif
