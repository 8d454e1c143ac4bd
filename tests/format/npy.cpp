#include "format/format_util.hpp"
#include "test_util.hpp"

namespace {
std::string npy_image(int major, const std::string& dict, const std::string& data) {
  std::string h = dict;
  std::size_t prefix = major == 1 ? 10 : 12;
  h.append((64 - (prefix + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  std::uint32_t len = static_cast<std::uint32_t>(h.size());
  out.append(reinterpret_cast<const char*>(&len), major == 1 ? 2 : 4);
  return out + h + data;
}
nr::Tensor load_image(const std::string& bytes) {
  std::string path = test::temp_path("a.npy");
  test::write_bytes(path, bytes);
  nr::Tensor t = nr::load_npy(path);
  std::remove(path.c_str());
  return t;
}
void refused(const std::string& bytes, const std::string& fragment) {
  std::string msg = test::error_message([&] { load_image(bytes); });
  INFO("message: " << msg);
  CHECK(msg.find(fragment) != std::string::npos);
  CHECK_THROWS_AS(load_image(bytes), nr::FormatError);
}
}  // namespace

TEST_CASE("npy round trip for every dtype and rank") {
  for (nr::Tensor t : {nr::randn({2, 3}), nr::randn({4}, nr::float64), nr::scalar_tensor(3),
                       nr::tensor<std::int64_t>({{{1, 2}}, {{3, 4}}}),
                       nr::tensor<bool>({true, false}), nr::zeros({0, 2})}) {
    std::string path = test::temp_path("rt.npy");
    nr::save_npy(path, t);
    test::check_equal(nr::load_npy(path), t);
    std::string bytes = test::read_bytes(path);
    CHECK((bytes.size() - t.nbytes()) % 64 == 0);  // data starts 64-byte aligned, like numpy
    std::remove(path.c_str());
  }
}

TEST_CASE("npy versions 1, 2 and 3, big-endian data and Fortran order are read") {
  std::string le = test::floats({1, 2, 3, 4, 5, 6});
  for (int v : {1, 2, 3}) {
    nr::Tensor t =
        load_image(npy_image(v, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", le));
    CHECK(test::values(t) == std::vector<double>{1, 2, 3, 4, 5, 6});
  }
  std::string be;
  for (std::size_t i = 0; i < le.size(); i += 4) {
    std::string word = le.substr(i, 4);
    be += std::string(word.rbegin(), word.rend());
  }
  nr::Tensor b =
      load_image(npy_image(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", be));
  CHECK(test::values(b) == std::vector<double>{1, 2, 3, 4, 5, 6});
  // Fortran order: column-major [[1, 3, 5], [2, 4, 6]].
  nr::Tensor f =
      load_image(npy_image(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", le));
  CHECK(test::values(f) == std::vector<double>{1, 3, 5, 2, 4, 6});
  nr::Tensor h =
      load_image(npy_image(1, "{\"descr\": \"<f2\", \"fortran_order\": False, \"shape\": (1,)}",
                           std::string("\x00\x3E", 2)));
  CHECK(h.dtype() == nr::float32);
  CHECK(h.item<float>() == 1.5f);
}

TEST_CASE("malformed or unsupported npy files are refused with a FormatError that says why") {
  std::string d = test::floats({1, 2});
  auto dict = [](const std::string& descr, const std::string& shape) {
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  };
  refused("", "magic");
  refused("\x93NUMPZ\x01\x00\x10\x00", "magic");
  refused(npy_image(4, dict("<f4", "(2,)"), d), "version 4.0");
  refused(npy_image(1, dict("|O", "(2,)"), d), "object arrays");
  refused(npy_image(1, dict("<u2", "(2,)"), d), "unsupported .npy dtype '<u2'");
  refused(npy_image(1, dict("<c8", "(2,)"), d), "unsupported");
  refused(npy_image(1, dict("<f4", "(3,)"), d), "(truncated)");
  refused(npy_image(1, dict("<f4", "(1,)"), d), "(trailing bytes)");
  refused(npy_image(1, dict("<f4", "(-2,)"), d), "non-negative integer");
  refused(npy_image(1, dict("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 2)"), d), "maximum rank");
  refused(npy_image(1, dict("<f4", "(99999999999999999999,)"), d), "overflows");
  refused(npy_image(1, dict("<f4", "(4294967296, 4294967296)"), d), "too many elements");
  refused(npy_image(1, "{'descr': '<f4', 'shape': (2,), }", d), "needs the keys");
  refused(
      npy_image(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", d),
      "repeated key");
  refused(npy_image(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", d),
          "True or False");
  refused(npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", d),
          "after the header");
  refused(npy_image(1, dict("|b1", "(2,)"), std::string("\x01\x05", 2)), "expected 0 or 1");
  std::string good = npy_image(1, dict("<f4", "(2,)"), d);
  std::string huge = good;
  huge[8] = '\xff';
  huge[9] = '\xff';
  refused(huge, "runs past the end");
  CHECK_NOTHROW(load_image(good));
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK_THROWS_AS(load_image(good.substr(0, n)), nr::FormatError);
  CHECK_THROWS_AS(nr::load_npy("/nonexistent.npy"), nr::IOError);
}
