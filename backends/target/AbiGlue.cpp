//===- AbiGlue.cpp - The C side of a compiled model library ---------------===//
//
// The generated code is two functions with MLIR's C interface (memref descriptors):
// _mlir_ciface_kiln_main and _mlir_ciface_kiln_output_dims. This file writes the C
// source that wraps them in the model ABI of kiln/model_abi.h: static tensor
// descriptors, the run and output-dims entry points, the run's error state (what
// kiln.check failures report through kiln_rt_fail, see LowerChecks.cpp), the bridge
// from generated parallel loops to the runtime's parallel_for hook, and memrefCopy (which MLIR's lowering may
// call for strided copies and which must not pull in MLIR's runner libraries).
//
//===----------------------------------------------------------------------===//

#include "backends/target/AbiGlue.h"
#include "ir/kiln/KilnDialect.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace kiln {

/// A C string literal for `s`.
static std::string cString(StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c >= 0x20 && c < 0x7f)
      out += c;
    else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

static void emitDescTable(raw_ostream &os, StringRef prefix, ArrayRef<TensorSignature> tensors) {
  for (auto [i, t] : llvm::enumerate(tensors)) {
    os << "static const int64_t " << prefix << i << "_dims[] = {";
    for (int64_t d : t.dims)
      os << d << ", ";
    os << "0};\nstatic const char *const " << prefix << i << "_params[] = {";
    for (const std::string &p : t.dimParams)
      os << (p.empty() ? "NULL" : cString(p)) << ", ";
    os << "NULL};\n";
  }
  os << "static const kiln_model_tensor_desc " << prefix << "s[] = {\n";
  for (auto [i, t] : llvm::enumerate(tensors))
    os << "  {" << cString(t.name) << ", " << t.dtype << ", " << t.dims.size() << ", " << prefix
       << i << "_dims, " << prefix << i << "_params, " << t.kind << ", " << (t.optional ? 1 : 0)
       << "},\n";
  if (tensors.empty())
    os << "  {NULL, 0, 0, NULL, NULL, 0, 0},\n";
  os << "};\n\n";
}

/// Declares `name desc<i>` for buffer `buf` of rank `rank` with row-major strides.
static void emitDescriptor(raw_ostream &os, StringRef name, StringRef data, StringRef dims,
                           size_t rank) {
  os << "  kiln_memref" << rank << " " << name << ";\n";
  os << "  " << name << ".allocated = " << name << ".aligned = (void *)(" << data << ");\n";
  os << "  " << name << ".offset = 0;\n";
  if (rank > 0)
    os << "  kiln_fill_shape(" << name << ".sizes, " << name << ".strides, " << dims << ", "
       << rank << ");\n";
}

/// Declares the descriptor `in<i>` of model input `i`, and for an optional input also
/// `in<i>_present`, the rank-0 i1 memref of its presence flag. An absent optional input
/// (a NULL buffer) is passed as a buffer that is never read, with its static dims and 0
/// for the dynamic ones: the generated code reads it only after checking the flag.
static void emitInputDescriptor(raw_ostream &os, size_t i, const TensorSignature &t) {
  std::string name = ("in" + Twine(i)).str();
  std::string input = ("inputs[" + Twine(i) + "]").str();
  size_t rank = t.dims.size();
  if (!t.optional) {
    emitDescriptor(os, name, input + ".data", input + ".dims", rank);
    return;
  }
  os << "  static const int64_t " << name << "_absent_dims[" << std::max<size_t>(rank, 1)
     << "] = {";
  for (int64_t d : t.dims)
    os << (d < 0 ? 0 : d) << ", ";
  os << "0};\n";
  os << "  _Bool " << name << "_flag = " << input << ".data != NULL;\n";
  emitDescriptor(os, name, name + "_flag ? " + input + ".data : (void *)kiln_absent_data",
                 name + "_flag ? " + input + ".dims : " + name + "_absent_dims", rank);
  os << "  kiln_memref0 " << name << "_present = {&" << name << "_flag, &" << name
     << "_flag, 0};\n";
}

/// The arguments `&in<i>` (and `&in<i>_present`) of the generated functions.
static void emitInputArguments(raw_ostream &os, ArrayRef<TensorSignature> inputs, bool &first) {
  for (auto [i, t] : llvm::enumerate(inputs)) {
    os << (first ? "" : ", ") << "&in" << i;
    if (t.optional)
      os << ", &in" << i << "_present";
    first = false;
  }
}

