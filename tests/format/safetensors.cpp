#include "format/format_util.hpp"
#include "test_util.hpp"

namespace {
nr::StateDict load_image(const std::string& bytes) {
  std::string path = test::temp_path("st.safetensors");
  test::write_bytes(path, bytes);
  nr::StateDict d = nr::load_safetensors(path);
  std::remove(path.c_str());
  return d;
}
// Expects a FormatError whose message holds `fragment`.
void refused(const std::string& bytes, const std::string& fragment) {
  std::string msg = test::error_message([&] { load_image(bytes); });
  INFO("message: " << msg);
  CHECK(msg.find(fragment) != std::string::npos);
  CHECK_THROWS_AS(load_image(bytes), nr::FormatError);
}
const std::string kGood =
    R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
}  // namespace

TEST_CASE("safetensors round trip of every dtype, with metadata, keeping values bit for bit") {
  nr::StateDict d{{"f32", nr::randn({3, 4})},
                  {"f64", nr::randn({2}, nr::float64)},
                  {"i32", nr::tensor<std::int32_t>({-1, 7})},
                  {"i64", nr::tensor<std::int64_t>({{1LL << 40}})},
                  {"b", nr::tensor<bool>({true, false, true})},
                  {"empty", nr::zeros({0, 3})},
                  {"scalar", nr::scalar_tensor(2.5f)}};
  std::string path = test::temp_path("round.safetensors");
  nr::save_safetensors(path, d, {{"format", "pt"}});
  std::map<std::string, std::string> meta;
  nr::StateDict back = nr::load_safetensors(path, &meta);
  CHECK(meta.at("format") == "pt");
  REQUIRE(back.size() == d.size());
  for (const auto& [k, t] : d) test::check_equal(back.at(k), t);
  std::string bytes = test::read_bytes(path);
  CHECK(bytes[8] == '{');
  std::remove(path.c_str());
}

TEST_CASE("BF16 and F16 load as float32 (exact conversions)") {
  // bf16 0x3FC0 = 1.5, 0xC000 = -2; f16 0x3E00 = 1.5, 0x7C00 = inf, 0x0001 = 2^-24
  std::string data("\xC0\x3F\x00\xC0\x00\x3E\x00\x7C\x01\x00", 10);
  std::string h =
      R"({"bf":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"h":{"dtype":"F16","shape":[3],"data_offsets":[4,10]}})";
  auto d = load_image(test::safetensors_image(h, data));
  CHECK(d.at("bf").dtype() == nr::float32);
  CHECK(test::values(d.at("bf")) == std::vector<double>{1.5, -2.0});
  auto hv = test::values(d.at("h"));
  CHECK(hv[0] == 1.5);
  CHECK(std::isinf(hv[1]));
  CHECK(hv[2] == std::ldexp(1.0, -24));
}

TEST_CASE("safetensors data aligned to 64 bytes is borrowed from the mapping, not copied") {
  std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  h.append(56 - h.size(), ' ');  // 8 + 56 = 64
  std::string path = test::temp_path("aligned.safetensors");
  test::write_bytes(path, test::safetensors_image(h, test::floats({1.f, 2.f})));
  std::int64_t before = nr::storage_allocations();
  auto d = nr::load_safetensors(path);
  CHECK(nr::storage_allocations() == before);
  CHECK(reinterpret_cast<std::uintptr_t>(d.at("a").raw_data()) % 64 == 0);
  d.at("a").data<float>()[0] = 9.f;  // copy-on-write: the file is untouched
  CHECK(nr::load_safetensors(path).at("a").data<float>()[0] == 1.f);
  std::remove(path.c_str());
}

TEST_CASE("malformed safetensors files are refused with a FormatError that says why") {
  const std::string data = test::floats({1, 2, 3});
  refused("", "too short");
  refused(std::string("\x05\x00\x00", 3), "too short");
  refused(test::u64le(1ull << 40) + "{}", "exceeds the limit");
  refused(test::u64le(~0ull) + "{}", "exceeds the limit");
  refused(test::u64le(100) + "{}", "runs past the end");
  refused(test::safetensors_image(" {}", ""), "starting with '{'");
  refused(test::safetensors_image("[1]", ""), "starting with '{'");
  refused(test::safetensors_image("{\"a\":", ""), "invalid JSON");
  refused(test::safetensors_image("{} x", ""), "invalid JSON");
  refused(test::safetensors_image("{\"\xff\xfe\":1}", ""), "invalid JSON");  // bad UTF-8
  refused(
      test::safetensors_image(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          test::floats({1, 2})),
      "duplicate JSON key \"a\"");
  refused(test::safetensors_image(std::string(200, '[') + std::string(200, ']'), ""), "starting");
  refused(
      test::safetensors_image("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}", ""),
      "nested deeper");
  refused(test::safetensors_image(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x"),
          "unsupported dtype 'U8'");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", data),
      "non-negative integers");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", data),
      "non-negative integers");
  refused(
      test::safetensors_image(
          R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", data),
      "too many elements");
  refused(test::safetensors_image(
              R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", data),
          "rank 9");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})", data),
      "needs 8");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data),
      "do not lie within");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", data),
      "do not lie within");
  refused(
      test::safetensors_image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
      "4 trailing bytes");
  refused(
      test::safetensors_image(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          data),
      "(overlap)");
  refused(test::safetensors_image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                  test::floats({1, 2})),
          "(gap)");
  refused(test::safetensors_image(R"({"a":{"dtype":"F32","shape":[1]}})", data),
          "exactly the fields");
  refused(test::safetensors_image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})",
                                  test::floats({1})),
          "exactly the fields");
  refused(test::safetensors_image(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})",
                                  std::string("\x01\x02", 2)),
          "must be 0 or 1");
  refused(test::safetensors_image(R"({"__metadata__":{"k":1}})", ""), "is not a string");
  refused(test::safetensors_image("{\"" + std::string(2000, 'n') +
                                      R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                  test::floats({1})),
          "tensor name of 2000 bytes");
  // Every truncation of a valid file is refused.
  std::string good = test::safetensors_image(kGood, data);
  CHECK_NOTHROW(load_image(good));
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK_THROWS_AS(load_image(good.substr(0, n)), nr::FormatError);
}

TEST_CASE("missing files are IOErrors naming the path") {
  CHECK_THROWS_WITH_ALL(nr::load_safetensors("/nonexistent/w.safetensors"), nr::IOError,
                        "/nonexistent/w.safetensors", "No such file");
  CHECK_THROWS_WITH_ALL(nr::save_safetensors("/nonexistent/dir/w.safetensors", {}), nr::IOError,
                        "/nonexistent/dir");
}

TEST_CASE("saving refuses what cannot be written") {
  std::string path = test::temp_path("bad.safetensors");
  CHECK_THROWS_WITH_ALL(nr::save_safetensors(path, {{"", nr::zeros({1})}}), nr::ValueError,
                        "invalid tensor name");
  CHECK_THROWS_WITH_ALL(nr::save_safetensors(path, {{"__metadata__", nr::zeros({1})}}),
                        nr::ValueError, "invalid tensor name");
  CHECK_THROWS_WITH_ALL(nr::save_safetensors(path, {{"w", nr::Tensor()}}), nr::ValueError,
                        "'w' is undefined");
  CHECK_THROWS_WITH_ALL(nr::save_npy(path, nr::Tensor()), nr::ValueError, "undefined");
  CHECK_THROWS_AS(nr::save_npy("/nonexistent/dir/x.npy", nr::zeros({1})), nr::IOError);
  std::ifstream f(path);
  CHECK_FALSE(f.good());  // nothing half-written was left behind
}
