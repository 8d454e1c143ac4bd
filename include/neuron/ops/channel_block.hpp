// The one check of an op's channel-block attribute (convolutions, max pooling, batch norm): traced
// plans may keep activations channels-last in blocks of 8 or 16 channels (compiler/cnn_passes,
// conv_channel_block()), [B, C / block, spatial..., block] in memory.
#pragma once

#include <cstdint>

#include "../core/error.hpp"
#include "../core/shape.hpp"

namespace neuron::detail {

// `block` is 0, 8 or 16; a blocked tensor (`what`: "input", "output") is channels-last, has `rank`
// dims ([B, C, spatial...]) and whole blocks of channels.
inline void check_channel_block(const char* op, const char* what, std::int64_t block,
                                bool channels_last, const Shape& s, int rank) {
  if (block != 0 && block != 8 && block != 16)
    throw_error<ValueError>(op, ": a channel block must be 0, 8 or 16, got ", block);
  if (block != 0 && (!channels_last || s.rank() != rank || s[1] % block != 0))
    throw_error<ShapeError>(op, ": the ", what, " ", s, " is kept in blocks of ", block,
                            " channels, so it must be channels-last and batched, with a multiple "
                            "of ",
                            block, " channels");
}

}  // namespace neuron::detail