/// The optional profiling entry points of model_abi.h, for a model compiled with
/// kiln-instrument-profile: its kernel table, and the kiln_rt_profile_enter/exit the
/// generated code calls, forwarded to the hooks of the current run.
static void emitProfileSupport(raw_ostream &os, ArrayRef<ProfileKernel> kernels) {
  os << "\nstatic const kiln_model_profile_kernel kiln_profile_kernels[] = {\n";
  for (const ProfileKernel &k : kernels)
    os << "  {" << cString(k.kernel) << ", " << cString(k.nodes) << ", " << cString(k.opTypes)
       << "},\n";
  os << "};\nstatic const kiln_model_profile_info kiln_profile_info = {" << kernels.size()
     << ", kiln_profile_kernels};\n";
  os << R"C(
const kiln_model_profile_info *kiln_model_get_profile_info(void) { return &kiln_profile_info; }

static __thread const kiln_profile_hooks *kiln_tls_profile;
void kiln_rt_profile_enter(int32_t kernel) {
  const kiln_profile_hooks *p = kiln_tls_profile;
  if (p && p->enter)
    p->enter(p->ctx, kernel);
}
void kiln_rt_profile_exit(int32_t kernel) {
  const kiln_profile_hooks *p = kiln_tls_profile;
  if (p && p->exit)
    p->exit(p->ctx, kernel);
}

int32_t kiln_model_run_profiled(const kiln_host_hooks *hooks, const kiln_profile_hooks *profile,
                                const kiln_model_buffer *inputs, const kiln_model_buffer *outputs,
                                void *arena, kiln_model_error *error) {
  const kiln_profile_hooks *saved = kiln_tls_profile;
  kiln_tls_profile = profile;
  int32_t rc = kiln_model_run(hooks, inputs, outputs, arena, error);
  kiln_tls_profile = saved;
  return rc;
}
)C";
}

std::string generateAbiGlue(const ModelSignature &sig, const GlueOptions &options) {
  std::string text;
  raw_string_ostream os(text);
  os << "/* Generated by kilnc: the model ABI wrapper of " << cString(sig.graphName)
     << ". */\n#include \"kiln_model_abi.h\"\n#include <stddef.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
        "#if defined(__linux__) && defined(__x86_64__)\n#include <sys/syscall.h>\n#include <unistd.h>\n"
        "#endif\n\n";

  // One descriptor struct per rank in use (MLIR's C interface layout).
  llvm::SmallSet<size_t, 8> ranks;
  ranks.insert(1); // the shape function's output
  for (const TensorSignature &t : sig.inputs)
    if (t.optional)
      ranks.insert(0); // presence flags
  for (const TensorSignature &t : sig.inputs)
    ranks.insert(t.dims.size());
  for (const TensorSignature &t : sig.outputs)
    ranks.insert(t.dims.size());
  for (size_t r : ranks) {
    os << "typedef struct { void *allocated; void *aligned; int64_t offset;";
    if (r > 0)
      os << " int64_t sizes[" << r << "]; int64_t strides[" << r << "];";
    os << " } kiln_memref" << r << ";\n";
  }
  os << R"C(
static void kiln_fill_shape(int64_t *sizes, int64_t *strides, const int64_t *dims, int rank) {
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    sizes[i] = dims[i];
    strides[i] = stride;
    stride *= dims[i];
  }
}

/* The state of one call of an entry point: the host hooks (NULL in the shape
   function) and the first failure of a run-time check. Generated code reaches it
   through a thread-local, which kiln_rt_parallel_for hands to the worker threads. */
typedef struct kiln_run_state {
  const kiln_host_hooks *hooks;
  int32_t code; /* KILN_MODEL_OK until the first failure; written once, atomically */
  kiln_model_error *error;
  void *heap; /* blocks taken from malloc where there are no hooks (the shape function) */
} kiln_run_state;
static __thread kiln_run_state *kiln_tls_run;

/* Every heap buffer of generated code (memref.alloc that the arena does not plan) comes
   from here: the session allocator through the host hooks, or malloc in the shape
   function, whose leftovers the glue frees after a failed call. The caller checks for
   NULL (kiln-lower-checks) and stops the run with KILN_MODEL_ERROR_MEMORY. */
