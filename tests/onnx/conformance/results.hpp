// Results of the ONNX conformance run (conformance.cpp) and what is computed from them: counts per
// folder and mode, the markdown report (report.cpp), the check against committed figures.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

namespace conformance {

// Categories from best to worst: a case's "both" category is the worse of its two modes.
enum class Status { pass, refused, error, wrong, crashed };
inline constexpr std::array<const char*, 5> kStatusNames = {"pass", "refused", "error", "wrong",
                                                            "crashed"};
Status status_from(const std::string& name);  // unknown names are "crashed"

struct ModeResult {
  Status status = Status::crashed;
  std::string reason;  // short, alike failures share it
  std::string detail;  // the full message
};

enum Mode { eager, traced, both };
inline constexpr std::array<const char*, 3> kModeKeys = {"eager", "traced", "both"};
inline constexpr std::array<const char*, 3> kModeTitles = {"eager", "traced + saved + loaded",
                                                           "both"};

struct CaseResult {
  std::string folder, name;      // "node", "test_add"
  std::vector<std::string> ops;  // op types in the model
  ModeResult eager, traced;
  Status status(Mode m) const;
  // The reason shown for a failing case: eager's, else traced's (prefixed "traced: ").
  std::string reason() const;
};

// The suite's folders, in report order.
inline const std::vector<std::string>& folders() {
  static const std::vector<std::string> f = {"node", "pytorch-converted", "pytorch-operator",
                                             "simple"};
  return f;
}

// counts[mode][folder][status]; folder "total" sums all.
using Counts = std::map<std::string, std::array<int, 5>>;
std::array<Counts, 3> count(const std::vector<CaseResult>& results);

// The markdown report (deterministic: no times, no dates, sorted).
std::string markdown(const std::vector<CaseResult>& results, const std::string& suite_dir);

// The committed figures: pass counts per mode and folder, and the most "error" results allowed.
std::string expected_json(const std::vector<CaseResult>& results);
// Problems of this run against the committed figures in `expected` (JSON text); empty: passed.
std::vector<std::string> check(const std::vector<CaseResult>& results, const std::string& expected);

}  // namespace conformance
