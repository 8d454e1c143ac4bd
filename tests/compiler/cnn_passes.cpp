// The traced-plan passes for CNNs (compiler/cnn_passes.hpp): each one is checked by what it does
// to the plan and by the plan's output against eager mode, with the pass on and off.
#include "test_util.hpp"

#include <cstring>
#include <thread>

namespace nn = neuron::nn;

namespace {

// A BatchNorm2d with non-trivial statistics and affine parameters.
nn::BatchNorm2d random_bn(std::int64_t c) {
  nn::BatchNorm2d bn(c);
  nr::StateDict d;
  d["weight"] = nr::rand({c}) + 0.5f;
  d["bias"] = nr::randn({c});
  d["running_mean"] = nr::randn({c});
  d["running_var"] = nr::rand({c}) + 0.5f;
  d["num_batches_tracked"] = nr::zeros({}, nr::int64);
  bn.load_state_dict(d);
  bn.eval();
  return bn;
}

int count_steps(const nr::TracedModule& tm, const std::string& op) {
  int n = 0;
  for (const auto& st : tm.plans()[0].steps) n += st.op->name() == op;
  return n;
}

// The attributes of the plan's convolutions, by name.
std::vector<std::map<std::string, std::int64_t>> conv_attrs(const nr::TracedModule& tm) {
  std::vector<std::map<std::string, std::int64_t>> v;
  auto add = [&](const auto& c) {
    v.push_back({{"has_bias", c.has_bias},
                 {"activation", c.activation},
                 {"has_residual", c.has_residual},
                 {"src_channels_last", c.src_channels_last},
                 {"dst_channels_last", c.dst_channels_last}});
  };
  for (const auto& st : tm.plans()[0].steps) {
    if (auto* c = dynamic_cast<const nr::OpModel<nr::Conv2dOp>*>(st.op.get())) add(c->op());
    if (auto* c = dynamic_cast<const nr::OpModel<nr::Conv1dOp>*>(st.op.get())) add(c->op());
  }
  return v;
}

nr::CompileOptions only(bool fold, bool fuse, bool last) {
  nr::CompileOptions c;
  c.fold_batch_norm = fold;
  c.fuse_conv_epilogues = fuse;
  c.channels_last = last;
  return c;
}

nr::TracedModule traced(const std::function<nr::Tensor(const nr::Tensor&)>& f, const nr::Tensor& x,
                        const nr::CompileOptions& c) {
  nr::TraceOptions o;
  o.compile = c;
  return nr::trace(f, x, o);
}

// Saved and loaded, the module still equals eager within float32 rounding.
void check_against_eager(const nr::TracedModule& tm, const nr::Tensor& x, const nr::Tensor& want,
                         const std::string& what) {
  test::check_close(tm(x), want, 1e-5, 1e-5, what);
  const std::string bytes = tm.to_bytes();
  test::check_close(nr::load_from_memory(bytes.data(), bytes.size())(x), want, 1e-5, 1e-5,
                    what + " (saved + loaded)");
}

}  // namespace

TEST_CASE("fold_batch_norms: conv -> batch_norm becomes one conv with a bias, same output") {
  nr::manual_seed(10);
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).padding(1).bias(false));
  nn::Conv1d conv1(nn::Conv1dOptions(4, 6, 3).padding(1));
  nn::BatchNorm2d bn = random_bn(8);
  nn::BatchNorm1d bn1(6);
  bn1.eval();
  auto f = [&](const nr::Tensor& x) { return bn(conv(x)); };
  const nr::Tensor x = nr::randn({2, 3, 10, 9});
  const nr::Tensor want = f(x);
  nr::TracedModule off = traced(f, x, only(false, false, false));
  CHECK(count_steps(off, "batch_norm") == 1);
  check_against_eager(off, x, want, "unfolded");
  nr::TracedModule on = traced(f, x, only(true, false, false));
  CHECK(count_steps(on, "batch_norm") == 0);
  CHECK(count_steps(on, "conv2d") == 1);
  CHECK(conv_attrs(on)[0].at("has_bias") == 1);
  check_against_eager(on, x, want, "folded");
  // The module keeps the folded weight and bias, not the originals it no longer uses.
  CHECK(on.weights().size() == 2);
  for (const auto& name : on.weight_names()) CHECK(name.find(".bn_folded") != std::string::npos);
  // conv1d with its own bias, and a BatchNorm1d
  auto g = [&](const nr::Tensor& x) { return bn1(conv1(x)); };
  const nr::Tensor x1 = nr::randn({3, 4, 12});
  nr::TracedModule on1 = traced(g, x1, only(true, false, false));
  CHECK(count_steps(on1, "batch_norm") == 0);
  check_against_eager(on1, x1, g(x1), "conv1d folded");
}

