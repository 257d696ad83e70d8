/*===- kiln/model_abi.h - The C ABI of a compiled Kiln model ----------------===*
 *
 * A model library (model.so) produced by `kilnc` exports exactly the functions
 * declared here. The runtime (libkiln_runtime) dlopens the library, checks
 * `abi_version` and `device`, and drives it. Nothing here depends on LLVM, MLIR or ONNX.
 *
 * Shapes: every tensor has a fixed rank; a dimension is either static (>= 0) or
 * dynamic (-1 in the descriptor, with its ONNX dim_param name when the model gave
 * one). Element types use the ONNX TensorProto.DataType numbers (1 = float, 7 =
 * int64, 9 = bool, ...). Buffers are dense, row-major, and aligned to 64 bytes.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_MODEL_ABI_H
#define KILN_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of this file. */
#define KILN_MODEL_ABI_VERSION 4
/* Version 2: kiln_model_output_dims, kiln_model_run and kiln_model_run_profiled take a
   kiln_model_error out-parameter that receives the message of a failed run-time check.
   Version 3: kiln_model_info ends with `device`, the kind of device the model's code
   runs on (kiln_model_device). A runtime refuses a model for a device it does not
   support before calling anything but kiln_model_get_info.
   Version 4: kiln_model_tensor_desc ends with `kind` (kiln_model_value_kind): an ONNX
   sequence input or output takes two consecutive buffers, its packed data and its
   shape table; then with `optional`: an optional input may be absent, passed as a
   kiln_model_buffer whose data and dims are NULL. */

/* What one input or output buffer holds. An ONNX sequence of tensors (one element type,
   one rank R, shapes that may differ) is two consecutive buffers of the same `name`:
     SEQUENCE_DATA:   dtype = the elements' type, rank 1, dims {-1}: every element's
                      values, row-major, one after the other (element 0 first);
     SEQUENCE_SHAPES: dtype int64 (7), rank 2, dims {-1, R}: row k holds element k's
                      dims (the row count is the sequence length).
   The runtime's kiln_sequence_pack / kiln_sequence_unpack convert lists of tensors. */
typedef enum kiln_model_value_kind {
  KILN_MODEL_VALUE_TENSOR = 0,
  KILN_MODEL_VALUE_SEQUENCE_DATA = 1,
  KILN_MODEL_VALUE_SEQUENCE_SHAPES = 2
} kiln_model_value_kind;

/* Where a model's code runs, and so where its buffers (inputs, outputs, arena) live. */
typedef enum kiln_model_device {
  KILN_MODEL_DEVICE_HOST = 0, /* the CPU that loads the library; buffers in host memory */
  KILN_MODEL_DEVICE_CUDA = 1  /* an NVIDIA GPU through CUDA; buffers in device memory */
} kiln_model_device;

/* Describes one model input or output. */
typedef struct kiln_model_tensor_desc {
  const char *name;              /* ONNX value name */
  int32_t dtype;                 /* ONNX TensorProto.DataType. float8 (17-20, 24) and
                                    float4 (23) are bit patterns, one byte each. The 4-
                                    and 2-bit types (21-23, 25, 26), which ONNX packs
                                    several to a byte, are NOT packed here: one element
                                    per byte in the low bits; inputs must be sign-/zero-
                                    extended, outputs' high bits are unspecified. */
  int32_t rank;
  const int64_t *dims;           /* rank entries; -1 = dynamic */
  const char *const *dim_params; /* rank entries; NULL or "" when unnamed */
  int32_t kind;                  /* a kiln_model_value_kind (version 4) */
  int32_t optional;              /* inputs only (version 4): 1 for an ONNX optional<tensor>
                                    input, which may be absent: its kiln_model_buffer then
                                    has data and dims NULL, the model sees an empty
                                    optional (OptionalHasElement false). 0 otherwise: the
                                    buffer must be present. */
} kiln_model_tensor_desc;

/* Static facts about a compiled model. */
typedef struct kiln_model_info {
  uint32_t abi_version; /* KILN_MODEL_ABI_VERSION the library was built for */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const kiln_model_tensor_desc *inputs;
  const kiln_model_tensor_desc *outputs;
  const char *model_name;     /* ONNX graph name */
  const char *compiler;       /* e.g. "kiln 0.1.0" */
  const char *target_cpu;     /* CPU the code was compiled for, e.g. "skylake-avx512" */
  /* Activation arena: intermediate tensors live in one buffer whose offsets were
     planned at compile time. Its size is arena_base_bytes + arena_per_batch_bytes * N,
     where N is the value of the first dynamic dimension of the first input that has
     one (the batch), optional inputs aside, or 0 when there is none. */
  uint64_t arena_base_bytes;
  uint64_t arena_per_batch_bytes;
  /* The sum of all intermediate tensor sizes at batch 1, for reporting the saving. */
  uint64_t intermediates_bytes;
  /* A kiln_model_device (version 3): where the entry points expect their buffers. Last,
     so that an initializer which omits it means KILN_MODEL_DEVICE_HOST. */
  int32_t device;
} kiln_model_info;

