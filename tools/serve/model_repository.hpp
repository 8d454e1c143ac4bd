// The model repository, laid out as Triton's: <root>/<name>/<version>/model.neuron (or
// model.onnx), optional <root>/<name>/config.json. Every version directory (a positive integer)
// is loaded; a request without a version gets the highest ready one. A model that fails to load
// leaves the others serving; its reason shows in the index. Load and unload (the repository
// extension) swap versions in without stopping requests to other models; requests already
// queued on an unloaded version are answered before its instances stop.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "served_model.hpp"

namespace neuron::serve {

struct IndexEntry {
  std::string name, version;
  std::string state;   // READY, UNAVAILABLE, LOADING, or "" (in the repository, not loaded)
  std::string reason;  // why UNAVAILABLE
};

// A model name from a URL or request: 1-255 characters of [A-Za-z0-9_.-], not "." or "..", no
// path separators. ServeError (invalid_argument) otherwise.
void check_model_name(const std::string& name);

class ModelRepository {
 public:
  ModelRepository(std::string root, ServerMetrics& metrics);
  ~ModelRepository();

  // Every model directory in the root (or only `names`). Failures are recorded, not thrown.
  void load_all(const std::vector<std::string>& names = {});
  // (Re)loads every version of one model. Throws ServeError: not_found without such a
  // directory, invalid_argument when no version loads (the reason included).
  void load(const std::string& name);
  // Throws ServeError not_found when the model is not loaded.
  void unload(const std::string& name);

  // The ready version asked for ("" = the highest). ServeError not_found / unavailable.
  std::shared_ptr<ServedModel> find(const std::string& name, const std::string& version) const;
  // Ready versions of a model, ascending.
  std::vector<std::string> versions(const std::string& name) const;
  std::vector<IndexEntry> index(bool ready_only) const;
  // The startup load (load_all) is done. Loads through the API later keep serving the old
  // versions until the new ones are ready, so they do not touch readiness.
  bool ready() const;
  // Stops every model's instances after answering what is queued.
  void stop_all();

 private:
  struct Version {
    std::string state, reason;
    std::shared_ptr<ServedModel> model;
  };
  using Versions = std::map<long long, Version>;
  Versions load_versions(const std::string& name);

  std::string root_;
  ServerMetrics& metrics_;
  mutable std::mutex mu_;
  std::mutex load_mu_;  // one load or unload at a time
  std::map<std::string, Versions> models_;
  std::map<std::string, std::string> model_errors_;  // model-level failures (config, no versions)
  int loading_ = 0;                                  // load_all calls under way
};

}  // namespace neuron::serve
