//===- host_tensor.cpp - Random inputs and checksums ------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace kiln::tools;

float kiln::tools::halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24); // subnormal or zero
  } else if (exp == 31) {
    f = mant ? NAN : INFINITY;
  } else {
    uint32_t bits = ((exp + 112) << 23) | (mant << 13);
    std::memcpy(&f, &bits, 4);
  }
  return sign ? -f : f;
}

float kiln::tools::bfloat16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

namespace {
uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (exp <= 0) // only small values come through here: flush to zero
    return sign;
  return static_cast<uint16_t>(sign | (exp << 10) | (mant >> 13));
}

template <typename T> double at(const void *data, int64_t i) {
  T v;
  std::memcpy(&v, static_cast<const char *>(data) + i * sizeof(T), sizeof(T));
  return static_cast<double>(v);
}

template <typename T> void put(void *data, int64_t i, T v) {
  std::memcpy(static_cast<char *>(data) + i * sizeof(T), &v, sizeof(T));
}
} // namespace

void kiln::tools::fillRandom(int32_t dtype, void *data, int64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int> small(0, 9);
  for (int64_t i = 0; i < count; ++i) {
    switch (dtype) {
    case 1:
      put(data, i, static_cast<float>(real(rng)));
      break;
    case 11:
      put(data, i, real(rng));
      break;
    case 10:
      put(data, i, floatToHalf(static_cast<float>(real(rng))));
      break;
    case 16: {
      float f = static_cast<float>(real(rng));
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      put(data, i, static_cast<uint16_t>(bits >> 16));
      break;
    }
    case 9:
      put(data, i, static_cast<uint8_t>(small(rng) & 1));
      break;
    case 2:
      put(data, i, static_cast<uint8_t>(small(rng)));
      break;
    case 3:
      put(data, i, static_cast<int8_t>(small(rng)));
      break;
    case 4:
      put(data, i, static_cast<uint16_t>(small(rng)));
      break;
    case 5:
      put(data, i, static_cast<int16_t>(small(rng)));
      break;
    case 6:
      put(data, i, static_cast<int32_t>(small(rng)));
      break;
    case 7:
      put(data, i, static_cast<int64_t>(small(rng)));
      break;
    case 12:
      put(data, i, static_cast<uint32_t>(small(rng)));
      break;
    case 13:
      put(data, i, static_cast<uint64_t>(small(rng)));
      break;
    default:
      return;
    }
  }
}

Checksum kiln::tools::checksum(int32_t dtype, const void *data, int64_t count) {
  Checksum c;
  for (int64_t i = 0; i < count; ++i) {
    double v = 0;
    switch (dtype) {
    case 1:
      v = at<float>(data, i);
      break;
    case 11:
      v = at<double>(data, i);
      break;
    case 10:
      v = halfToFloat(static_cast<uint16_t>(at<uint16_t>(data, i)));
      break;
    case 16:
      v = bfloat16ToFloat(static_cast<uint16_t>(at<uint16_t>(data, i)));
      break;
    case 2:
    case 9:
      v = at<uint8_t>(data, i);
      break;
    case 3:
      v = at<int8_t>(data, i);
      break;
    case 4:
      v = at<uint16_t>(data, i);
      break;
    case 5:
      v = at<int16_t>(data, i);
      break;
    case 6:
      v = at<int32_t>(data, i);
      break;
    case 7:
      v = at<int64_t>(data, i);
      break;
    case 12:
      v = at<uint32_t>(data, i);
      break;
    case 13:
      v = at<uint64_t>(data, i);
      break;
    default:
      break;
    }
    c.sum += v;
    c.absSum += std::fabs(v);
  }
  return c;
}
