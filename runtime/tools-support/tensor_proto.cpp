//===- tensor_proto.cpp - ONNX TensorProto reader ---------------*- C++ -*-===//
//
// Part of Kiln. Reads raw_data or the typed repeated fields (ONNX stores
// int8/int16/uint8/uint16/bool/float16/bfloat16 in int32_data, uint32/uint64
// in uint64_data).
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"

#include "kiln_onnx.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstring>
#include <fstream>
#include <iterator>

using namespace kiln::tools;

namespace {
template <typename T, typename Field>
void copyField(const Field &field, std::vector<uint8_t> &data) {
  data.resize(static_cast<size_t>(field.size()) * sizeof(T));
  for (int i = 0; i < field.size(); ++i) {
    T v = static_cast<T>(field.Get(i));
    std::memcpy(data.data() + i * sizeof(T), &v, sizeof(T));
  }
}

size_t elementSize(int32_t dtype) {
  switch (dtype) {
  case 2:
  case 3:
  case 9:
  case 17: // float8 types: bit patterns
  case 18:
  case 19:
  case 20:
  case 24:
  case 21: // 4- and 2-bit types: unpacked to one element per byte
  case 22:
  case 23:
  case 25:
  case 26:
    return 1;
  case 4:
  case 5:
  case 10:
  case 16:
    return 2;
  case 1:
  case 6:
  case 12:
    return 4;
  case 7:
  case 11:
  case 13:
    return 8;
  default:
    return 0;
  }
}
/// Bits per element of the types ONNX packs several to a byte, or 0.
int packedBits(int32_t dtype) {
  switch (dtype) {
  case 21: // uint4
  case 22: // int4
  case 23: // float4e2m1
    return 4;
  case 25: // uint2
  case 26: // int2
    return 2;
  default:
    return 0;
  }
}

/// Unpacks `count` elements of `bits` bits (lowest bits first) to one per byte,
/// sign-extending the signed integer types (int4, int2).
std::vector<uint8_t> unpack(const std::vector<uint8_t> &packed, int bits, bool isSigned,
                            size_t count) {
  std::vector<uint8_t> out(count);
  unsigned perByte = 8 / bits, mask = (1u << bits) - 1;
  for (size_t i = 0; i < count && i / perByte < packed.size(); ++i) {
    unsigned v = (packed[i / perByte] >> ((i % perByte) * bits)) & mask;
    if (isSigned && (v >> (bits - 1)))
      v |= ~mask;
    out[i] = static_cast<uint8_t>(v);
  }
  return out;
}
} // namespace

namespace {
std::string fromProto(const kiln::onnxpb::TensorProto &proto, const std::string &where,
                      HostTensor &out);
} // namespace

std::string kiln::tools::readTensorProto(const std::string &path, HostTensor &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot open '" + path + "'";
  kiln::onnxpb::TensorProto proto;
  if (!proto.ParseFromIstream(&in))
    return "'" + path + "': not a serialized onnx.TensorProto";
  return fromProto(proto, "'" + path + "': ", out);
}

std::string kiln::tools::readSequenceProto(const std::string &path,
                                           std::vector<HostTensor> &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot open '" + path + "'";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string where = "'" + path + "': ";
  // onnx.SequenceProto (onnx-data.proto): name = 1, elem_type = 2, tensor_values = 3;
  // only sequences of tensors are read. Parsed from the wire format: kiln_onnx.proto
  // does not carry onnx-data.proto.
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t *>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  out.clear();
  while (uint32_t tag = stream.ReadTag()) {
    uint32_t field = tag >> 3, wire = tag & 7;
    if (field == 2 && wire == 0) {
      uint64_t elemType = 0;
      if (!stream.ReadVarint64(&elemType))
        return where + "not a serialized onnx.SequenceProto";
      if (elemType != 1) // TENSOR
        return where + "only sequences of tensors are supported (elem_type " +
               std::to_string(elemType) + ")";
      continue;
    }
    if (field == 3 && wire == 2) {
      std::string value;
      uint32_t length = 0;
      if (!stream.ReadVarint32(&length) || !stream.ReadString(&value, static_cast<int>(length)))
        return where + "not a serialized onnx.SequenceProto";
      kiln::onnxpb::TensorProto proto;
      if (!proto.ParseFromString(value))
        return where + "element " + std::to_string(out.size()) + " is not an onnx.TensorProto";
      HostTensor t;
      std::string error = fromProto(
          proto, where + "element " + std::to_string(out.size()) + ": ", t);
      if (!error.empty())
        return error;
      out.push_back(std::move(t));
      continue;
    }
    if (field >= 4 && field <= 7)
      return where + "only sequences of tensors are supported";
    if (!google::protobuf::internal::WireFormatLite::SkipField(&stream, tag))
      return where + "not a serialized onnx.SequenceProto";
  }
  if (!stream.ConsumedEntireMessage())
    return where + "not a serialized onnx.SequenceProto";
  return "";
}

namespace {
std::string fromProto(const kiln::onnxpb::TensorProto &proto, const std::string &where,
                      HostTensor &out) {
  if (proto.data_location() == kiln::onnxpb::TensorProto::EXTERNAL)
    return where + "external data is not supported";
  if (proto.has_segment())
    return where + "segmented tensors are not supported";
  out.name = proto.name();
  out.dtype = proto.data_type();
  size_t size = elementSize(out.dtype);
  if (!size)
    return where + "unsupported data_type " + std::to_string(out.dtype);
  out.dims.assign(proto.dims().begin(), proto.dims().end());
  size_t count = 1;
  for (int64_t d : out.dims) {
    if (d < 0)
      return where + "negative dim " + std::to_string(d);
    count *= static_cast<size_t>(d);
  }
  if (proto.has_raw_data()) {
    out.data.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (out.dtype) {
    case 1:
      copyField<float>(proto.float_data(), out.data);
      break;
    case 11:
      copyField<double>(proto.double_data(), out.data);
      break;
    case 7:
      copyField<int64_t>(proto.int64_data(), out.data);
      break;
    case 12:
      copyField<uint32_t>(proto.uint64_data(), out.data);
      break;
    case 13:
      copyField<uint64_t>(proto.uint64_data(), out.data);
      break;
    case 6:
      copyField<int32_t>(proto.int32_data(), out.data);
      break;
    case 2:
    case 9:
      copyField<uint8_t>(proto.int32_data(), out.data);
      break;
    case 3:
      copyField<int8_t>(proto.int32_data(), out.data);
      break;
    case 5:
      copyField<int16_t>(proto.int32_data(), out.data);
      break;
    case 17: // float8 bit patterns, and packed 4- and 2-bit bytes
    case 18:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
    case 24:
    case 25:
    case 26:
      copyField<uint8_t>(proto.int32_data(), out.data);
      break;
    default: // 4 uint16, 10 float16, 16 bfloat16: bit patterns in int32_data
      copyField<uint16_t>(proto.int32_data(), out.data);
      break;
    }
  }
  if (int bits = packedBits(out.dtype)) {
    size_t perByte = 8 / bits;
    if (out.data.size() != (count + perByte - 1) / perByte)
      return where + "expected " + std::to_string(count) + " packed " + std::to_string(bits) +
             "-bit elements, found " + std::to_string(out.data.size()) + " bytes";
    out.data = unpack(out.data, bits, out.dtype == 22 || out.dtype == 26, count);
  }
  if (out.data.size() != count * size)
    return where + "expected " + std::to_string(count) + " elements of " + std::to_string(size) +
           " bytes, found " + std::to_string(out.data.size()) + " bytes";
  return "";
}
} // namespace
