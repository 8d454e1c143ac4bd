// RNN, GRU and LSTM unrolled over the (static) sequence length: the input projection of all
// steps is one matmul, each step adds the recurrent one and applies the gates. Forward, reverse
// and bidirectional; layout 0 and 1; clip; LSTM's peepholes and input_forget; GRU's
// linear_before_reset. Activations: Sigmoid, Tanh, Relu. Variable sequence lengths are refused.
#include <algorithm>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

struct RnnKind {
  const char* name;
  int gates;                              // 1 (RNN), 3 (GRU), 4 (LSTM)
  std::vector<std::string> default_acts;  // per direction
};

Tensor activate(const OpContext& c, const std::string& f, const Tensor& x) {
  if (f == "Sigmoid") return nr::sigmoid(x);
  if (f == "Tanh") return nr::tanh(x);
  if (f == "Relu") return nr::relu(x);
  c.fail("activation ", f, " is not supported (neuron supports Sigmoid, Tanh and Relu)");
}

// Slice k of size h along the last dim.
Tensor part(const Tensor& x, int k, std::int64_t h) {
  return nr::slice(x, x.rank() - 1, k * h, (k + 1) * h);
}

Tensor dir_slice(const Tensor& t, int d) { return nr::squeeze(nr::slice(t, 0, d, d + 1), 0); }

