//===- model_outputs.cpp - A model's outputs written as .npy -------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "host_tensor.h"
#include "model_io.h"

#include <cctype>
#include <filesystem>

using namespace kiln::tools;

std::string kiln::tools::fileNameFor(const char *name) {
  std::string out(name);
  for (char &c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      c = '_';
  return out;
}

void kiln::tools::writeTensorNpy(const std::string &path, const kiln_tensor *t) {
  std::vector<int64_t> dims(kiln_tensor_dims(t), kiln_tensor_dims(t) + kiln_tensor_rank(t));
  check(writeNpy(path, kiln_tensor_dtype(t), dims, kiln_tensor_data(t), kiln_tensor_byte_size(t)));
}

std::vector<TensorPtr> kiln::tools::unpackSequence(const kiln_tensor *data,
                                                   const kiln_tensor *shapes) {
  size_t count = 0;
  check(kiln_sequence_unpack(data, shapes, nullptr, 0, &count));
  std::vector<kiln_tensor *> raw(count, nullptr);
  check(kiln_sequence_unpack(data, shapes, raw.data(), raw.size(), &count));
  std::vector<TensorPtr> elements;
  for (kiln_tensor *t : raw)
    elements.emplace_back(t);
  return elements;
}

void kiln::tools::writeSequenceNpy(const std::string &dir, const std::vector<TensorPtr> &elements) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw ToolError("cannot create '" + dir + "': " + ec.message());
  for (size_t k = 0; k < elements.size(); ++k)
    writeTensorNpy(dir + "/" + std::to_string(k) + ".npy", elements[k].get());
}
