#include "test_util.hpp"

TEST_CASE("dtype sizes, names and parsing round-trip") {
  CHECK(nr::dtype_size(nr::bool_) == 1);
  CHECK(nr::dtype_size(nr::int32) == 4);
  CHECK(nr::dtype_size(nr::int64) == 8);
  CHECK(nr::dtype_size(nr::float32) == 4);
  CHECK(nr::dtype_size(nr::float64) == 8);
  for (nr::DType d : nr::all_dtypes) CHECK(nr::dtype_from_name(nr::dtype_name(d)) == d);
  CHECK_THROWS_WITH_ALL(nr::dtype_from_name("float16"), nr::DTypeError, "float16", "float32");
}

TEST_CASE("C++ types map to dtypes and back") {
  static_assert(nr::dtype_of_v<float> == nr::float32);
  static_assert(nr::dtype_of_v<std::int64_t> == nr::int64);
  static_assert(std::is_same_v<nr::ctype_t<nr::DType::int32>, std::int32_t>);
  static_assert(!nr::is_element_type_v<char>);
  for (nr::DType d : nr::all_dtypes)
    CHECK(nr::visit_dtype(d, [](auto tag) { return nr::dtype_of_v<decltype(tag)>; }) == d);
}

TEST_CASE("C++ numbers take torch's wrapped-number dtypes") {
  CHECK(nr::wrapped_number_dtype<float>() == nr::float32);
  CHECK(nr::wrapped_number_dtype<double>() == nr::float32);
  CHECK(nr::wrapped_number_dtype<int>() == nr::int64);
  CHECK(nr::wrapped_number_dtype<bool>() == nr::bool_);
}