void run_recurrent(OpContext& c, const RnnKind& kind) {
  const bool batch_first = c.attr_i("layout", 0) != 0;
  Tensor x = c.in(0), w = c.in(1), r = c.in(2);
  if (batch_first) x = nr::transpose(x, 0, 1);  // [seq, batch, input]
  if (x.rank() != 3 || w.rank() != 3 || r.rank() != 3)
    c.fail<ShapeError>("X, W and R must be 3-d, got ", x.shape(), ", ", w.shape(), ", ", r.shape());
  const std::string direction = c.attr_s("direction", "forward");
  const int dirs = direction == "bidirectional" ? 2 : 1;
  const std::int64_t seq = x.shape()[0], batch = x.shape()[1];
  const std::int64_t h = c.has_attr("hidden_size") ? c.attr_i("hidden_size", 0) : r.shape()[2];
  const int g = kind.gates;
  if (w.shape()[0] != dirs || w.shape()[1] != g * h || r.shape() != Shape{dirs, g * h, h})
    c.fail<ShapeError>("W ", w.shape(), " and R ", r.shape(), " do not fit ", dirs,
                       " direction(s), hidden size ", h, " and ", g, " gate(s)");
  if (c.has(4)) {
    std::vector<std::int64_t> lens = c.ints(4);
    for (auto l : lens)
      if (l != seq)
        c.fail("sequence_lens ", ints_text(lens), " differ from the sequence length ", seq,
               "; variable lengths are not supported");
  }
  std::vector<std::string> acts;
  if (const Attribute* a = c.attr("activations")) acts = a->strings;
  if (acts.empty())
    for (int d = 0; d < dirs; ++d)
      acts.insert(acts.end(), kind.default_acts.begin(), kind.default_acts.end());
  const std::size_t per_dir = kind.default_acts.size();
  if (acts.size() != per_dir * static_cast<std::size_t>(dirs))
    c.fail("activations has ", acts.size(), " entries, expected ", per_dir * dirs);
  const double clip = c.attr_f("clip", 0.0);
  const bool has_clip = c.has_attr("clip");
  const bool linear_before_reset = c.attr_i("linear_before_reset", 0) != 0;
  const bool input_forget = c.attr_i("input_forget", 0) != 0;
  const int lstm = g == 4;
  auto state = [&](int input) {
    if (!c.has(input)) return c.place(nr::zeros({dirs, batch, h}, x.dtype()));
    Tensor s = c.in(input);
    if (batch_first) s = nr::transpose(s, 0, 1);
    return s;
  };
  Tensor h0 = state(5), c0 = lstm ? state(6) : Tensor();
  std::vector<Tensor> ys(static_cast<std::size_t>(dirs)), hs, cs;
  for (int d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const std::string* fa = &acts[static_cast<std::size_t>(d) * per_dir];
    Tensor wd = dir_slice(w, d), rd = dir_slice(r, d);
    // Input projection of every step at once: [seq, batch, g * h].
    Tensor xw = nr::matmul(x, nr::transpose(wd, 0, 1));
    Tensor wb, rb;
    if (c.has(3)) {
      Tensor bd = dir_slice(c.in(3), d);
      wb = nr::slice(bd, 0, 0, g * h);
      rb = nr::slice(bd, 0, g * h, 2 * g * h);
      xw = xw + wb;
      if (!(g == 3 && linear_before_reset)) xw = xw + rb;
    }
    Tensor pi, po, pf;
    if (lstm && c.has(7)) {
      Tensor pd = dir_slice(c.in(7), d);
      pi = nr::slice(pd, 0, 0, h);
      po = nr::slice(pd, 0, h, 2 * h);
      pf = nr::slice(pd, 0, 2 * h, 3 * h);
    }
    Tensor rt = nr::transpose(rd, 0, 1);  // [h, g * h]
    Tensor ht = dir_slice(h0, d), ct = lstm ? dir_slice(c0, d) : Tensor();
    std::vector<Tensor> steps(static_cast<std::size_t>(seq));
    auto clipped = [&](const Tensor& v) {
      return has_clip ? Tensor(nr::clamp(v, -clip, clip)) : v;
    };
    for (std::int64_t s = 0; s < seq; ++s) {
      const std::int64_t t = reverse ? seq - 1 - s : s;
      Tensor xt = nr::squeeze(nr::slice(xw, 0, t, t + 1), 0);  // [batch, g * h]
      if (g == 1) {
        ht = activate(c, fa[0], clipped(xt + nr::matmul(ht, rt)));
      } else if (g == 3) {  // GRU: z, r, h
        Tensor rec = nr::matmul(ht, rt);
        if (linear_before_reset && rb.defined()) rec = rec + rb;
        Tensor z = activate(c, fa[0], clipped(part(xt, 0, h) + part(rec, 0, h)));
        Tensor rg = activate(c, fa[0], clipped(part(xt, 1, h) + part(rec, 1, h)));
        Tensor hh;
        if (linear_before_reset) {
          hh = activate(c, fa[1], clipped(part(xt, 2, h) + rg * part(rec, 2, h)));
        } else {
          Tensor rh = nr::matmul(rg * ht, nr::slice(rt, 1, 2 * h, 3 * h));
          hh = activate(c, fa[1], clipped(part(xt, 2, h) + rh));
        }
        ht = (1.0 - z) * hh + z * ht;
      } else {  // LSTM: i, o, f, c
        Tensor gates = xt + nr::matmul(ht, rt);
        Tensor gi = part(gates, 0, h), go = part(gates, 1, h), gf = part(gates, 2, h),
               gc = part(gates, 3, h);
        if (pi.defined()) {
          gi = gi + pi * ct;
          gf = gf + pf * ct;
        }
        Tensor i = activate(c, fa[0], clipped(gi));
        Tensor f = input_forget ? Tensor(1.0 - i) : activate(c, fa[0], clipped(gf));
        Tensor cc = activate(c, fa[1], clipped(gc));
        ct = f * ct + i * cc;
        if (po.defined()) go = go + po * ct;
        Tensor o = activate(c, fa[0], clipped(go));
        ht = o * activate(c, fa[2], ct);
      }
      steps[static_cast<std::size_t>(t)] = ht;
    }
    ys[static_cast<std::size_t>(d)] = nr::stack(steps, 0);  // [seq, batch, h]
    hs.push_back(ht);
    if (lstm) cs.push_back(ct);
  }
  Tensor y = nr::stack(ys, 1);  // [seq, dirs, batch, h]
  Tensor yh = nr::stack(hs, 0), yc = lstm ? nr::stack(cs, 0) : Tensor();
  if (batch_first) {
    y = nr::permute(y, {2, 0, 1, 3});
    yh = nr::transpose(yh, 0, 1);
    if (lstm) yc = nr::transpose(yc, 0, 1);
  }
  c.set(0, y);
  c.set(1, yh);
  if (lstm) c.set(2, yc);
}

}  // namespace

void check_recurrent(CheckContext& c) {
  c.allow_values("direction", {"forward", "reverse", "bidirectional"});
  if (const Attribute* a = c.attr("activations"); a && a->kind == Attribute::Kind::strings)
    for (const auto& f : a->strings)
      if (f != "Sigmoid" && f != "Tanh" && f != "Relu")
        c.refuse("activation ", f, " is not supported (neuron supports Sigmoid, Tanh and Relu)");
  if (c.has_attr("activation_alpha") || c.has_attr("activation_beta"))
    c.refuse("activation_alpha / activation_beta are not supported");
}

void run_RNN(OpContext& c) { run_recurrent(c, {"RNN", 1, {"Tanh"}}); }
void run_GRU(OpContext& c) { run_recurrent(c, {"GRU", 3, {"Sigmoid", "Tanh"}}); }
void run_LSTM(OpContext& c) { run_recurrent(c, {"LSTM", 4, {"Sigmoid", "Tanh", "Tanh"}}); }

}  // namespace neuron::onnx::detail