TEST_CASE("fold_batch_norms leaves a conv output that something else reads") {
  nr::manual_seed(11);
  nn::Conv2d conv(nn::Conv2dOptions(2, 4, 3).padding(1));
  nn::BatchNorm2d bn = random_bn(4);
  auto f = [&](const nr::Tensor& x) {
    nr::Tensor y = conv(x);
    return nr::Tensor(bn(y) + y);
  };
  const nr::Tensor x = nr::randn({1, 2, 6, 6});
  nr::TracedModule tm = traced(f, x, only(true, true, true));
  CHECK(count_steps(tm, "batch_norm") == 1);
  check_against_eager(tm, x, f(x), "shared conv output");
}

TEST_CASE("fuse_conv_epilogues: activations and the residual add become oneDNN post-ops") {
  nr::manual_seed(12);
  nn::Conv2d conv(nn::Conv2dOptions(4, 4, 3).padding(1));
  const nr::Tensor x = nr::randn({2, 4, 7, 7}) * 2.0f;
  const std::vector<std::pair<std::string, std::function<nr::Tensor(const nr::Tensor&)>>> acts = {
      {"relu", [](const nr::Tensor& t) -> nr::Tensor { return nr::relu(t); }},
      {"relu6", [](const nr::Tensor& t) -> nr::Tensor { return nr::relu6(t); }},
      {"silu", [](const nr::Tensor& t) -> nr::Tensor { return nr::silu(t); }},
      {"hardswish", [](const nr::Tensor& t) -> nr::Tensor { return nr::hardswish(t); }},
      {"gelu", [](const nr::Tensor& t) -> nr::Tensor { return nr::gelu(t); }},
      {"gelu tanh",
       [](const nr::Tensor& t) -> nr::Tensor { return nr::gelu(t, nr::GeluApproximation::tanh); }}};
  for (std::size_t a = 0; a < acts.size(); ++a) {
    CAPTURE(acts[a].first);
    auto f = [&](const nr::Tensor& in) { return acts[a].second(conv(in)); };
    nr::TracedModule off = traced(f, x, only(true, false, false));
    CHECK(count_steps(off, "fused") == 1);
    nr::TracedModule on = traced(f, x, only(true, true, false));
    CHECK(count_steps(on, "fused") == 0);
    CHECK(conv_attrs(on)[0].at("activation") == static_cast<std::int64_t>(a + 1));
    check_against_eager(on, x, f(x), acts[a].first);
  }
  // relu(conv(x) + x): the residual is added before the activation; either operand order
  for (bool conv_first : {true, false}) {
    CAPTURE(conv_first);
    auto f = [&](const nr::Tensor& in) {
      nr::Tensor c = conv(in);
      return nr::Tensor(conv_first ? nr::relu(c + in) : nr::relu(in + c));
    };
    nr::TracedModule on = traced(f, x, only(true, true, false));
    CHECK(count_steps(on, "fused") == 0);
    CHECK(conv_attrs(on)[0].at("has_residual") == 1);
    CHECK(conv_attrs(on)[0].at("activation") == 1);
    check_against_eager(on, x, f(x), "residual + relu");
  }
  // a plain residual add, as MobileNetV2's blocks end
  auto add = [&](const nr::Tensor& in) { return nr::Tensor(conv(in) + in); };
  nr::TracedModule on = traced(add, x, only(true, true, false));
  CHECK(count_steps(on, "fused") == 0);
  check_against_eager(on, x, add(x), "residual");
}

