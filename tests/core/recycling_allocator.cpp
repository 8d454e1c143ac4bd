#include "test_util.hpp"

#include <thread>
#include <vector>

#include <neuron/core/recycling_allocator.hpp>

namespace {
struct Block {
  char bytes[48];
};
using Alloc = nr::detail::RecyclingAllocator<Block>;
}  // namespace

TEST_CASE("the recycling allocator hands a freed block out again, last freed first") {
  Alloc a;
  Block* x = a.allocate(1);
  Block* y = a.allocate(1);
  a.deallocate(x, 1);
  a.deallocate(y, 1);
  CHECK(a.allocate(1) == y);
  CHECK(a.allocate(1) == x);
  Block* many = a.allocate(3);  // arrays go to operator new
  a.deallocate(many, 3);
  a.deallocate(x, 1);
  a.deallocate(y, 1);
}

TEST_CASE("recycled blocks cross threads and outlive the thread that kept them") {
  // Blocks made on one thread and freed on another go to the freeing thread's list; a thread's
  // list is freed when it exits, and frees after that go to operator delete.
  std::vector<std::shared_ptr<nr::TensorImpl>> made_elsewhere;
  std::thread maker([&] {
    for (int i = 0; i < 300; ++i) made_elsewhere.push_back(nr::detail::make_tensor_impl());
    std::vector<std::shared_ptr<nr::TensorImpl>> kept;
    for (int i = 0; i < 300; ++i) kept.push_back(nr::detail::make_tensor_impl());
    kept.clear();  // 256 kept on this thread's list, the rest deleted
  });
  maker.join();
  made_elsewhere.clear();  // onto this thread's list
  nr::Tensor t = nr::rand({3, 4});
  std::thread user([t] {
    nr::Tensor u = nr::add(t, t);  // handles and storage from the user thread's lists
    CHECK(u.shape() == nr::Shape{3, 4});
  });
  user.join();
  CHECK(nr::add(t, t).shape() == nr::Shape{3, 4});
}

TEST_CASE("a lazy graph made on one thread is released on another, whatever its length") {
  nr::Tensor y = nr::rand({2}, nr::lazy_device());
  std::thread recorder([&] {
    for (int i = 0; i < 100000; ++i) y = nr::neg(y);  // a 100k-node chain recorded here
  });
  recorder.join();
  std::thread releaser([y = std::move(y)]() mutable { y = nr::Tensor(); });  // released there
  releaser.join();
  nr::Tensor z = nr::rand({2}, nr::lazy_device());
  for (int i = 0; i < 100000; ++i) z = nr::neg(z);
  z = nr::Tensor();  // and here, on the thread's reused release stack
  CHECK(!z.defined());
}

TEST_CASE("small storage blocks are reused on the thread that freed them, and can be released") {
  nr::release_cached_memory();
  const std::byte* freed = nullptr;
  {
    std::shared_ptr<nr::Storage> s = nr::Storage::allocate(40);  // a 64-byte block
    freed = s->data();
  }
  std::shared_ptr<nr::Storage> again = nr::Storage::allocate(64);
  CHECK(again->data() == freed);
  CHECK(reinterpret_cast<std::uintptr_t>(again->data()) % nr::kAlignment == 0);
  std::shared_ptr<nr::Storage> other = nr::Storage::allocate(1000);  // another size: its own list
  CHECK(other->data() != freed);
  again.reset();
  other.reset();
  nr::detail::SmallBlocks& small = *nr::detail::this_thread_object<nr::detail::SmallBlocks>();
  CHECK(small.count[0] == 1);
  CHECK(small.count[1024 / nr::kAlignment - 1] == 1);
  nr::release_cached_memory();
  CHECK(small.count[0] == 0);
  CHECK(small.count[1024 / nr::kAlignment - 1] == 0);
  // Made on a thread that then exits (its lists freed), freed here; and the other way round.
  std::vector<std::shared_ptr<nr::Storage>> made;
  std::thread maker([&] {
    for (int i = 0; i < 100; ++i) made.push_back(nr::Storage::allocate(128));
  });
  maker.join();
  made.clear();  // up to kMaxPerSize kept here, the rest freed
  CHECK(small.count[1] == nr::detail::SmallBlocks::kMaxPerSize);
  std::shared_ptr<nr::Storage> mine = nr::Storage::allocate(128);
  std::thread freer([m = std::move(mine)]() mutable { m.reset(); });
  freer.join();
  nr::release_cached_memory();
}
