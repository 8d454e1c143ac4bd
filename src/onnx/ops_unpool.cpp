// MaxUnpool: MaxPool's values written back at their Indices (flat over N, C and the spatial dims
// of the unpooled shape), zeros elsewhere, as one index_copy. The unpooled shape is
// (in - 1) * stride + kernel - pads per spatial dim; a larger output_shape adds zeros at the end
// of each dim, as ONNX's reference does.
#include "ops.hpp"

namespace neuron::onnx::detail {

void check_MaxUnpool(CheckContext& c) {
  if (!c.has_attr("kernel_shape")) c.refuse("attribute 'kernel_shape' is missing");
}

void run_MaxUnpool(OpContext& c) {
  Tensor x = c.in(0), idx = as_dtype(c.in(1), int64);
  const std::vector<std::int64_t> kernel = c.attr_ints("kernel_shape");
  const auto n = kernel.size();
  if (x.rank() != static_cast<int>(n) + 2 || idx.shape() != x.shape())
    c.fail<ShapeError>("X ", x.shape(), " and I ", idx.shape(), " must have one shape with ", n,
                       " spatial dims");
  const auto strides = c.attr_ints("strides", std::vector<std::int64_t>(n, 1));
  const auto pads = c.attr_ints("pads", std::vector<std::int64_t>(2 * n, 0));
  if (strides.size() != n || pads.size() != 2 * n)
    c.fail<ShapeError>("strides and pads do not fit a ", n, "-d kernel");
  std::vector<std::int64_t> shape = {x.shape()[0], x.shape()[1]};
  std::int64_t total = shape[0] * shape[1];
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t in = x.shape()[static_cast<int>(i) + 2];
    shape.push_back((in - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n]);
    if (shape.back() < 1) c.fail<ShapeError>("the unpooled size of spatial dim ", i, " is < 1");
    total *= shape.back();
  }
  Tensor zeros = c.place(nr::zeros({total}, x.dtype()));
  Tensor y = nr::reshape(
      nr::index_copy(zeros, 0, nr::reshape(idx, {idx.numel()}), nr::reshape(x, {x.numel()})),
      shape);
  if (c.has(2)) {
    const std::vector<std::int64_t> out = c.ints(2);
    if (out.size() != shape.size())
      c.fail<ShapeError>("output_shape has ", out.size(), " values, expected ", shape.size());
    std::vector<std::int64_t> p;  // nr::pad: last dim first, (before, after)
    for (std::size_t d = out.size(); d-- > 2;) {
      if (out[d] < shape[d])
        c.fail<ShapeError>("output_shape ", out[d], " is smaller than the unpooled size ", shape[d],
                           " in dim ", d);
      p.push_back(0);
      p.push_back(out[d] - shape[d]);
    }
    if (out[0] != shape[0] || out[1] != shape[1])
      c.fail<ShapeError>("output_shape must keep N and C (", shape[0], ", ", shape[1], ")");
    y = nr::pad(y, p);
  }
  c.set(0, y);
}

}  // namespace neuron::onnx::detail