TEST_CASE("fuse_conv_epilogues leaves what it cannot express") {
  nr::manual_seed(13);
  nn::Conv2d conv(nn::Conv2dOptions(3, 3, 3).padding(1));
  const nr::Tensor x = nr::randn({1, 3, 5, 5});
  const std::vector<std::pair<std::string, std::function<nr::Tensor(const nr::Tensor&)>>> cases = {
      {"scaled", [&](const nr::Tensor& in) -> nr::Tensor { return nr::relu(conv(in) * 0.5f); }},
      {"broadcast add",
       [&](const nr::Tensor& in) -> nr::Tensor {
         return conv(in) + nr::ones({3, 1, 1});
       }},
      {"read twice",
       [&](const nr::Tensor& in) -> nr::Tensor {
         nr::Tensor c = conv(in);
         return nr::relu(c) * c;
       }},
      // the residual is computed after the conv: the conv cannot wait for it
      {"later residual", [&](const nr::Tensor& in) -> nr::Tensor {
         nr::Tensor c = conv(in);
         return c + conv(nr::relu(in));
       }}};
  for (const auto& named : cases) {  // no structured binding: CAPTURE is a lambda (clang)
    const std::string& name = named.first;
    const auto& f = named.second;
    CAPTURE(name);
    nr::TracedModule tm = traced(f, x, only(true, true, true));
    check_against_eager(tm, x, f(x), name);
    if (name != "later residual") CHECK(count_steps(tm, "fused") >= 1);
  }
}

TEST_CASE("use_channels_last keeps activations channels-last between convolutions only") {
  nr::manual_seed(14);
  nn::Conv2d c1(nn::Conv2dOptions(3, 8, 3).padding(1)), c2(nn::Conv2dOptions(8, 8, 3).padding(1));
  nn::Conv2d c3(nn::Conv2dOptions(8, 4, 1));
  auto f = [&](const nr::Tensor& x) {
    nr::Tensor y = nr::relu(c1(x));  // conv + relu: fused
    y = nr::max_pool2d(y, 2);        // pooling keeps the layout
    nr::Tensor z = c2(y);
    z = nr::sigmoid(z) * y;  // same-shape elementwise keeps it too
    z = c3(z);               // its output leaves the region
    return nr::Tensor(nr::softmax(nr::reshape(z, {z.shape()[0], -1}), -1));
  };
  const nr::Tensor x = nr::randn({2, 3, 12, 10});
  const nr::Tensor want = f(x);
  nr::TracedModule off = traced(f, x, only(true, true, false));
  for (const auto& a : conv_attrs(off)) CHECK(a.at("dst_channels_last") == 0);
  check_against_eager(off, x, want, "plain");
  nr::TracedModule on = traced(f, x, only(true, true, true));
  const auto a = conv_attrs(on);
  REQUIRE(a.size() == 3);
  CHECK(a[0].at("src_channels_last") == 0);  // the module's input is plain
  CHECK(a[0].at("dst_channels_last") == 1);
  CHECK(a[1].at("src_channels_last") == 1);
  CHECK(a[1].at("dst_channels_last") == 1);
  CHECK(a[2].at("src_channels_last") == 1);
  CHECK(a[2].at("dst_channels_last") == 0);  // read by reshape, which needs plain
  for (const auto& st : on.plans()[0].steps)
    if (auto* m = dynamic_cast<const nr::OpModel<nr::MaxPool<2>>*>(st.op.get()))
      CHECK(m->op().channels_last);
  check_against_eager(on, x, want, "channels last");
  // A broadcasting elementwise op reads positions, not values in order: it stays plain.
  const nr::Tensor scale = nr::rand({8, 1, 1});
  auto g = [&](const nr::Tensor& in) { return c2(nr::Tensor(c2(c1(in)) * scale)); };
  nr::TracedModule tg = traced(g, x, only(true, true, true));
  const auto b = conv_attrs(tg);
  CHECK(b[1].at("dst_channels_last") == 0);
  check_against_eager(tg, x, g(x), "broadcast");
  // Unbatched convolutions ([C, H, W]) stay plain: a rank-3 value means [B, C, L] to conv1d.
  const nr::Tensor u = nr::randn({3, 12, 10});
  auto h = [&](const nr::Tensor& in) { return c2(nr::relu(c1(in))); };
  nr::TracedModule th = traced(h, u, only(true, true, true));
  for (const auto& a : conv_attrs(th)) CHECK(a.at("dst_channels_last") == 0);
  check_against_eager(th, u, h(u), "unbatched");
}

