// NumPy .npy read/write (format versions 1.0, 2.0, 3.0):
//   "\x93NUMPY" | major, minor | header length (u16 in 1.0, u32 in 2.0/3.0) | header | data
// The header is a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), },
// read here by a strict parser for exactly that form. Little- and big-endian data are read
// (big-endian is byte-swapped); Fortran-order arrays are converted to C order; object arrays and
// dtypes neuron has no counterpart for are refused by name. The data must fill the file exactly.
#pragma once

#include <cstddef>
#include <string>

#include "../core/tensor.hpp"
#include "file_io.hpp"

namespace neuron {

// Reads an .npy image of `size` bytes; `where` names it in errors.
Tensor load_npy_from_memory(const std::byte* data, std::size_t size,
                            const std::string& where = ".npy buffer");

Tensor load_npy(const std::string& path);

// Writes `t` as a little-endian, C-order .npy (version 1.0, or 2.0 when the header needs it).
void save_npy(const std::string& path, const Tensor& t);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "npy-inl.hpp"
#endif