/* Services the runtime provides to generated code. All callbacks are thread-safe. */
typedef struct kiln_host_hooks {
  void *ctx;
  /* Runs body(arg, b, e) over disjoint subranges [b, e) covering [begin, end), in
     parallel on the session's thread pool; returns when all are done. `grain` is a
     hint for the smallest useful subrange. */
  void (*parallel_for)(void *ctx, int64_t begin, int64_t end, int64_t grain,
                       void (*body)(void *arg, int64_t b, int64_t e), void *arg);
  /* Scratch memory for buffers the arena does not hold (sizes only known at run
     time); every allocation of a run goes through here. 64-byte aligned; NULL on
     failure, which the model reports as KILN_MODEL_ERROR_MEMORY. The model frees what
     it allocates; the runtime frees what is left after the run returns. */
  void *(*alloc)(void *ctx, uint64_t bytes);
  void (*free)(void *ctx, void *ptr);
} kiln_host_hooks;

/* One tensor buffer passed to or from the model. */
typedef struct kiln_model_buffer {
  void *data;          /* dense row-major data; NULL only for an absent optional input */
  const int64_t *dims; /* `rank` actual dimensions (no -1); NULL when data is */
} kiln_model_buffer;

/* Status codes returned by the model's entry points. */
enum {
  KILN_MODEL_OK = 0,
  KILN_MODEL_ERROR_SHAPE = 1,  /* inconsistent input shapes (e.g. a broadcast fails) */
  KILN_MODEL_ERROR_MEMORY = 2, /* a host alloc returned NULL */
  KILN_MODEL_ERROR_INTERNAL = 3,
  KILN_MODEL_ERROR_INDEX = 4,     /* an index input is out of range (Gather, Scatter, ...) */
  KILN_MODEL_ERROR_ARITHMETIC = 5 /* integer division or modulo by zero */
};

/* Size of kiln_model_error.message, terminating NUL included. */
#define KILN_MODEL_ERROR_MESSAGE_SIZE 512

/* What a failed entry point reports besides its status. The generated code checks
   indices, divisors, shapes and allocations at run time; the first check that fails
   stops the run (no later kernel executes, nothing is read or written out of bounds)
   and its status is returned. The caller owns the struct (it may live on the stack)
   and may pass NULL when it does not want the message. On KILN_MODEL_OK the struct is
   left untouched; on failure `code` is the returned status and `message` a
   NUL-terminated text that names the ONNX node, its op type and the values at fault,
   e.g. "node '/emb/Gather' (Gather): index 30522 is out of range for axis 0 of size
   30522", truncated to fit. */
typedef struct kiln_model_error {
  int32_t code;
  char message[KILN_MODEL_ERROR_MESSAGE_SIZE];
} kiln_model_error;

/* Returns the model's static description. Never NULL; valid while the library is loaded. */
const kiln_model_info *kiln_model_get_info(void);

/* Computes the output dimensions for the given inputs (output_dims[i] receives
   outputs[i].rank entries). Takes the input buffers, not only their dims, because an
   output shape may depend on input values (a Reshape whose shape is a model input).
   Returns KILN_MODEL_OK or an error status (filling `error` when not NULL, see
   kiln_model_error). Thread-safe, no side effects. */
int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error);

/* Runs the model. inputs[num_inputs] and outputs[num_outputs] are caller-owned buffers
   whose dims must match kiln_model_output_dims; `arena` points to at least the arena
   size given by kiln_model_info for this batch, 64-byte aligned. Reentrant: concurrent
   calls are safe when each has its own outputs and arena. Returns KILN_MODEL_OK or the
   status of the first failed run-time check, filling `error` (may be NULL); the
   outputs' contents are then unspecified. Every scratch block the run took from
   hooks->alloc has been given back to hooks->free when it returns, on every path. */
int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error);

/*===--- Optional: per-kernel profiling (models compiled with `kilnc --profile`) ---===*
 * A profiled model also exports kiln_model_get_profile_info and
 * kiln_model_run_profiled. The runtime looks them up with dlsym, so models without
 * them load as before: this is an optional extension, not a new ABI version.
 *===----------------------------------------------------------------------===*/

/* One timed kernel: a top-level op of the generated code. */
typedef struct kiln_model_profile_kernel {
  const char *kernel;   /* the generated op, e.g. "linalg.matmul" */
  const char *nodes;    /* the ONNX node names it came from, ", "-separated ("" if none) */
  const char *op_types; /* their ONNX op types, ", "-separated */
} kiln_model_profile_kernel;

typedef struct kiln_model_profile_info {
  uint32_t num_kernels;
  const kiln_model_profile_kernel *kernels; /* indexed by kernel id */
} kiln_model_profile_info;

/* Called before (enter) and after (exit) each kernel, on the thread that called
   kiln_model_run_profiled; kernels of one run never nest or overlap. */
typedef struct kiln_profile_hooks {
  void *ctx;
  void (*enter)(void *ctx, int32_t kernel);
  void (*exit)(void *ctx, int32_t kernel);
} kiln_profile_hooks;

/* Returns the kernel table. Never NULL; valid while the library is loaded. */
const kiln_model_profile_info *kiln_model_get_profile_info(void);

/* kiln_model_run, calling `profile` (NULL = no profiling) around every kernel. */
int32_t kiln_model_run_profiled(const kiln_host_hooks *hooks, const kiln_profile_hooks *profile,
                                const kiln_model_buffer *inputs, const kiln_model_buffer *outputs,
                                void *arena, kiln_model_error *error);

#ifdef __cplusplus
}
#endif

#endif /* KILN_MODEL_ABI_H */