namespace {
// Sets NEURON_CONV_CHANNEL_BLOCK for one scope (conv_channel_block() reads it at every trace).
struct ChannelBlockEnv {
  explicit ChannelBlockEnv(const char* v) {
    if (const char* e = std::getenv("NEURON_CONV_CHANNEL_BLOCK")) old = e, had = true;
    setenv("NEURON_CONV_CHANNEL_BLOCK", v, 1);
  }
  ~ChannelBlockEnv() {
    if (had)
      setenv("NEURON_CONV_CHANNEL_BLOCK", old.c_str(), 1);
    else
      unsetenv("NEURON_CONV_CHANNEL_BLOCK");
  }
  std::string old;
  bool had = false;
};

// The channel blocks of a plan's max_pool2d / batch_norm steps, and of its conv2d steps as
// 100 * input block + output block.
template <class Op>
std::vector<std::int64_t> blocks_of(const nr::TracedModule& tm) {
  std::vector<std::int64_t> v;
  for (const auto& st : tm.plans()[0].steps)
    if (auto* m = dynamic_cast<const nr::OpModel<Op>*>(st.op.get())) {
      if constexpr (std::is_same_v<Op, nr::Conv2dOp>)
        v.push_back(100 * m->op().src_channel_block + m->op().dst_channel_block);
      else
        v.push_back(m->op().channel_block);
    }
  return v;
}
}  // namespace

TEST_CASE(
    "use_channels_last in channel blocks: where the block divides the channels, same output") {
  nr::manual_seed(19);
  // An RGB input (3 channels: read plain), 16-channel activations (blocked), a residual, pooling,
  // a batch norm kept (no folding: it runs in blocks too) and a 12-channel tail (not blocked).
  nn::Conv2d c1(nn::Conv2dOptions(3, 16, 3).padding(1)),
      c2(nn::Conv2dOptions(16, 16, 3).padding(1));
  nn::Conv2d dw(nn::Conv2dOptions(16, 16, 3).padding(1).groups(16));
  nn::Conv2d c3(nn::Conv2dOptions(16, 12, 1)), c4(nn::Conv2dOptions(12, 12, 3).padding(1));
  nn::BatchNorm2d bn = random_bn(16);
  auto f = [&](const nr::Tensor& x) {
    nr::Tensor y = nr::max_pool2d(nr::relu(c1(x)), 2);
    nr::Tensor z = nr::relu(c2(y) + y);             // residual: fused into c2
    z = nr::hardswish(bn(dw(z))) * nr::sigmoid(z);  // elementwise over blocked values
    nr::Tensor t = c4(nr::relu(c3(z)));
    return nr::Tensor(nr::sum(t, {2, 3}, false));
  };
  const nr::Tensor x = nr::randn({2, 3, 14, 10});
  const nr::Tensor want = f(x);
  for (const char* block : {"8", "16", "0"}) {
    CAPTURE(block);
    ChannelBlockEnv env(block);
    CHECK(nr::conv_channel_block() == std::atoi(block));
    nr::TracedModule tm = traced(f, x, only(false, true, true));
    const std::int64_t b = std::atoi(block);  // every block divides 16 channels, none 12
    // 3 channels in (plain) -> 16 (blocked); 16 -> 16 twice; 16 -> 12 (NHWC); 12 -> 12 (NHWC)
    CHECK(blocks_of<nr::Conv2dOp>(tm) ==
          std::vector<std::int64_t>{b, 101 * b, 101 * b, 100 * b, 0});
    CHECK(blocks_of<nr::MaxPool<2>>(tm) == std::vector<std::int64_t>{b});
    CHECK(blocks_of<nr::BatchNorm>(tm) == std::vector<std::int64_t>{b});
    check_against_eager(tm, x, want, std::string("channel block ") + block);
  }
  // Ops made by hand with blocks their tensors cannot hold are refused with the reason.
  nr::Conv2dOp bad;
  bad.src_channels_last = true;
  bad.src_channel_block = 8;
  const std::vector<nr::TensorSpec> twelve{{nr::Shape{1, 12, 4, 4}, nr::float32},
                                           {nr::Shape{8, 12, 1, 1}, nr::float32}};
  CHECK_THROWS_WITH_AS(bad.infer(twelve), doctest::Contains("blocks of 8 channels"),
                       nr::ShapeError);
  bad.src_channel_block = 4;
  CHECK_THROWS_AS(bad.infer(twelve), nr::ValueError);
  nr::MaxPool<2> pool;
  pool.channels_last = true;
  pool.channel_block = 16;
  CHECK_THROWS_WITH_AS(pool.infer({twelve[0]}), doctest::Contains("blocks of 16 channels"),
                       nr::ShapeError);
}

