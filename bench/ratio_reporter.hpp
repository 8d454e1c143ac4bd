// A Google Benchmark reporter that, after the usual console output, prints for every benchmark
// named "neuron/<case>" the ratio of its time to "eigen/<case>" (and "torch/<case>" when present),
// measured in the same run. Ratios are what to compare on a noisy machine; repeat runs and quote
// medians (--benchmark_repetitions=5 --benchmark_report_aggregates_only=true). add_ratio() adds
// lines after the table for any two benchmarks of the run (e.g. 2 threads against 1).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace neuron_bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      // With repetitions keep the median; without, the single run.
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      std::string name =
          r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
      times_[name] = r.GetAdjustedRealTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-40s %14s %14s %10s\n", "case", "neuron", "reference", "ratio");
    for (const auto& [name, t] : times_) {
      if (name.rfind("neuron/", 0) != 0) continue;
      std::string rest = name.substr(7);
      for (const char* ref : {"eigen/", "torch/"}) {
        auto it = times_.find(ref + rest);
        if (it == times_.end()) continue;
        std::printf("%-40s %14.1f %14.1f %9.2fx  (vs %s)\n", rest.c_str(), t, it->second,
                    t / it->second, ref);
      }
    }
    std::printf("ratio = neuron time / reference time (lower is better; 1.00 = parity)\n");
    for (const Extra& e : extras_) {
      auto a = times_.find(e.numerator), b = times_.find(e.denominator);
      if (a == times_.end() || b == times_.end()) continue;
      std::printf("%-40s %14.1f %14.1f %9.2fx  (%s / %s)\n", e.label.c_str(), a->second, b->second,
                  a->second / b->second, e.numerator.c_str(), e.denominator.c_str());
    }
  }

  // One more line after the table: time(numerator) / time(denominator), when both ran.
  void add_ratio(std::string label, std::string numerator, std::string denominator) {
    extras_.push_back({std::move(label), std::move(numerator), std::move(denominator)});
  }

 private:
  struct Extra {
    std::string label, numerator, denominator;
  };
  std::map<std::string, double> times_;
  std::vector<Extra> extras_;
};

inline int run_with_ratios(int argc, char** argv, RatioReporter& reporter) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

inline int run_with_ratios(int argc, char** argv) {
  RatioReporter reporter;
  return run_with_ratios(argc, argv, reporter);
}

}  // namespace neuron_bench
