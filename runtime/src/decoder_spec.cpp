//===- decoder_spec.cpp - Resolving a kiln_decoder_desc ---------*- C++ -*-===//
//
// Part of Kiln. Finds the decoder's parts (kiln/generator.h) among the model's inputs
// and outputs and checks what the generator relies on: ranks, dtypes, a dynamic batch,
// static cache dims besides the batch and the past axis (a prefill creates empty caches
// from them), present outputs shaped like their past, and no input left unexplained.
//
//===----------------------------------------------------------------------===//

#include "generator.h"
#include "model.h"
#include "status.h"

#include <cstring>

using namespace kiln::runtime;

namespace {

kiln_status *find(const std::vector<TensorDesc> &descs, const char *name, const char *what,
                  const kiln_model &m, size_t &index) {
  if (!name)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: the decoder's ", what,
                 " name is NULL");
  for (size_t i = 0; i < descs.size(); ++i)
    if (descs[i].name == name) {
      if (descs[i].kind != KILN_MODEL_VALUE_TENSOR)
        return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                     "': ", what, " '", name, "' is a sequence");
      index = i;
      return nullptr;
    }
  std::string known;
  for (const TensorDesc &d : descs)
    known += (known.empty() ? "'" : ", '") + d.name + "'";
  return error(KILN_STATUS_NOT_FOUND, "kiln_generator_create: model '", m.modelName, "' has no ",
               what, " '", name, "' (it has ", known, ")");
}

kiln_status *checkIndexInput(const kiln_model &m, size_t i, const char *what, bool allowFloat) {
  const TensorDesc &d = m.inputs[i];
  bool ok = d.dtype == 7 || d.dtype == 6 || (allowFloat && d.dtype == 1);
  if (!ok)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                 "': ", what, " '", d.name, "' is ", kiln_dtype_name(d.dtype), "; the generator ",
                 "writes int64 or int32", allowFloat ? " or float32" : "");
  if (d.dims.size() != 2 || d.dims[0] >= 0)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                 "': ", what, " '", d.name, "' has dims ", formatDims(d.dims),
                 "; want [batch, length] with a dynamic batch");
  return nullptr;
}

kiln_status *resolveCache(const kiln_model &m, const kiln_decoder_cache &c, CacheSpec &spec) {
  if (kiln_status *st = find(m.inputs, c.past_input, "past input", m, spec.input))
    return st;
  if (kiln_status *st = find(m.outputs, c.present_output, "present output", m, spec.output))
    return st;
  const TensorDesc &past = m.inputs[spec.input], &present = m.outputs[spec.output];
  const int32_t rank = static_cast<int32_t>(past.dims.size());
  auto bad = [&](const std::string &why) {
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                 "': cache '", past.name, "' -> '", present.name, "': ", why);
  };
  if (c.seq_axis < 1 || c.seq_axis >= rank)
    return bad("seq_axis " + std::to_string(c.seq_axis) + " is not in [1, rank " +
               std::to_string(rank) + ")");
  if (past.dtype != present.dtype || past.dims.size() != present.dims.size())
    return bad("the present output's dtype or rank is not the past input's");
  size_t elem = kiln_dtype_size(past.dtype);
  if (!elem)
    return bad("unsupported dtype");
  if (past.dims[0] >= 0)
    return bad("dim 0 (the batch) of the past input is not dynamic: " + formatDims(past.dims));
  spec.axis = c.seq_axis;
  spec.dtype = past.dtype;
  spec.elemSize = elem;
  spec.pastName = past.name;
  spec.presentName = present.name;
  spec.dims = past.dims;
  spec.dims[0] = 0;
  spec.dims[c.seq_axis] = 0;
  spec.outer = 1;
  spec.innerBytes = elem;
  for (int32_t a = 1; a < rank; ++a) {
    if (a == c.seq_axis)
      continue;
    if (past.dims[a] < 0)
      return bad("dim " + std::to_string(a) + " of " + formatDims(past.dims) +
                 " is dynamic; the generator needs every dim but the batch and the past "
                 "length static");
    if (present.dims[a] >= 0 && present.dims[a] != past.dims[a])
      return bad("present dims " + formatDims(present.dims) + " do not match past dims " +
                 formatDims(past.dims));
    if (a < c.seq_axis)
      spec.outer *= past.dims[a];
    else
      spec.innerBytes *= static_cast<size_t>(past.dims[a]);
  }
  return nullptr;
}

} // namespace

kiln_status *kiln::runtime::resolveDecoder(const kiln_model &m, const kiln_decoder_desc &desc,
                                           DecoderSpec &spec) {
  if (kiln_status *st = find(m.inputs, desc.input_ids, "token ids input", m, spec.ids))
    return st;
  if (kiln_status *st = find(m.inputs, desc.attention_mask, "attention mask input", m, spec.mask))
    return st;
  if (kiln_status *st = find(m.inputs, desc.position_ids, "position ids input", m, spec.positions))
    return st;
  if (kiln_status *st = find(m.outputs, desc.logits, "logits output", m, spec.logits))
    return st;
  if (spec.ids == spec.mask || spec.ids == spec.positions || spec.mask == spec.positions)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: the token ids, the ",
                 "attention mask and the position ids must be three different inputs");
  if (kiln_status *st = checkIndexInput(m, spec.ids, "token ids input", false))
    return st;
  if (kiln_status *st = checkIndexInput(m, spec.mask, "attention mask input", true))
    return st;
  if (kiln_status *st = checkIndexInput(m, spec.positions, "position ids input", false))
    return st;
  const TensorDesc &logits = m.outputs[spec.logits];
  if (logits.dtype != 1 || logits.dims.size() != 3)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                 "': logits output '", logits.name, "' is ", kiln_dtype_name(logits.dtype), " ",
                 formatDims(logits.dims), "; want float32 [batch, seq, vocab]");

  std::vector<kiln_decoder_cache> caches(desc.caches, desc.caches + desc.num_caches);
  if (caches.empty()) {
    // optimum's names: past_key_values.<rest> -> present.<rest>, past on axis 2.
    static const char kPast[] = "past_key_values.";
    for (const TensorDesc &d : m.inputs)
      if (d.name.compare(0, sizeof(kPast) - 1, kPast) == 0)
        caches.push_back({d.name.c_str(), nullptr, 2});
    for (kiln_decoder_cache &c : caches) {
      std::string present = "present." + std::string(c.past_input).substr(sizeof(kPast) - 1);
      for (const TensorDesc &o : m.outputs)
        if (o.name == present)
          c.present_output = o.name.c_str();
      if (!c.present_output)
        return error(KILN_STATUS_NOT_FOUND, "kiln_generator_create: model '", m.modelName,
                     "': past input '", c.past_input, "' has no output '", present,
                     "'; name the caches in kiln_decoder_desc");
    }
  }
  spec.caches.resize(caches.size());
  std::vector<bool> covered(m.inputs.size(), false);
  covered[spec.ids] = covered[spec.mask] = covered[spec.positions] = true;
  for (size_t c = 0; c < caches.size(); ++c) {
    if (kiln_status *st = resolveCache(m, caches[c], spec.caches[c]))
      return st;
    if (covered[spec.caches[c].input])
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                   "': input '", spec.caches[c].pastName, "' has two parts in the decoder");
    covered[spec.caches[c].input] = true;
  }
  for (size_t i = 0; i < covered.size(); ++i)
    if (!covered[i])
      return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_generator_create: model '", m.modelName,
                   "': input '", m.inputs[i].name, "' is not the token ids, the attention mask, ",
                   "the position ids or a past input of the decoder; the generator cannot feed it");
  return nullptr;
}