TEST_CASE("the passes are what trace uses by default, also with dynamic batch") {
  nr::manual_seed(15);
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)), random_bn(8),
                   nn::ReLU6(), nn::Conv2d(nn::Conv2dOptions(8, 8, 3).stride(2)), nn::SiLU(),
                   nn::AdaptiveAvgPool2d({1, 1}), nn::Flatten(), nn::Linear(8, 5));
  m.eval();
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule tm = nr::trace(m, nr::randn({2, 3, 16, 16}), o);
  CHECK(count_steps(tm, "batch_norm") == 0);
  CHECK(count_steps(tm, "fused") == 0);
  for (std::int64_t b : {1, 2, 3, 5}) {
    const nr::Tensor x = nr::randn({b, 3, 16, 16});
    test::check_close(tm(x), m(x), 1e-5, 1e-5, "batch " + std::to_string(b));
  }
}

TEST_CASE("a traced CNN called from 4 threads at once gives exact results") {
  // oneDNN primitives and reordered weights are shared by the calls; scratch is per thread.
  nr::manual_seed(16);
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(3, 16, 3).padding(1).bias(false)), random_bn(16),
                   nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
                   nn::Conv2d(nn::Conv2dOptions(16, 16, 3).padding(1).groups(16)), nn::SiLU(),
                   nn::AdaptiveAvgPool2d({1, 1}), nn::Flatten());
  m.eval();
  nr::TracedModule tm = nr::trace(m, nr::randn({1, 3, 20, 20}));
  std::vector<nr::Tensor> xs, want;
  for (int i = 0; i < 8; ++i) {
    xs.push_back(nr::randn({1, 3, 20, 20}));
    want.push_back(tm(xs.back()));
  }
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round)
        for (std::size_t i = 0; i < xs.size(); ++i) {
          const nr::Tensor g = tm(xs[i]);
          bad[static_cast<std::size_t>(t)] +=
              std::memcmp(g.raw_data(), want[i].raw_data(), g.nbytes()) != 0;
        }
    });
  for (auto& th : threads) th.join();
  for (int b : bad) CHECK(b == 0);
}

TEST_CASE("a traced CNN follows set_num_threads after it was made") {
  nr::manual_seed(17);
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(3, 32, 3).padding(1)), nn::ReLU(),
                   nn::Conv2d(nn::Conv2dOptions(32, 32, 3).padding(1)), nn::MaxPool2d(2));
  m.eval();
  const nr::Tensor x = nr::randn({1, 3, 32, 32});
  const int before = nr::get_num_threads();
  nr::set_num_threads(1);
  nr::TracedModule tm = nr::trace(m, x);
  const nr::Tensor one = tm(x);
  nr::set_num_threads(2);
  test::check_close(tm(x), one, 1e-5, 1e-6, "2 threads");
  test::check_close(tm(x), one, 1e-5, 1e-6, "2 threads again");
  nr::set_num_threads(1);
  test::check_equal(tm(x), one);
  nr::set_num_threads(before);
}

