// What the oneDNN-backed ops share (conv-inl.hpp, pool-inl.hpp): the CPU engine, a stream per
// thread, dims from shapes, oneDNN's errors as neuron errors, and the cache of weights reordered
// into a primitive's preferred layout. Private to the library: only -inl files include it.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xxhash.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../core/threads.hpp"
#include "epilogue.hpp"

namespace neuron::detail {

NEURON_INLINE dnnl::engine& dnnl_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// Streams are cheap but not meant to be shared between threads that submit at once.
NEURON_INLINE dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

inline dnnl::memory::dims dnnl_dims(const Shape& s) {
  dnnl::memory::dims d;
  for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
  return d;
}

inline dnnl::memory::dims dnnl_dims(const std::vector<std::int64_t>& v) {
  return dnnl::memory::dims(v.begin(), v.end());
}

// Plain (torch) layout of a rank-r float32 tensor: row-major.
inline dnnl::memory::desc dnnl_plain_desc(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tags[dims.size()]);
}

// Channels-last layout of a rank-r float32 tensor [B, C, spatial...]: nwc, nhwc.
inline dnnl::memory::desc dnnl_channels_last_desc(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32,
                            dims.size() == 3 ? tag::acb : tag::acdb);
}

// Channel-blocked layout of a rank-3/4 float32 tensor [B, C, spatial...] whose C is a multiple of
// `block` (8 or 16): [B, C / block, spatial..., block] in memory (oneDNN's nCw8c, nChw8c, ...),
// the layout its AVX2 direct convolutions read and write without a reorder.
inline dnnl::memory::desc dnnl_channel_blocked_desc(const dnnl::memory::dims& dims,
                                                    std::int64_t block) {
  using tag = dnnl::memory::format_tag;
  const bool b16 = block == 16;
  const tag t =
      dims.size() == 3 ? (b16 ? tag::nCw16c : tag::nCw8c) : (b16 ? tag::nChw16c : tag::nChw8c);
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, t);
}

// An activation's layout in a traced plan (compiler/cnn_passes): plain, channels-last, or
// channels-last in blocks of `block` channels.
inline dnnl::memory::desc dnnl_activation_desc(const dnnl::memory::dims& dims, bool channels_last,
                                               std::int64_t block) {
  if (!channels_last) return dnnl_plain_desc(dims);
  return block > 0 ? dnnl_channel_blocked_desc(dims, block) : dnnl_channels_last_desc(dims);
}

// Per-thread scratch memories for layout changes around a primitive (`slot` picks one of a few),
// grown on demand and kept, so steady-state calls allocate nothing.
NEURON_INLINE void* dnnl_scratch_data(int slot, std::size_t bytes) {
  thread_local std::shared_ptr<Storage> buffers[4];
  std::shared_ptr<Storage>& b = buffers[slot];
  if (!b || b->nbytes() < bytes) b = Storage::allocate(bytes);
  return b->data();
}
inline dnnl::memory dnnl_scratch(int slot, const dnnl::memory::desc& d) {
  return dnnl::memory(d, dnnl_engine(), dnnl_scratch_data(slot, d.get_size()));
}

// Primitive attributes for every primitive neuron makes: the scratchpad is ours (per thread),
// not oneDNN's global one, which Debian's build shares between all threads (it is built without
// DNNL_ENABLE_CONCURRENT_EXEC), so that one module may run on many threads at once.
inline dnnl::primitive_attr dnnl_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

constexpr int kScratchpadSlot = 3;

