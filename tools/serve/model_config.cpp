#include "model_config.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <neuron/format/strict_json.hpp>

namespace neuron::serve {

namespace {

using nlohmann::json;

std::int64_t int_at(const json& v, const std::string& where, const std::string& key,
                    std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer())
    throw_error<FormatError>(where, ": '", key, "' must be an integer, got ", v.dump());
  const std::int64_t x = v.get<std::int64_t>();
  if (x < lo || x > hi)
    throw_error<FormatError>(where, ": '", key, "' is ", x, "; expected ", lo, " to ", hi);
  return x;
}

std::vector<std::string> names_at(const json& v, const std::string& where, const std::string& key) {
  if (!v.is_array()) throw_error<FormatError>(where, ": '", key, "' must be a list of names");
  std::vector<std::string> out;
  for (const json& n : v) {
    if (!n.is_string() || n.get<std::string>().empty() || n.get<std::string>().size() > 256)
      throw_error<FormatError>(where, ": '", key, "' holds ", n.dump(),
                               "; expected non-empty names of at most 256 characters");
    out.push_back(n.get<std::string>());
  }
  return out;
}

}  // namespace

ModelConfig parse_model_config(const std::string& text, const std::string& where) {
  const json j = parse_strict_json(text.data(), text.data() + text.size(), where);
  if (!j.is_object()) throw_error<FormatError>(where, ": expected a JSON object");
  ModelConfig c;
  for (const auto& [key, v] : j.items()) {
    if (key == "max_batch_size") {
      c.max_batch_size = int_at(v, where, key, 0, 1 << 20);
    } else if (key == "max_queue_delay_us") {
      c.max_queue_delay_us = int_at(v, where, key, 0, 60'000'000);
    } else if (key == "preferred_batch_sizes") {
      if (!v.is_array()) throw_error<FormatError>(where, ": '", key, "' must be a list");
      for (const json& b : v) c.preferred_batch_sizes.push_back(int_at(b, where, key, 1, 1 << 20));
    } else if (key == "instances") {
      c.instances = static_cast<int>(int_at(v, where, key, 1, 64));
    } else if (key == "warmup") {
      c.warmup = static_cast<int>(int_at(v, where, key, 0, 1000));
    } else if (key == "max_queue_size") {
      c.max_queue_size = int_at(v, where, key, 1, 1 << 20);
    } else if (key == "input_names") {
      c.input_names = names_at(v, where, key);
    } else if (key == "output_names") {
      c.output_names = names_at(v, where, key);
    } else if (key == "onnx_input_shapes") {
      if (!v.is_object())
        throw_error<FormatError>(where, ": '", key, "' must map input names to shapes");
      for (const auto& [name, shape] : v.items()) {
        if (!shape.is_array() || shape.size() > 8)
          throw_error<FormatError>(where, ": '", key, "' of '", name,
                                   "' must be a list of at most 8 dims");
        for (const json& d : shape)
          c.onnx_input_shapes[name].push_back(int_at(d, where, key + "." + name, -1, 1 << 30));
      }
    } else if (key == "onnx_pad_values") {
      if (!v.is_object())
        throw_error<FormatError>(where, ": '", key, "' must map input names to numbers");
      for (const auto& [name, value] : v.items()) {
        if (!value.is_number())
          throw_error<FormatError>(where, ": '", key, "' of '", name, "' must be a number");
        c.onnx_pad_values[name] = value.get<double>();
      }
    } else {
      throw_error<FormatError>(where, ": unknown key '", key,
                               "' (known: max_batch_size, max_queue_delay_us, "
                               "preferred_batch_sizes, instances, warmup, max_queue_size, "
                               "input_names, output_names, onnx_input_shapes, onnx_pad_values)");
    }
  }
  return c;
}

ModelConfig read_model_config(const std::string& model_dir) {
  const std::string path = model_dir + "/config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) throw_error<FormatError>(path, ": larger than 1 MiB");
  return parse_model_config(text.str(), path);
}

}  // namespace neuron::serve
