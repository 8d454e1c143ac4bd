// One object of a type per thread: the scratch the hot paths reuse from call to call (release
// stacks, input vectors, hash memos, small storage blocks).
#pragma once

namespace neuron::detail {

// This thread's T, value-initialized on first use; nullptr once the thread has destroyed it (at
// thread exit, other thread-locals' destructors may still release tensors): callers then do
// without it.
template <class T>
T* this_thread_object() {
  thread_local bool gone = false;  // trivial: readable after `holder` is destroyed
  struct Holder {
    T object;
    bool& gone;
    ~Holder() { gone = true; }
  };
  thread_local Holder holder{{}, gone};
  return gone ? nullptr : &holder.object;
}

}  // namespace neuron::detail