// A new id for a primitive whose call arguments dnnl_call_args caches.
NEURON_INLINE std::uint64_t next_dnnl_primitive_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The argument memories of one primitive's calls on this thread, made on its first call and
// re-pointed at each call's tensors: dnnl_memory_create allocates, and a GEMM at M = 4 spent a
// third of its time making its five memories. Per thread, because one primitive (a traced plan
// node) may run on many threads at once. A primitive's argument descs never change, so `set`
// only re-points the memory it made on the first call.
class DnnlCallArgs {
 public:
  // Argument `key` is `d` over `data`.
  void set(int key, const dnnl::memory::desc& d, void* data) {
    auto it = args_.find(key);
    if (it != args_.end() && made_here_.count(key)) {
      it->second.set_data_handle(data);
      return;
    }
    args_[key] = dnnl::memory(d, dnnl_engine(), data);
    made_here_.insert(key);
  }
  // Argument `key` is `m`, a memory the caller owns (reordered weights): never re-pointed here,
  // and let go after the call (execute), so that a module's packed weights die with it.
  void set(int key, const dnnl::memory& m) {
    args_[key] = m;
    made_here_.erase(key);
  }
  // Runs `p` with this thread's scratchpad for `scratchpad` (the pd's scratchpad_desc), and waits.
  void execute(const dnnl::primitive& p, const dnnl::memory::desc& scratchpad);

 private:
  std::unordered_map<int, dnnl::memory> args_;
  std::set<int> made_here_;
};

// This thread's DnnlCallArgs of primitive `id` (next_dnnl_primitive_id). Forgets them all past
// 256 primitives, so that a thread running many shapes eagerly does not grow without bound.
NEURON_INLINE DnnlCallArgs& dnnl_call_args(std::uint64_t id) {
  thread_local std::unordered_map<std::uint64_t, DnnlCallArgs> by_primitive;
  if (by_primitive.size() > 256 && by_primitive.find(id) == by_primitive.end())
    by_primitive.clear();
  return by_primitive[id];
}

// Runs `p` with `args` and this thread's scratchpad for `scratchpad` (the pd's scratchpad_desc).
inline void dnnl_execute(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory> args,
                         const dnnl::memory::desc& scratchpad) {
  if (scratchpad.get_size() > 0)
    args[DNNL_ARG_SCRATCHPAD] = dnnl_scratch(kScratchpadSlot, scratchpad);
  p.execute(dnnl_stream(), args);
}

inline void DnnlCallArgs::execute(const dnnl::primitive& p, const dnnl::memory::desc& scratchpad) {
  if (const std::size_t bytes = scratchpad.get_size())
    set(DNNL_ARG_SCRATCHPAD, scratchpad, dnnl_scratch_data(kScratchpadSlot, bytes));
  p.execute(dnnl_stream(), args_);
  dnnl_stream().wait();
  for (auto& [key, m] : args_)
    if (!made_here_.count(key)) m = dnnl::memory();
}

// Copies `src` into `dst` (same logical tensor, other layouts), safe on many threads at once.
inline void dnnl_reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  dnnl::reorder::primitive_desc pd(src, dst, dnnl_attr());
  dnnl_execute(dnnl::reorder(pd), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}, pd.scratchpad_desc());
}

// Reorders `from` (memory over some bytes) into a memory of layout `to` in scratch `slot`, or
// returns `from` when the layouts are the same.
inline dnnl::memory dnnl_in_layout(dnnl::memory from, const dnnl::memory::desc& to, int slot) {
  if (from.get_desc() == to) return from;
  dnnl::memory m = dnnl_scratch(slot, to);
  dnnl_reorder(from, m);
  return m;
}

// A oneDNN memory over a tensor's own bytes (no copy).
inline dnnl::memory dnnl_memory(const dnnl::memory::desc& d, const Tensor& t) {
  return dnnl::memory(d, dnnl_engine(), t.raw_data());
}

// The oneDNN eltwise algorithm (and its alpha, beta) of an epilogue activation; undef for none.
inline dnnl::algorithm epilogue_algorithm(std::int64_t a, float& alpha, float& beta) {
  alpha = 0;
  beta = 0;
  switch (static_cast<EpilogueActivation>(a)) {
    case EpilogueActivation::relu:
      return dnnl::algorithm::eltwise_relu;
    case EpilogueActivation::relu6:
      beta = 6;
      return dnnl::algorithm::eltwise_clip_v2;
    case EpilogueActivation::silu:
      alpha = 1;
      return dnnl::algorithm::eltwise_swish;
    case EpilogueActivation::hardswish:
      return dnnl::algorithm::eltwise_hardswish;
    case EpilogueActivation::gelu_erf:
      return dnnl::algorithm::eltwise_gelu_erf;
    case EpilogueActivation::gelu_tanh:
      return dnnl::algorithm::eltwise_gelu_tanh;
    default:
      return dnnl::algorithm::undef;
  }
}

