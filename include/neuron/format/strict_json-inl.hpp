// Definitions for strict_json.hpp.
#pragma once

#include "strict_json.hpp"

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace neuron {

NEURON_INLINE nlohmann::json parse_strict_json(const char* first, const char* last,
                                               const std::string& where, int max_depth) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  auto callback = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if ((ev == E::object_start || ev == E::array_start) && depth >= max_depth)
      throw_error<FormatError>(where, ": JSON nested deeper than ", max_depth, " levels");
    if (ev == E::object_start) keys.emplace_back();
    if (ev == E::object_end && !keys.empty()) keys.pop_back();
    if (ev == E::key) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.empty() && !keys.back().insert(k).second)
        throw_error<FormatError>(where, ": duplicate JSON key \"", k, "\"");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(first, last, callback, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    throw_error<FormatError>(where, ": invalid JSON: ", e.what());
  }
}

}  // namespace neuron