typedef struct kiln_heap_block {
  struct kiln_heap_block *next, *prev;
  char pad[64 - 2 * sizeof(void *)]; /* keeps the payload 64-byte aligned */
} kiln_heap_block;
void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  kiln_run_state *run = kiln_tls_run;
  if (run && run->hooks && run->hooks->alloc)
    return run->hooks->alloc(run->hooks->ctx, bytes);
  kiln_heap_block *block = NULL;
  if (bytes > UINT64_MAX - sizeof(kiln_heap_block) ||
      posix_memalign((void **)&block, 64, sizeof(kiln_heap_block) + bytes) != 0)
    return NULL;
  block->prev = NULL;
  block->next = run ? (kiln_heap_block *)run->heap : NULL;
  if (block->next)
    block->next->prev = block;
  if (run)
    run->heap = block;
  return block + 1;
}
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes) {
  return alignment <= 64 ? _mlir_memref_to_llvm_alloc(bytes) : NULL;
}
void _mlir_memref_to_llvm_free(void *ptr) {
  kiln_run_state *run = kiln_tls_run;
  if (!ptr)
    return;
  if (run && run->hooks && run->hooks->free) {
    run->hooks->free(run->hooks->ctx, ptr);
    return;
  }
  kiln_heap_block *block = (kiln_heap_block *)ptr - 1;
  if (block->prev)
    block->prev->next = block->next;
  else if (run)
    run->heap = block->next;
  if (block->next)
    block->next->prev = block->prev;
  free(block);
}
static void kiln_free_heap(kiln_run_state *run) {
  for (kiln_heap_block *b = (kiln_heap_block *)run->heap, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  run->heap = NULL;
}

/* Formats `fmt` with its first "{}" replaced by a and its second by b. */
static void kiln_format(char *out, size_t size, const char *fmt, int64_t a, int64_t b) {
  size_t n = 0;
  int arg = 0;
  for (const char *p = fmt; *p && n + 1 < size; ++p) {
    if (p[0] == '{' && p[1] == '}' && arg < 2) {
      char num[24];
      int len = snprintf(num, sizeof(num), "%lld", (long long)(arg++ ? b : a));
      for (int i = 0; i < len && n + 1 < size; ++i)
        out[n++] = num[i];
      ++p;
      continue;
    }
    out[n++] = *p;
  }
  out[n] = 0;
}

/* A failed kiln.check: the first failure of the run wins (several chunks of a parallel
   loop may fail at once). The generated code returns right after this call. */
void kiln_rt_fail(int32_t code, const char *message, int64_t a, int64_t b) {
  kiln_run_state *run = kiln_tls_run;
  int32_t expected = KILN_MODEL_OK;
  if (!run || !__atomic_compare_exchange_n(&run->code, &expected, code, 0, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
    return;
  if (run->error) {
    run->error->code = code;
    kiln_format(run->error->message, sizeof(run->error->message), message, a, b);
  }
}

/* Asked after every call that may have failed on another thread. */
int32_t kiln_rt_failed(void) {
  kiln_run_state *run = kiln_tls_run;
  return run ? __atomic_load_n(&run->code, __ATOMIC_ACQUIRE) : KILN_MODEL_OK;
}

/* A chunk of a parallel loop on a worker thread: it sees the caller's run state, and
   does nothing once the run has failed. */
typedef struct {
  void (*body)(void *, int64_t, int64_t);
  void *ctx;
  kiln_run_state *run;
} kiln_par_task;
static void kiln_par_chunk(void *arg, int64_t b, int64_t e) {
  const kiln_par_task *task = (const kiln_par_task *)arg;
  if (task->run && __atomic_load_n(&task->run->code, __ATOMIC_RELAXED) != KILN_MODEL_OK)
    return;
  kiln_run_state *saved = kiln_tls_run;
  kiln_tls_run = task->run;
  task->body(task->ctx, b, e);
  kiln_tls_run = saved;
}

/* Generated parallel loops call this; it forwards to the session's thread pool. */
void kiln_rt_parallel_for(int64_t begin, int64_t end, int64_t grain,
                          void (*body)(void *, int64_t, int64_t), void *ctx) {
  kiln_run_state *run = kiln_tls_run;
  const kiln_host_hooks *hooks = run ? run->hooks : NULL;
  if (end <= begin)
    return;
  if (!hooks || !hooks->parallel_for || end - begin <= grain) {
    body(ctx, begin, end);
    return;
  }
  kiln_par_task task = {body, ctx, run};
  hooks->parallel_for(hooks->ctx, begin, end, grain, kiln_par_chunk, &task);
}

/* AMX: Linux gives a process the tile state only once asked (arch_prctl
   ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA); asked once, the answer kept. The bf16
   kernels run on the tiles where this returns 1 and on AVX-512 BF16 otherwise (also when
   the environment sets KILN_DISABLE_AMX, which tests use to run that path). */
int32_t kiln_rt_amx_enabled(void) {
  static int32_t granted = -1;
  int32_t known = __atomic_load_n(&granted, __ATOMIC_ACQUIRE);
  if (known >= 0)
    return known;
#if defined(__linux__) && defined(__x86_64__)
  known = !getenv("KILN_DISABLE_AMX") &&
          syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */) == 0;
#else
  known = 0;
#endif
  __atomic_store_n(&granted, known, __ATOMIC_RELEASE);
  return known;
}

/* MLIR lowers non-contiguous memref.copy to this runtime function. */
typedef struct { int64_t rank; void *descriptor; } kiln_unranked_memref;
void memrefCopy(int64_t elemSize, kiln_unranked_memref *src, kiln_unranked_memref *dst) {
  int64_t rank = src->rank;
  char **s = (char **)src->descriptor, **d = (char **)dst->descriptor;
  int64_t *sMeta = (int64_t *)(s + 2), *dMeta = (int64_t *)(d + 2);
  const int64_t *sizes = sMeta + 1, *sStrides = sMeta + 1 + rank, *dStrides = dMeta + 1 + rank;
  char *sBase = s[1] + sMeta[0] * elemSize, *dBase = d[1] + dMeta[0] * elemSize;
  int64_t total = 1, index[rank > 0 ? rank : 1];
  for (int64_t i = 0; i < rank; ++i) {
    total *= sizes[i];
    index[i] = 0;
  }
  for (int64_t n = 0; n < total; ++n) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < rank; ++i) {
      so += index[i] * sStrides[i];
      dof += index[i] * dStrides[i];
    }
    memcpy(dBase + dof * elemSize, sBase + so * elemSize, (size_t)elemSize);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
  }
}

)C";

  // kiln.check codes are the model ABI's statuses; the compiler keeps its own copy.
  os << "_Static_assert(KILN_MODEL_ERROR_SHAPE == " << kiln::kilnir::kCheckShape
     << " && KILN_MODEL_ERROR_MEMORY == " << kiln::kilnir::kCheckMemory
     << " && KILN_MODEL_ERROR_INDEX == " << kiln::kilnir::kCheckIndex
     << " && KILN_MODEL_ERROR_ARITHMETIC == " << kiln::kilnir::kCheckArithmetic
     << ", \"kiln.check codes differ from kiln_model_abi.h\");\n\n";
  // What an absent optional input's descriptor points to; never read.
  if (llvm::any_of(sig.inputs, [](const TensorSignature &t) { return t.optional; }))
    os << "static _Alignas(64) char kiln_absent_data[64];\n\n";
  emitDescTable(os, "kiln_input", sig.inputs);
  emitDescTable(os, "kiln_output", sig.outputs);
  os << "static const kiln_model_info kiln_info = {\n  KILN_MODEL_ABI_VERSION, " << sig.inputs.size()
     << ", " << sig.outputs.size() << ", kiln_inputs, kiln_outputs,\n  " << cString(sig.graphName)
     << ", " << cString(options.compilerId) << ", " << cString(options.targetCpu) << ",\n  "
     << options.arenaBaseBytes << "ull, " << options.arenaPerBatchBytes << "ull, "
     << options.intermediatesBytes << "ull,\n  " << options.device << "};\n\n";
  os << "const kiln_model_info *kiln_model_get_info(void) { return &kiln_info; }\n\n";

  // Prototypes of the generated functions.
  auto emitProto = [&](StringRef fn, bool shapes) {
    os << "extern void _mlir_ciface_" << fn << "(";
    bool first = true;
    for (const TensorSignature &t : sig.inputs) {
      os << (first ? "" : ", ") << "kiln_memref" << t.dims.size() << " *";
      if (t.optional)
        os << ", kiln_memref0 *";
      first = false;
    }
    if (shapes) {
      os << (first ? "" : ", ") << "kiln_memref1 *";
    } else {
      for (const TensorSignature &t : sig.outputs) {
        os << (first ? "" : ", ") << "kiln_memref" << t.dims.size() << " *";
        first = false;
      }
      os << (first ? "" : ", ") << "kiln_memref1 *"; // the arena
    }
    os << ");\n";
  };
  emitProto("kiln_main", false);
  emitProto("kiln_output_dims", true);

  size_t totalOutputRank = 0;
  for (const TensorSignature &t : sig.outputs)
    totalOutputRank += t.dims.size();

  os << "\nint32_t kiln_model_output_dims(const kiln_model_buffer *inputs, "
        "int64_t *const *output_dims,\n                               kiln_model_error *error) {\n";
  os << "  int64_t dims[" << std::max<size_t>(totalOutputRank, 1) << "];\n";
  os << "  kiln_memref1 out = {dims, dims, 0, {" << totalOutputRank << "}, {1}};\n";
  for (auto [i, t] : llvm::enumerate(sig.inputs))
    emitInputDescriptor(os, i, t);
  os << "  kiln_run_state run = {NULL, KILN_MODEL_OK, error, NULL};\n";
  os << "  kiln_run_state *saved = kiln_tls_run;\n  kiln_tls_run = &run;\n";
  os << "  _mlir_ciface_kiln_output_dims(";
  bool firstShapeArg = true;
  emitInputArguments(os, sig.inputs, firstShapeArg);
  os << (firstShapeArg ? "" : ", ") << "&out);\n";
  os << "  kiln_tls_run = saved;\n  kiln_free_heap(&run);\n  if (run.code != KILN_MODEL_OK)\n    return run.code;\n";
  size_t offset = 0;
  for (auto [i, t] : llvm::enumerate(sig.outputs)) {
    for (size_t d = 0; d < t.dims.size(); ++d)
      os << "  output_dims[" << i << "][" << d << "] = dims[" << offset + d << "];\n";
    offset += t.dims.size();
  }
  os << "  return KILN_MODEL_OK;\n}\n\n";

  os << "int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,\n"
        "                       const kiln_model_buffer *outputs, void *arena,\n"
        "                       kiln_model_error *error) {\n";
  // The batch N sizes the arena: the first dynamic dim of the first input that has one,
  // optional inputs (which may be absent) aside, as kiln-plan-arena chose it.
  std::string batch = "0";
  for (auto [i, t] : llvm::enumerate(sig.inputs)) {
    auto it = llvm::find(t.dims, -1);
    if (it != t.dims.end() && !t.optional) {
      batch = ("inputs[" + Twine(i) + "].dims[" + Twine(it - t.dims.begin()) + "]").str();
      break;
    }
  }
  os << "  int64_t arena_bytes = (int64_t)kiln_info.arena_base_bytes + "
        "(int64_t)kiln_info.arena_per_batch_bytes * "
     << batch << ";\n";
  os << "  kiln_memref1 arena_desc = {arena, arena, 0, {arena_bytes}, {1}};\n";
  for (auto [i, t] : llvm::enumerate(sig.inputs))
    emitInputDescriptor(os, i, t);
  for (auto [i, t] : llvm::enumerate(sig.outputs))
    emitDescriptor(os, ("out" + Twine(i)).str(), ("outputs[" + Twine(i) + "].data").str(),
                   ("outputs[" + Twine(i) + "].dims").str(), t.dims.size());
  os << "  kiln_run_state run = {hooks, KILN_MODEL_OK, error, NULL};\n";
  os << "  kiln_run_state *saved = kiln_tls_run;\n  kiln_tls_run = &run;\n";
  os << "  _mlir_ciface_kiln_main(";
  bool first = true;
  emitInputArguments(os, sig.inputs, first);
  for (size_t i = 0; i < sig.outputs.size(); ++i, first = false)
    os << (first ? "" : ", ") << "&out" << i;
  os << (first ? "" : ", ") << "&arena_desc";
  os << ");\n  kiln_tls_run = saved;\n  kiln_free_heap(&run);\n  return run.code;\n}\n";
  if (!sig.profileKernels.empty())
    emitProfileSupport(os, sig.profileKernels);
  return text;
}

} // namespace kiln
