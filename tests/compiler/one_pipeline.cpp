// Lazy mode and trace() compile one program type through one pipeline (compile.hpp, optimize.hpp):
// the same model, compiled lazily and traced, gives the same plan steps, ops, attributes and
// wiring; only where its constants live differs (inputs of the lazy plan, weights of the traced).
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {

std::string step_text(const nr::Plan& p, const nr::PlanStep& st) {
  auto slot = [&](int s) {
    return std::to_string(s) + ":" + nr::spec_str(p.slots[static_cast<std::size_t>(s)].spec);
  };
  std::string text = st.op->name() + " " + st.op->attrs_json().dump() + " (";
  for (int in : st.inputs) text += slot(in) + " ";
  return text + ") -> " + slot(st.output) + ", " + std::to_string(st.op->scalar_count()) +
         " scalars";
}

std::vector<std::string> steps_of(const nr::Plan& p) {
  std::vector<std::string> out;
  for (const nr::PlanStep& st : p.steps) out.push_back(step_text(p, st));
  return out;
}

}  // namespace

TEST_CASE("a CNN compiled lazily and by trace runs the same plan steps") {
  nr::manual_seed(31);
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1)), nn::ReLU(),
                   nn::Conv2d(nn::Conv2dOptions(8, 8, 3).padding(1)), nn::ReLU6(), nn::MaxPool2d(2),
                   nn::Conv2d(nn::Conv2dOptions(8, 4, 1)), nn::Flatten(), nn::Linear(4 * 6 * 6, 10),
                   nn::GELU());
  m.eval();
  const nr::Tensor x = nr::randn({2, 3, 12, 12});
  nr::TracedModule traced = nr::trace(m, x);

  m.to(nr::lazy_device());
  nr::Tensor y = m(x.to(nr::lazy_device()));
  const nr::Graph g = test::graph_of({y});
  nr::mark_step();
  std::shared_ptr<const nr::PreparedPlan> lazy = nr::PlanCache::instance().find(g);
  REQUIRE(lazy);

  const std::vector<std::string> lazy_steps = steps_of(lazy->plan());
  const std::vector<std::string> traced_steps = steps_of(traced.plans()[0]);
  CHECK(lazy_steps.size() < g.op_count());  // the passes ran: epilogues fused, layouts chosen
  REQUIRE(lazy_steps.size() == traced_steps.size());
  for (std::size_t i = 0; i < lazy_steps.size(); ++i) CHECK(lazy_steps[i] == traced_steps[i]);
  CHECK(lazy->plan().arena_bytes == traced.plans()[0].arena_bytes);
  test::check_close(y.cpu(), traced(x), 1e-5, 1e-6, "lazy against traced");
}

TEST_CASE("an MLP step with a runtime scalar: the same steps, its scalar read per call") {
  nr::manual_seed(32);
  nn::Sequential m(nn::Linear(16, 32), nn::ReLU(), nn::Linear(32, 8));
  const nr::Tensor x = nr::randn({4, 16});
  auto fn = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{m(in[0]) * 0.5f};
  };
  nr::TracedModule traced = nr::trace(fn, {x});

  m.to(nr::lazy_device());
  nr::Tensor y = m(x.to(nr::lazy_device())) * 0.5f;
  const nr::Graph g = test::graph_of({y});
  nr::mark_step();
  std::shared_ptr<const nr::PreparedPlan> lazy = nr::PlanCache::instance().find(g);
  REQUIRE(lazy);
  CHECK(steps_of(lazy->plan()) == steps_of(traced.plans()[0]));
  int runtime = 0, stored = 0;
  for (const nr::PlanStep& st : lazy->plan().steps) runtime += st.scalar_offset >= 0;
  for (const nr::PlanStep& st : traced.plans()[0].steps) stored += !st.scalars.empty();
  CHECK(runtime == 1);
  CHECK(stored == 1);
  test::check_close(y.cpu(), traced(x), 1e-5, 1e-6, "lazy against traced");
}