// Runs `f`, turning oneDNN's exceptions into a neuron error that names the op. Shapes are checked
// by infer() before, so this is for what oneDNN itself cannot do (an unsupported combination).
template <class F>
auto dnnl_call(const char* op, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const dnnl::error& e) {
    throw_error<ValueError>(op, ": oneDNN cannot run this configuration: ", e.what());
  }
}

// Reorders `w` (plain layout `plain`) into `packed` and returns the new memory.
inline dnnl::memory dnnl_reorder_weights(const void* w, const dnnl::memory::desc& plain,
                                         const dnnl::memory::desc& packed) {
  dnnl::memory src(plain, dnnl_engine(), const_cast<void*>(w));
  dnnl::memory dst(packed, dnnl_engine());
  dnnl_reorder(src, dst);
  dnnl_stream().wait();
  return dst;
}

inline dnnl::memory dnnl_reorder_weights(const Tensor& w, const dnnl::memory::desc& plain,
                                         const dnnl::memory::desc& packed) {
  return dnnl_reorder_weights(w.raw_data(), plain, packed);
}

// Weights reordered into a primitive's layout, cached per weight tensor for eager and lazy mode
// (a traced plan reorders its constant weights once when it is prepared). An entry is found by
// the tensor's storage and offset; it is used only while that storage is alive and while the
// bytes still hash to what was reordered, so weights written in place are reordered again: the
// hash reads the weights once per call, several times cheaper than a reorder.
class PackedWeightCache {
 public:
  static PackedWeightCache& instance() {
    static PackedWeightCache cache;
    return cache;
  }

  dnnl::memory get(const Tensor& w, const dnnl::memory::desc& plain,
                   const dnnl::memory::desc& packed) {
    return get(w, 0, plain, packed);
  }
  // The part of `w` from `byte_offset` that `plain` describes (a block of a GEMM's columns).
  dnnl::memory get(const Tensor& w, std::size_t byte_offset, const dnnl::memory::desc& plain,
                   const dnnl::memory::desc& packed) {
    const std::byte* data = static_cast<const std::byte*>(w.raw_data()) + byte_offset;
    if (packed == plain) return dnnl::memory(plain, dnnl_engine(), const_cast<std::byte*>(data));
    const std::shared_ptr<Storage>& storage = w.impl_shared()->storage;
    const std::size_t offset = w.impl_shared()->offset + byte_offset;
    // The bytes the block spans (its last row may end before the tensor's).
    const std::size_t span = std::min(plain.get_size(), w.nbytes() - byte_offset);
    const XXH64_hash_t hash = XXH3_64bits(data, span);
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Entry>& entries = entries_[storage.get()];
    for (Entry& e : entries)
      if (e.storage.lock() == storage && e.offset == offset && e.packed == packed) {
        if (e.hash != hash) {  // written in place since: reorder again
          e.memory = dnnl_reorder_weights(data, plain, packed);
          e.hash = hash;
        }
        return e.memory;
      }
    purge_expired();
    Entry e{storage, offset, packed, hash, dnnl_reorder_weights(data, plain, packed)};
    entries_[storage.get()].push_back(e);
    return e.memory;
  }

 private:
  struct Entry {
    std::weak_ptr<Storage> storage;
    std::size_t offset;
    dnnl::memory::desc packed;
    XXH64_hash_t hash;
    dnnl::memory memory;
  };

  void purge_expired() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto& v = it->second;
      for (std::size_t i = v.size(); i-- > 0;)
        if (v[i].storage.expired()) v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      it = v.empty() ? entries_.erase(it) : std::next(it);
    }
  }

  std::mutex mutex_;
  std::unordered_map<const Storage*, std::vector<Entry>> entries_;
};

}  // namespace neuron::detail