TEST_CASE("transposed convolutions and 1-d convolutions keep channels-last between them too") {
  nr::manual_seed(18);
  nn::ConvTranspose2d up1(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1)),
      up2(nn::ConvTranspose2dOptions(6, 3, 3).stride(1).padding(1).groups(3));
  auto f = [&](const nr::Tensor& x) { return up2(nr::relu(up1(x))); };
  const nr::Tensor x = nr::randn({2, 4, 5, 6});
  nr::TracedModule tm = traced(f, x, only(true, true, true));
  int last = 0;
  for (const auto& st : tm.plans()[0].steps)
    if (auto* c = dynamic_cast<const nr::OpModel<nr::ConvTranspose2dOp>*>(st.op.get()))
      last += c->op().dst_channels_last;
  CHECK(last == 1);
  check_against_eager(tm, x, f(x), "conv_transpose2d chain");
  nn::Conv1d a(nn::Conv1dOptions(3, 8, 3).padding(1)), b(nn::Conv1dOptions(8, 8, 3).stride(2));
  nn::BatchNorm1d bn(8);
  bn.eval();
  auto g = [&](const nr::Tensor& in) { return b(nr::max_pool1d(nr::hardswish(bn(a(in))), 2)); };
  const nr::Tensor s = nr::randn({2, 3, 20});
  nr::TracedModule tg = traced(g, s, only(true, true, true));
  const auto attrs = conv_attrs(tg);
  REQUIRE(attrs.size() == 2);
  CHECK(attrs[0].at("activation") == 4);
  CHECK(attrs[0].at("dst_channels_last") == 1);
  CHECK(attrs[1].at("src_channels_last") == 1);
  check_against_eager(tg, s, g(s), "conv1d chain");
}

TEST_CASE("fuse_linear_epilogues: linear + activation / residual become one fused_linear") {
  nr::manual_seed(21);
  nn::Linear fc1(64, 128), fc2(128, 64);
  const nr::Tensor x = nr::randn({4, 16, 64});
  // A transformer feed-forward block: gelu after the first GEMM, the residual after the second.
  auto ff = [&](const nr::Tensor& in) { return nr::Tensor(fc2(nr::gelu(fc1(in))) + in); };
  nr::CompileOptions off_options;
  off_options.fuse_linear_epilogues = false;
  nr::TracedModule off = traced(ff, x, off_options);
  CHECK(count_steps(off, "linear") == 2);
  CHECK(count_steps(off, "fused") == 2);
  nr::TracedModule on = traced(ff, x, nr::CompileOptions{});
  CHECK(count_steps(on, "fused_linear") == 2);
  CHECK(count_steps(on, "linear") == 0);
  CHECK(count_steps(on, "fused") == 0);
  check_against_eager(on, x, ff(x), "feed-forward");

  // lazy mode fuses too, and agrees with the traced module
  const nr::Tensor want = on(x);
  fc1.to(nr::lazy_device());
  fc2.to(nr::lazy_device());
  nr::Tensor y = ff(x.to(nr::lazy_device()));
  const nr::Graph g = test::graph_of({y});
  nr::mark_step();
  test::check_close(y.cpu(), want, 1e-6, 1e-6, "lazy");
  std::shared_ptr<const nr::PreparedPlan> exe = nr::PlanCache::instance().find(g);
  REQUIRE(exe);
  int fused_linears = 0;
  for (const auto& st : exe->plan().steps) fused_linears += st.op->name() == "fused_linear";
  CHECK(fused_linears == 2);
}

TEST_CASE("fuse_linear_epilogues fuses the GEMMs Eigen runs too: batch-1 GEMVs and tiny products") {
  nr::manual_seed(23);
  nn::Linear fc1(64, 128), fc2(128, 64), tiny(8, 4);
  const nr::Tensor x = nr::randn({1, 64});
  auto ff = [&](const nr::Tensor& in) { return nr::Tensor(fc2(nr::silu(fc1(in))) + in); };
  nr::TracedModule tm = traced(ff, x, nr::CompileOptions{});
  CHECK(count_steps(tm, "fused_linear") == 2);
  CHECK(count_steps(tm, "fused") == 0);
  test::check_equal(tm(x), ff(x));  // the same kernels as the unfused eager ops, bit for bit
  check_against_eager(tm, x, ff(x), "GEMV feed-forward");
  auto small = [&](const nr::Tensor& in) { return nr::relu(tiny(nr::slice(in, 1, 0, 8))); };
  const nr::Tensor x8 = nr::randn({4, 64});
  nr::TracedModule ts = traced(small, x8, nr::CompileOptions{});
  CHECK(count_steps(ts, "fused_linear") == 1);
  test::check_equal(ts(x8), small(x8));
}

