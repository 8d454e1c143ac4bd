// Devices: where a tensor's data lives. The CPU holds data; the lazy device (lazy mode) records
// ops.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace neuron {

class Device {
 public:
  enum class Kind : std::uint8_t { cpu, lazy };
  constexpr Device() = default;
  constexpr explicit Device(Kind k) : kind_(k) {}
  constexpr Kind kind() const { return kind_; }
  constexpr bool is_cpu() const { return kind_ == Kind::cpu; }
  constexpr bool is_lazy() const { return kind_ == Kind::lazy; }
  std::string str() const { return kind_ == Kind::cpu ? "cpu" : "lazy"; }
  friend constexpr bool operator==(Device a, Device b) { return a.kind_ == b.kind_; }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }

 private:
  Kind kind_ = Kind::cpu;
};

constexpr Device cpu() { return Device(Device::Kind::cpu); }

inline std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

}  // namespace neuron
