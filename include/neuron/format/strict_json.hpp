// Strict JSON for untrusted headers: nlohmann's parser (valid UTF-8, no comments, no NaN) plus
// what it lets through: duplicate keys and unbounded nesting are refused while parsing.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"

namespace neuron {

inline constexpr int kMaxJsonDepth = 64;

// Parses [first, last) or throws FormatError starting with `where`.
nlohmann::json parse_strict_json(const char* first, const char* last, const std::string& where,
                                 int max_depth = kMaxJsonDepth);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "strict_json-inl.hpp"
#endif