TEST_CASE("fuse_linear_epilogues leaves what it cannot express") {
  nr::manual_seed(22);
  nn::Linear big(64, 64);
  const nr::Tensor x = nr::randn({32, 64});
  const std::vector<std::pair<std::string, std::function<nr::Tensor(const nr::Tensor&)>>> cases = {
      {"scaled", [&](const nr::Tensor& in) -> nr::Tensor { return nr::relu(big(in) * 0.5f); }},
      {"read twice",
       [&](const nr::Tensor& in) -> nr::Tensor {
         nr::Tensor y = big(in);
         return nr::relu(y) * y;
       }},
      {"broadcast add",
       [&](const nr::Tensor& in) -> nr::Tensor { return big(in) + nr::ones({64}); }}};
  for (const auto& named : cases) {  // no structured binding: CAPTURE is a lambda (clang)
    const std::string& name = named.first;
    const auto& f = named.second;
    CAPTURE(name);
    nr::TracedModule tm = traced(f, x, nr::CompileOptions{});
    CHECK(count_steps(tm, "fused_linear") == 0);
    check_against_eager(tm, x, f(x), name);
  }
}

TEST_CASE("fuse_add_layer_norm: a sum -> layer_norm becomes one add_layer_norm") {
  nr::manual_seed(24);
  nn::LayerNorm norm(std::vector<std::int64_t>{32});
  const nr::Tensor pos = nr::randn({6, 32}), type = nr::randn({2, 6, 32});
  // BERT's embeddings: word + position (broadcast over the batch) + token type, then the norm
  auto embed = [&](const nr::Tensor& word) { return norm(word + pos + type); };
  const nr::Tensor x = nr::randn({2, 6, 32});
  nr::TracedModule on = traced(embed, x, nr::CompileOptions{});
  CHECK(count_steps(on, "add_layer_norm") == 1);
  CHECK(count_steps(on, "fused") == 0);
  CHECK(count_steps(on, "layer_norm") == 0);
  test::check_equal(on(x), embed(x));  // the unfused ops' kernels, bit for bit
  check_against_eager(on, x, embed(x), "embedding sum");
  nr::CompileOptions off_options;
  off_options.fuse_add_layer_norm = false;
  nr::TracedModule off = traced(embed, x, off_options);
  CHECK(count_steps(off, "add_layer_norm") == 0);
  CHECK(count_steps(off, "layer_norm") == 1);

  // lazy mode fuses too
  norm.to(nr::lazy_device());
  const nr::Tensor lazy_pos = pos.to(nr::lazy_device()), lazy_type = type.to(nr::lazy_device());
  nr::Tensor y = norm(x.to(nr::lazy_device()) + lazy_pos + lazy_type);
  const nr::Graph g = test::graph_of({y});
  nr::mark_step();
  test::check_equal(y.cpu(), on(x));
  std::shared_ptr<const nr::PreparedPlan> exe = nr::PlanCache::instance().find(g);
  REQUIRE(exe);
  int fused = 0;
  for (const auto& st : exe->plan().steps) fused += st.op->name() == "add_layer_norm";
  CHECK(fused == 1);
}

TEST_CASE("fuse_add_layer_norm leaves sums it cannot take") {
  nr::manual_seed(25);
  nn::LayerNorm norm(std::vector<std::int64_t>{16});
  const nr::Tensor x = nr::randn({4, 16}), r = nr::randn({4, 16});
  const std::vector<std::pair<std::string, std::function<nr::Tensor(const nr::Tensor&)>>> cases = {
      {"not only adds", [&](const nr::Tensor& in) -> nr::Tensor { return norm(in * r + r); }},
      {"sum read twice",
       [&](const nr::Tensor& in) -> nr::Tensor {
         nr::Tensor s = in + r;
         return norm(s) + s;
       }},
      {"broadcast within a row",
       [&](const nr::Tensor& in) -> nr::Tensor { return norm(in + nr::slice(r, 1, 0, 1)); }}};
  for (const auto& named : cases) {  // no structured binding: CAPTURE is a lambda (clang)
    const std::string& name = named.first;
    const auto& f = named.second;
    CAPTURE(name);
    nr::TracedModule tm = traced(f, x, nr::CompileOptions{});
    CHECK(count_steps(tm, "add_layer_norm") == 0);
    check_against_eager(tm, x, f(x), name);
  }
}
