//===- npy.cpp - NumPy .npy reader and writer -------------------*- C++ -*-===//
//
// Part of Kiln. Supports format versions 1.0-3.0, C order, little-endian.
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace kiln::tools;

namespace {
struct NpyType {
  const char *descr; // without the byte-order character
  int32_t dtype;
};
const NpyType kTypes[] = {{"f2", 10}, {"f4", 1}, {"f8", 11}, {"i1", 3},  {"i2", 5},  {"i4", 6},
                          {"i8", 7},  {"u1", 2}, {"u2", 4},  {"u4", 12}, {"u8", 13}, {"b1", 9}};

size_t elementSize(int32_t dtype) {
  for (const NpyType &t : kTypes)
    if (t.dtype == dtype)
      return static_cast<size_t>(t.descr[1] - '0');
  return 0;
}

/// Returns the text after `'key':` in the header dict, or npos.
size_t findValue(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return at;
  at = header.find(':', at);
  if (at == std::string::npos)
    return at;
  at = header.find_first_not_of(' ', at + 1);
  return at;
}
} // namespace

std::string kiln::tools::readNpy(const std::string &path, HostTensor &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot open '" + path + "'";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string where = "'" + path + "': ";
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return where + "not a .npy file (bad magic)";
  int major = static_cast<uint8_t>(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return where + "truncated header";
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return where + "unsupported .npy version " + std::to_string(major);
  }
  if (bytes.size() < offset + headerLen)
    return where + "truncated header";
  std::string header = bytes.substr(offset, headerLen);
  offset += headerLen;

  size_t at = findValue(header, "descr");
  if (at == std::string::npos || header[at] != '\'')
    return where + "header has no descr";
  std::string descr = header.substr(at + 1, header.find('\'', at + 1) - at - 1);
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '='))
    return where + "unsupported dtype '" + descr +
           "' (need little-endian f2 f4 f8 i1 i2 i4 "
           "i8 u1 u2 u4 u8 b1)";
  out.dtype = 0;
  for (const NpyType &t : kTypes)
    if (descr.compare(1, 2, t.descr) == 0)
      out.dtype = t.dtype;
  if (!out.dtype)
    return where + "unsupported dtype '" + descr + "'";
  at = findValue(header, "fortran_order");
  if (at == std::string::npos)
    return where + "header has no fortran_order";
  if (header.compare(at, 4, "True") == 0)
    return where + "Fortran-order arrays are not supported (use np.ascontiguousarray)";
  at = findValue(header, "shape");
  if (at == std::string::npos || header[at] != '(')
    return where + "header has no shape";
  size_t close = header.find(')', at);
  if (close == std::string::npos)
    return where + "malformed shape";
  out.dims.clear();
  std::istringstream shape(header.substr(at + 1, close - at - 1));
  std::string item;
  while (std::getline(shape, item, ',')) {
    size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    char *end = nullptr;
    long long d = std::strtoll(item.c_str() + first, &end, 10);
    if (d < 0 || end == item.c_str() + first)
      return where + "malformed shape '" + header.substr(at, close - at + 1) + "'";
    out.dims.push_back(d);
  }
  size_t count = 1;
  for (int64_t d : out.dims)
    count *= static_cast<size_t>(d);
  size_t need = count * elementSize(out.dtype);
  if (bytes.size() - offset != need)
    return where + "expected " + std::to_string(need) + " data bytes, found " +
           std::to_string(bytes.size() - offset);
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end());
  return "";
}

std::string kiln::tools::writeNpy(const std::string &path, int32_t dtype,
                                  const std::vector<int64_t> &dims, const void *data,
                                  size_t byteSize) {
  std::vector<uint8_t> widened;
  switch (dtype) {
  case 17: // float8 and float4: the bit patterns, as uint8
  case 18:
  case 19:
  case 20:
  case 23:
  case 24:
    dtype = 2;
    break;
  case 21:   // uint4, uint2: one element per byte, high bits cleared
  case 22:   // int4, int2: one element per byte, sign-extended
  case 25:
  case 26: { // (a model may leave the unused high bits of each byte undefined)
    unsigned bits = dtype == 21 || dtype == 22 ? 4 : 2, mask = (1u << bits) - 1;
    bool isSigned = dtype == 22 || dtype == 26;
    widened.resize(byteSize);
    const auto *src = static_cast<const uint8_t *>(data);
    for (size_t i = 0; i < byteSize; ++i) {
      unsigned v = src[i] & mask;
      if (isSigned && (v >> (bits - 1)))
        v |= ~mask;
      widened[i] = static_cast<uint8_t>(v);
    }
    data = widened.data();
    dtype = isSigned ? 3 : 2;
    break;
  }
  default:
    break;
  }
  if (dtype == 16) { // bfloat16 -> float32
    widened.resize(byteSize * 2);
    const auto *src = static_cast<const uint16_t *>(data);
    for (size_t i = 0; i < byteSize / 2; ++i) {
      float f = bfloat16ToFloat(src[i]);
      std::memcpy(widened.data() + 4 * i, &f, 4);
    }
    data = widened.data();
    byteSize = widened.size();
    dtype = 1;
  }
  const char *descr = nullptr;
  for (const NpyType &t : kTypes)
    if (t.dtype == dtype)
      descr = t.descr;
  if (!descr)
    return "cannot write dtype " + std::to_string(dtype) + " to .npy";
  std::string shape = "(";
  for (int64_t d : dims)
    shape += std::to_string(d) + (dims.size() == 1 ? ",)" : ", ");
  if (dims.size() != 1) {
    if (dims.size() > 1)
      shape.resize(shape.size() - 2);
    shape += ")";
  }
  bool oneByte = descr[1] == '1';
  std::string header = std::string("{'descr': '") + (oneByte ? "|" : "<") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out)
    return "cannot create '" + path + "'";
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char lenBytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lenBytes, 2);
  out << header;
  out.write(static_cast<const char *>(data), static_cast<std::streamsize>(byteSize));
  if (!out)
    return "cannot write '" + path + "'";
  return "";
}
