#include "model_repository.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <iostream>

#include "serve_error.hpp"

namespace neuron::serve {

namespace {

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> list_dirs(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (!d) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.empty() || n[0] == '.') continue;
    if (is_dir(path + "/" + n)) out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool is_version_name(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s[0] != '0' &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void check_model_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
                  name.find("..") == std::string::npos &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
                  });
  if (!ok) {
    std::string shown = name.substr(0, 64);
    for (char& c : shown)
      if (static_cast<unsigned char>(c) < 32) c = '?';
    fail(Status::invalid_argument, "model name '", shown,
         "' is not allowed: use 1 to 255 characters of A-Z a-z 0-9 _ . - without '..'");
  }
}

ModelRepository::ModelRepository(std::string root, ServerMetrics& metrics)
    : root_(std::move(root)), metrics_(metrics) {}

ModelRepository::~ModelRepository() { stop_all(); }

ModelRepository::Versions ModelRepository::load_versions(const std::string& name) {
  const std::string dir = root_ + "/" + name;
  const ModelConfig config = read_model_config(dir);  // throws: the model fails as a whole
  Versions out;
  for (const std::string& v : list_dirs(dir)) {
    if (!is_version_name(v)) continue;
    Version ver;
    try {
      ver.model = ServedModel::load(name, v, dir + "/" + v, config, metrics_);
      ver.state = "READY";
    } catch (const std::exception& e) {
      ver.state = "UNAVAILABLE";
      ver.reason = e.what();
      std::cerr << "neuron-serve: model '" << name << "' version " << v
                << " failed to load: " << e.what() << "\n";
    }
    out[std::stoll(v)] = std::move(ver);
  }
  if (out.empty())
    throw_error<IOError>(dir, ": no version directories (1, 2, ...) holding model.neuron");
  return out;
}

void ModelRepository::load_all(const std::vector<std::string>& names) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++loading_;
  }
  struct Done {
    ModelRepository* r;
    ~Done() {
      std::lock_guard<std::mutex> lock(r->mu_);
      --r->loading_;
    }
  } done{this};
  for (const std::string& n : names.empty() ? list_dirs(root_) : names) {
    try {
      load(n);
    } catch (const std::exception&) {
      // recorded in the index; load() logged it
    }
  }
}

void ModelRepository::load(const std::string& name) {
  check_model_name(name);
  std::lock_guard<std::mutex> one_load(load_mu_);
  if (!is_dir(root_ + "/" + name))
    fail(Status::not_found, "no model '", name, "' in the repository");
  Versions loaded, old;
  std::string error;
  try {
    loaded = load_versions(name);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::string failed;
  bool any_ready = false;
  for (const auto& [v, ver] : loaded) {
    any_ready = any_ready || ver.model;
    if (!ver.model && failed.empty()) failed = "version " + std::to_string(v) + ": " + ver.reason;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);  // requests move to the new versions at once
    old = std::move(models_[name]);
    models_[name] = std::move(loaded);
    if (error.empty())
      model_errors_.erase(name);
    else
      model_errors_[name] = error;
  }
  for (auto& [v, ver] : old)  // requests already queued are answered first
    if (ver.model) ver.model->scheduler().stop();
  if (!error.empty()) {
    std::cerr << "neuron-serve: model '" << name << "' failed to load: " << error << "\n";
    fail(Status::invalid_argument, "failed to load '", name, "': ", error);
  }
  if (!any_ready) fail(Status::invalid_argument, "failed to load '", name, "': ", failed);
}

void ModelRepository::unload(const std::string& name) {
  check_model_name(name);
  std::lock_guard<std::mutex> one_load(load_mu_);
  Versions old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = models_.find(name);
    if (it == models_.end() || std::none_of(it->second.begin(), it->second.end(),
                                            [](const auto& v) { return v.second.model; }))
      fail(Status::not_found, "model '", name, "' is not loaded");
    old = std::move(it->second);
    for (const auto& [v, ver] : old)  // the index still lists them, as unloaded
      it->second[v] = Version{"UNAVAILABLE", "unloaded", nullptr};
    model_errors_.erase(name);
  }
  for (auto& [v, ver] : old)
    if (ver.model) ver.model->scheduler().stop();
}

std::shared_ptr<ServedModel> ModelRepository::find(const std::string& name,
                                                   const std::string& version) const {
  check_model_name(name);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(name);
  if (it == models_.end()) {
    if (model_errors_.count(name))
      fail(Status::unavailable, "model '", name, "' failed to load: ", model_errors_.at(name));
    if (loading_ > 0)  // 503, so that a load balancer tries another replica
      fail(Status::unavailable, "model '", name, "' is not loaded yet: the server is loading");
    fail(Status::not_found, "unknown model '", name, "'");
  }
  const Versions& vs = it->second;
  if (version.empty()) {
    for (auto v = vs.rbegin(); v != vs.rend(); ++v)
      if (v->second.model) return v->second.model;
    if (vs.empty()) fail(Status::unavailable, "model '", name, "' has no ready version");
    const Version& last = vs.rbegin()->second;
    if (last.reason == "unloaded")
      fail(Status::unavailable, "model '", name, "' is unloaded; load it with POST ",
           "/v2/repository/models/", name, "/load");
    fail(Status::unavailable, "model '", name, "' failed to load: version ", vs.rbegin()->first,
         ": ", last.reason);
  }
  if (!is_version_name(version))
    fail(Status::not_found, "model '", name, "' has no version '", version.substr(0, 32), "'");
  auto v = vs.find(std::stoll(version));
  if (v == vs.end()) fail(Status::not_found, "model '", name, "' has no version ", version);
  if (!v->second.model)
    fail(Status::unavailable, "model '", name, "' version ", version,
         v->second.reason == "unloaded" ? " is unloaded" : " failed to load: " + v->second.reason);
  return v->second.model;
}

std::vector<std::string> ModelRepository::versions(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  auto it = models_.find(name);
  if (it != models_.end())
    for (const auto& [v, ver] : it->second)
      if (ver.model) out.push_back(std::to_string(v));
  return out;
}

std::vector<IndexEntry> ModelRepository::index(bool ready_only) const {
  std::vector<IndexEntry> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& name : list_dirs(root_)) {
    auto it = models_.find(name);
    auto err = model_errors_.find(name);
    if (err != model_errors_.end() && (it == models_.end() || it->second.empty())) {
      if (!ready_only) out.push_back({name, "", "UNAVAILABLE", err->second});
      continue;
    }
    if (it == models_.end()) {
      if (!ready_only) out.push_back({name, "", "", ""});
      continue;
    }
    for (const auto& [v, ver] : it->second)
      if (!ready_only || ver.model) out.push_back({name, std::to_string(v), ver.state, ver.reason});
  }
  return out;
}

bool ModelRepository::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loading_ == 0;
}

void ModelRepository::stop_all() {
  std::map<std::string, Versions> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all = models_;  // shared pointers: the models stay alive while they drain
  }
  for (auto& [name, vs] : all)
    for (auto& [v, ver] : vs)
      if (ver.model) ver.model->scheduler().stop();
}

}  // namespace neuron::serve
