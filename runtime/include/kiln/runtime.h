/*===- kiln/runtime.h - libkiln_runtime C API ------------------------------===*
 *
 * Loads a compiled Kiln model (a shared library exporting kiln/model_abi.h) and
 * runs it. The API follows IREE's and onnx-mlir's runtime APIs: opaque handles,
 * a kiln_status* from every call that can fail (NULL means success), options
 * structs with *_options_initialize, create/release pairs and an injectable
 * allocator. Every function states who owns what and whether it is thread-safe.
 *
 * Typical use (see examples/hello_world.c):
 *   kiln_model_load -> kiln_session_create -> kiln_tensor_create/wrap ->
 *   kiln_session_run -> read outputs -> release everything.
 *
 * Devices: a model is compiled for one kind of device (kiln_model_device_kind),
 * a session runs on one device (kiln_session_options.device) and every tensor
 * lives on one (kiln_tensor_device). This runtime runs models on the host only
 * (kiln_runtime_devices); a model compiled for another device is refused by
 * kiln_model_load with KILN_STATUS_UNAVAILABLE. CUDA is the next kind.
 *
 * Linking: libkiln_runtime.so depends on TBB and libc only (no LLVM or MLIR).
 * CMake: find_package(Kiln REQUIRED COMPONENTS runtime), then
 * target_link_libraries(app PRIVATE Kiln::runtime); pkg-config:
 * cc app.c $(pkg-config --cflags --libs kiln-runtime). See runtime/README.md.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(KILN_RUNTIME_BUILDING)
#define KILN_API __attribute__((visibility("default")))
#else
#define KILN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===------------------------------ Status -------------------------------===*/

/** Error categories. */
typedef enum kiln_status_code_t {
  KILN_STATUS_OK = 0,
  KILN_STATUS_INVALID_ARGUMENT = 1,
  KILN_STATUS_NOT_FOUND = 2,
  KILN_STATUS_FAILED_PRECONDITION = 3,
  KILN_STATUS_RESOURCE_EXHAUSTED = 4,
  KILN_STATUS_INTERNAL = 5,
  KILN_STATUS_UNIMPLEMENTED = 6,
  KILN_STATUS_ABI_MISMATCH = 7,
  /** The model or session needs a device this runtime does not support (or, in a
      runtime that supports it, one this machine does not have). */
  KILN_STATUS_UNAVAILABLE = 8,
  /** The request was cancelled before it ran (kiln_batcher_cancel, or a batcher closed
      with KILN_BATCHER_CLOSE_CANCEL). */
  KILN_STATUS_CANCELLED = 9
} kiln_status_code_t;

/** An error: a code and a message. NULL means OK. Returned statuses are owned by
    the caller, who must pass them to kiln_status_free. Thread-safe (immutable). */
typedef struct kiln_status kiln_status;

/** Returns the status code; KILN_STATUS_OK for NULL. */
KILN_API kiln_status_code_t kiln_status_code(const kiln_status *status);
/** Returns the message, owned by `status` (valid until kiln_status_free); ""
    for NULL. */
KILN_API const char *kiln_status_message(const kiln_status *status);
/** Frees a status; NULL is a no-op. */
KILN_API void kiln_status_free(kiln_status *status);
/** Returns a static name for a code, e.g. "INVALID_ARGUMENT". */
KILN_API const char *kiln_status_code_name(kiln_status_code_t code);

/** Returns the runtime version string, e.g. "kiln-runtime 0.1.0 (model ABI 3)".
    Static storage; thread-safe. */
KILN_API const char *kiln_runtime_version(void);

/*===------------------------------ Devices ------------------------------===*/

/** The kinds of device a model can be compiled for and run on. The values are
    those of kiln_model_device in kiln/model_abi.h. */
typedef enum kiln_device_kind_t {
  KILN_DEVICE_HOST = 0, /**< the CPUs of this process; tensor data in host memory */
  KILN_DEVICE_CUDA = 1  /**< an NVIDIA GPU (not supported by this runtime yet) */
} kiln_device_kind_t;

/** One device: its kind and its ordinal among the devices of that kind (always 0
    for the host; the CUDA device index for a GPU). A plain value: nothing to
    create or release. `kind` is an int32_t holding a kiln_device_kind_t, so that
    the struct's layout does not depend on the size of an enum. */
typedef struct kiln_device {
  int32_t kind;    /**< a kiln_device_kind_t */
  int32_t ordinal; /**< 0 for the host */
} kiln_device;

/** Returns the host device, {KILN_DEVICE_HOST, 0}. Thread-safe. */
KILN_API kiln_device kiln_device_host(void);
/** Returns a static name for a kind: "host", "cuda", or "unknown". Thread-safe. */
KILN_API const char *kiln_device_kind_name(int32_t kind);
/** Lists the devices this runtime can run models on, the host first. Writes the
    first min(count, capacity) of them to `devices` (which may be NULL when
    `capacity` is 0) and returns `count`, the number there are; this runtime has
    one, the host. Caller-owned array; thread-safe. */
KILN_API size_t kiln_runtime_devices(kiln_device *devices, size_t capacity);

/*===------------------------------ Allocator ----------------------------===*/

/** Host memory allocator. `alloc` returns memory aligned to `alignment` (a power
    of two, at least 64 when the runtime calls it) or NULL; `free` accepts what
    `alloc` returned (and NULL). Both must be thread-safe. `ctx` is not owned by
    the runtime and must outlive every object that was given the allocator. */
typedef struct kiln_allocator {
  void *ctx;
  void *(*alloc)(void *ctx, size_t bytes, size_t alignment);
  void (*free)(void *ctx, void *ptr);
} kiln_allocator;

/** Returns the default allocator (posix_memalign/free). Thread-safe. */
KILN_API kiln_allocator kiln_allocator_default(void);

/*===------------------------------ Element types ------------------------===*/

/** Element types use the ONNX TensorProto.DataType numbers. Supported: 1 float32,
    2 uint8, 3 int8, 4 uint16, 5 int16, 6 int32, 7 int64, 9 bool, 10 float16,
    11 float64, 12 uint32, 13 uint64, 16 bfloat16. */
/** Returns the size in bytes of one element, or 0 when unsupported. Thread-safe. */
KILN_API size_t kiln_dtype_size(int32_t dtype);
/** Returns a static name ("float32", "int64", ...; "unknown" otherwise). */
KILN_API const char *kiln_dtype_name(int32_t dtype);

/*===------------------------------ Tensors ------------------------------===*/

/** A dense row-major tensor on a device: today always the host (tensors created
    or wrapped here live in host memory). Not thread-safe for concurrent mutation;
    concurrent reads are fine. */
typedef struct kiln_tensor kiln_tensor;

/** Creates a zero-filled tensor whose data the runtime allocates (64-byte
    aligned) with `allocator` (NULL = default; copied, its ctx must outlive the
    tensor). `dims` (rank entries, all >= 0) is copied. The caller owns *out and
    releases it with kiln_tensor_release. Thread-safe.
    Errors: INVALID_ARGUMENT (bad dims, NULL out), UNIMPLEMENTED (dtype),
    RESOURCE_EXHAUSTED (allocation). */
KILN_API kiln_status *kiln_tensor_create(int32_t dtype, int32_t rank, const int64_t *dims,
                                         const kiln_allocator *allocator, kiln_tensor **out);

/** Wraps caller-owned `data` (byte_size must equal the tensor's size) without
    copying; the runtime never frees it, and it must outlive the tensor. Data
    that is not 64-byte aligned is accepted (the session copies it to an aligned
    staging buffer). The caller owns *out. Thread-safe. */
KILN_API kiln_status *kiln_tensor_wrap(int32_t dtype, int32_t rank, const int64_t *dims, void *data,
                                       size_t byte_size, kiln_tensor **out);

/** Releases a tensor (and its data when the runtime allocated it). NULL is a
    no-op. Must not race with other uses of the tensor. */
KILN_API void kiln_tensor_release(kiln_tensor *tensor);

/** Accessors; never fail (0/NULL for a NULL tensor). Pointers are owned by the
    tensor and valid until it is released. Thread-safe. */
KILN_API int32_t kiln_tensor_dtype(const kiln_tensor *tensor);
KILN_API int32_t kiln_tensor_rank(const kiln_tensor *tensor);
KILN_API const int64_t *kiln_tensor_dims(const kiln_tensor *tensor);
KILN_API void *kiln_tensor_data(const kiln_tensor *tensor);
KILN_API size_t kiln_tensor_byte_size(const kiln_tensor *tensor);
KILN_API int64_t kiln_tensor_num_elements(const kiln_tensor *tensor);
/** Returns the device the tensor's data lives on ({KILN_DEVICE_HOST, 0} for every
    tensor of this runtime, and for NULL). Thread-safe. */
KILN_API kiln_device kiln_tensor_device(const kiln_tensor *tensor);

/*===------------------------------ Models -------------------------------===*/

/** A loaded model library. Reference counted: sessions retain their model, so
    the caller may release the model while sessions are alive. All model
    functions are thread-safe. */
typedef struct kiln_model kiln_model;

/** Options for kiln_model_load. Initialize with kiln_model_load_options_initialize. */
typedef struct kiln_model_load_options {
  size_t struct_size; /**< sizeof(kiln_model_load_options) */
  uint32_t flags;     /**< reserved, must be 0 */
} kiln_model_load_options;

KILN_API void kiln_model_load_options_initialize(kiln_model_load_options *options);

/** Loads the model library at `path` (dlopen RTLD_NOW|RTLD_LOCAL), resolves its
    three entry points and checks its ABI version and device. `options` may be
    NULL. The caller owns *out (one reference) and releases it with
    kiln_model_release. Errors: NOT_FOUND (no such file, missing symbol),
    INVALID_ARGUMENT (not a loadable library, malformed model info, an unknown
    device kind), ABI_MISMATCH (built for another model ABI version; the message
    names both), UNAVAILABLE (compiled for a device this runtime does not run, e.g.
    CUDA), UNIMPLEMENTED (an input or output dtype the runtime does not support).
    Thread-safe. */
KILN_API kiln_status *kiln_model_load(const char *path, const kiln_model_load_options *options,
                                      kiln_model **out);
/** Adds a reference. Thread-safe. */
KILN_API void kiln_model_retain(kiln_model *model);
/** Drops a reference; the library is closed when the last one goes (sessions
    hold one each). NULL is a no-op. Thread-safe. */
KILN_API void kiln_model_release(kiln_model *model);

/** Description of one input or output. All pointers are owned by the model and
    valid while it is loaded. `dims` has -1 for dynamic dimensions; `dim_params`
    has `rank` entries, never NULL ("" when unnamed). */
typedef struct kiln_tensor_info {
  const char *name;
  int32_t dtype;
  int32_t rank;
  const int64_t *dims;
  const char *const *dim_params;
} kiln_tensor_info;

/** Static facts about the model; strings owned by the model. */
typedef struct kiln_model_metadata {
  const char *model_name;
  const char *compiler;
  const char *target_cpu;
  const char *path;
  uint64_t arena_base_bytes;
  uint64_t arena_per_batch_bytes;
  uint64_t intermediates_bytes;
} kiln_model_metadata;

KILN_API size_t kiln_model_num_inputs(const kiln_model *model);
KILN_API size_t kiln_model_num_outputs(const kiln_model *model);
/** Fills *info for input/output `index`. Errors: INVALID_ARGUMENT (index out of
    range, NULL arguments). Thread-safe. */
KILN_API kiln_status *kiln_model_input_info(const kiln_model *model, size_t index,
                                            kiln_tensor_info *info);
KILN_API kiln_status *kiln_model_output_info(const kiln_model *model, size_t index,
                                             kiln_tensor_info *info);
/** Returns 1 when input `index` is optional (an ONNX optional<tensor> graph input),
    else 0 (also for a NULL model or an index out of range). kiln_session_run takes a
    NULL tensor for an optional input to leave it absent: the model then sees an empty
    optional (OptionalHasElement is false; OptionalGetElement fails the run with
    INVALID_ARGUMENT). Thread-safe. */
KILN_API int kiln_model_input_is_optional(const kiln_model *model, size_t index);
/** Finds an input/output by name. Errors: NOT_FOUND (naming the known names). */
KILN_API kiln_status *kiln_model_find_input(const kiln_model *model, const char *name,
                                            size_t *index);
KILN_API kiln_status *kiln_model_find_output(const kiln_model *model, const char *name,
                                             size_t *index);
/** Fills *metadata. Errors: INVALID_ARGUMENT (NULL arguments). */
KILN_API kiln_status *kiln_model_get_metadata(const kiln_model *model,
                                              kiln_model_metadata *metadata);
/** Returns the kind of device the model was compiled for (KILN_DEVICE_HOST for
    NULL). A loaded model's kind is always one of kiln_runtime_devices. Thread-safe. */
KILN_API kiln_device_kind_t kiln_model_device_kind(const kiln_model *model);

/*===------------------------------ Sequences ----------------------------===*/

/* An ONNX sequence input or output (a list of tensors of one dtype and one rank whose
   shapes may differ) takes two consecutive model inputs (outputs) of the same name: its
   packed data, kind KILN_MODEL_VALUE_SEQUENCE_DATA (rank 1, dims {-1}), then its shape
   table, kind KILN_MODEL_VALUE_SEQUENCE_SHAPES (int64, dims {-1, rank}); see
   kiln/model_abi.h. kiln_session_run validates them like any tensor (a wrong element
   dtype or rank is INVALID_ARGUMENT); kiln_sequence_pack and kiln_sequence_unpack
   convert from and to lists of tensors. */

/** The kiln_model_value_kind of input (output) `index`; -1 for a NULL model or an index
    out of range. Thread-safe. */
KILN_API int32_t kiln_model_input_kind(const kiln_model *model, size_t index);
KILN_API int32_t kiln_model_output_kind(const kiln_model *model, size_t index);

/** Packs `count` tensors, each of `dtype` and `rank`, into a sequence's two tensors:
    *data (1-D, their values one after the other) and *shapes (int64 [count, rank]),
    new tensors the caller releases. Errors: INVALID_ARGUMENT (NULL arguments, an element
    of another dtype or rank), RESOURCE_EXHAUSTED. Thread-safe. */
KILN_API kiln_status *kiln_sequence_pack(const kiln_tensor *const *elements, size_t count,
                                         int32_t dtype, int32_t rank, kiln_tensor **data,
                                         kiln_tensor **shapes);

/** Splits a sequence's two tensors (a model's outputs) into its elements. Sets *count
    to the length; when `elements` is NULL or `capacity` < *count it creates nothing
    (ask again with room), else elements[0..*count) receive new tensors the caller
    releases. Errors: INVALID_ARGUMENT (NULL arguments, a shape table that is not int64
    [n, rank], a negative dim, sizes that do not add up to the data's length),
    RESOURCE_EXHAUSTED. Thread-safe. */
KILN_API kiln_status *kiln_sequence_unpack(const kiln_tensor *data, const kiln_tensor *shapes,
                                           kiln_tensor **elements, size_t capacity,
                                           size_t *count);

/*===------------------------------ Sessions -----------------------------===*/

/** A session owns what runs need: a TBB thread arena and a pool of run contexts
    (each an activation arena, staging buffers and scratch), all kept across runs.
    kiln_session_run is thread-safe: each concurrent run on one session takes a
    context of its own from the pool (a new one when all are busy, kept for reuse
    and freed with the session), and concurrent runs share the session's threads.
    Different sessions on one model may run concurrently too. */
typedef struct kiln_session kiln_session;

/** Options for kiln_session_create. Initialize with kiln_session_options_initialize. */
typedef struct kiln_session_options {
  size_t struct_size;       /**< sizeof(kiln_session_options) */
  int32_t num_threads;      /**< 0 = all cores; 1 = run on the calling thread only */
  kiln_allocator allocator; /**< arena, scratch and output memory; alloc == NULL = default */
  /** The device to run on: its kind must be the model's (kiln_model_device_kind).
      Default {KILN_DEVICE_HOST, 0}. A struct_size that ends before this field (a
      caller built against an older header) means the default. */
  kiln_device device;
} kiln_session_options;

/** Sets every field to its default (struct_size included). Writes
    sizeof(kiln_session_options) bytes: call it on the struct of this header. */
KILN_API void kiln_session_options_initialize(kiln_session_options *options);

/** Creates a session on `model` (retained by the session). `options` may be
    NULL (defaults); it is copied. The caller owns *out and releases it with
    kiln_session_release. Errors: INVALID_ARGUMENT (bad options, a device whose
    kind is not the model's, or an ordinal the runtime does not have), UNAVAILABLE
    (a device kind this runtime does not run), RESOURCE_EXHAUSTED. Thread-safe. */
KILN_API kiln_status *kiln_session_create(kiln_model *model, const kiln_session_options *options,
                                          kiln_session **out);
/** Releases a session; must not race with a run on it. NULL is a no-op. */
KILN_API void kiln_session_release(kiln_session *session);

/** Runs the model. `inputs` has one tensor per model input in model order (see
    kiln_model_find_input), each on the session's device; they are read, not
    retained. inputs[i] may be NULL only for an optional input
    (kiln_model_input_is_optional), which leaves it absent. Each outputs[i] is either NULL on entry, in which case the runtime
    creates it (with the session allocator, on the session's device) and the
    caller owns and releases it, or a caller-provided tensor whose dtype, dims and
    device must be exactly the output's. Everything is checked before the model
    runs: counts, dtypes, devices, ranks, static dims, dim_params shared between
    inputs, and the model's own shape function. On error no runtime-created output
    is returned (those slots are left NULL). Thread-safe: runs on one session may
    overlap (each uses its own activation arena); they must not share an output
    tensor. */
KILN_API kiln_status *kiln_session_run(kiln_session *session, const kiln_tensor *const *inputs,
                                       size_t num_inputs, kiln_tensor **outputs,
                                       size_t num_outputs);

/** Returns the number of threads the session runs on. */
KILN_API int32_t kiln_session_num_threads(const kiln_session *session);
/** Returns the size in bytes of the session's activation arenas: one per run
    context, so the arena for the largest batch seen times the most runs that have
    overlapped (grows with the batch). Thread-safe. */
KILN_API uint64_t kiln_session_arena_bytes(const kiln_session *session);
/** Returns the model of the session (not retained for the caller). */
KILN_API kiln_model *kiln_session_model(const kiln_session *session);
/** Returns the device the session runs on ({KILN_DEVICE_HOST, 0} for NULL).
    Thread-safe. */
KILN_API kiln_device kiln_session_device(const kiln_session *session);

/*===------------------------------ Batcher ------------------------------===*/

/** A request batcher on a session: many threads submit single requests (inputs whose
    dim 0, the batch, is usually 1); a worker thread groups them, up to `max_batch` rows
    or until `timeout_us` after the oldest queued request arrived, concatenates them
    along dim 0, makes one kiln_session_run, and hands every request exactly its own
    rows of each output (copied into tensors of its own).

    What can be batched: every input of the model (optional ones when present) and every
    output must have rank >= 1 and a dynamic dim 0, and no input or output may be a
    sequence; kiln_batcher_create refuses other models with INVALID_ARGUMENT. The model
    must treat the rows of dim 0 independently (true of inference graphs exported with a
    dynamic batch: row i of an output depends only on row i of the inputs); the batcher
    checks shapes, not that. A request is checked in full when submitted (dtypes, ranks,
    static dims, shared dim_params and the model's shape function, as kiln_session_run
    does): each input's dim 0 must be the same N >= 1 (at most max_batch), and each
    output's computed dim 0 must be N too. A request that fails a check is refused by
    the submit call and never reaches a batch.

    Grouping: requests are run together only when all their other dims agree (inputs
    and computed outputs, and the same optional inputs present); nothing is padded. The
    oldest queued request always opens the next batch, and later compatible requests
    join it in arrival order while they fit. A batch of one request runs on the
    caller's own tensors (no copy).

    Errors: a batched run that fails with INVALID_ARGUMENT (a run-time check on input
    values, e.g. an index out of range) is rerun one request at a time, so only the
    requests at fault get the error; any other failure of a batched run reaches every
    request of the batch, each with its own copy of the status.

    Every accepted request completes exactly once: its callback runs once with its
    outputs, an error, or KILN_STATUS_CANCELLED. Threads: kiln_batcher_submit,
    kiln_batcher_run, kiln_batcher_cancel and kiln_batcher_get_stats are thread-safe and
    may race with kiln_batcher_close (requests submitted after it are refused). */
typedef struct kiln_batcher kiln_batcher;

/** Options for kiln_batcher_create. Initialize with kiln_batcher_options_initialize. */
typedef struct kiln_batcher_options {
  size_t struct_size; /**< sizeof(kiln_batcher_options) */
  /** The most rows (the sum of the requests' dim 0) in one run; default 32. */
  int64_t max_batch;
  /** How long a batch may wait for more requests, counted from the arrival of its oldest
      request, in microseconds; default 1000. 0 runs whatever is queued at once. */
  int64_t timeout_us;
  /** The most requests queued (submitted, not yet running); default 1024. A submit
      beyond it fails with RESOURCE_EXHAUSTED (back-pressure: the queue never grows past
      it). */
  int64_t queue_capacity;
  /** Worker threads, i.e. the most batches running at once (each one
      kiln_session_run, which uses the session's threads); default 1. */
  int32_t num_workers;
} kiln_batcher_options;

/** Sets every field to its default (struct_size included). */
KILN_API void kiln_batcher_options_initialize(kiln_batcher_options *options);

/** Creates a batcher on `session` and starts its worker threads. `options` may be NULL
    (defaults); it is copied. The session is not retained: it must outlive the batcher.
    The caller owns *out and releases it with kiln_batcher_release. Errors:
    INVALID_ARGUMENT (NULL arguments, options out of range, a model that cannot be
    batched: the message names the input or output at fault), RESOURCE_EXHAUSTED.
    Thread-safe. */
KILN_API kiln_status *kiln_batcher_create(kiln_session *session,
                                          const kiln_batcher_options *options,
                                          kiln_batcher **out);

/** Receives the result of one request, on a worker thread of the batcher (or, for a
    cancelled request, on the thread that cancelled it). On success `status` is NULL and
    outputs[0..num_outputs) are new tensors of the request's own rows; otherwise
    `status` is the error (or CANCELLED) and every outputs[i] is NULL. The callback owns
    the status and the tensors (and must release them); the `outputs` array itself is
    only valid during the call. It should return quickly (the other requests of the
    batch wait for it) and must not call kiln_batcher_close or kiln_batcher_release on
    its own batcher. */
typedef void (*kiln_batcher_callback)(void *user_data, kiln_status *status,
                                      kiln_tensor **outputs, size_t num_outputs);

/** Queues one request: `inputs` in model order, as for kiln_session_run (NULL for an
    absent optional input). The tensors are read, not copied, when its batch runs: they
    must stay alive and unchanged until `callback` is called. On success (NULL) the
    callback will be called exactly once and *ticket (when `ticket` is not NULL)
    receives the request's id for kiln_batcher_cancel. On failure the callback is never
    called. Errors: INVALID_ARGUMENT (the request fails a check; see kiln_batcher),
    RESOURCE_EXHAUSTED (the queue holds queue_capacity requests: retry later),
    FAILED_PRECONDITION (the batcher is closed). Thread-safe. */
KILN_API kiln_status *kiln_batcher_submit(kiln_batcher *batcher, const kiln_tensor *const *inputs,
                                          size_t num_inputs, kiln_batcher_callback callback,
                                          void *user_data, uint64_t *ticket);

/** Submits one request and waits for its result. `outputs` has one entry per model
    output, each NULL on entry; on success each receives a new tensor (the request's
    rows) that the caller owns and releases; on error they stay NULL. Errors: those of
    kiln_batcher_submit, and the request's run error (or CANCELLED). Thread-safe. */
KILN_API kiln_status *kiln_batcher_run(kiln_batcher *batcher, const kiln_tensor *const *inputs,
                                       size_t num_inputs, kiln_tensor **outputs,
                                       size_t num_outputs);

/** Cancels a queued request: when it has not started running, it leaves the queue and
    its callback is called, on this thread before this returns, with CANCELLED; returns
    NULL. Errors: NOT_FOUND when the request is no longer queued (it is running or done:
    its callback brings its result). Thread-safe. */
KILN_API kiln_status *kiln_batcher_cancel(kiln_batcher *batcher, uint64_t ticket);

/** What kiln_batcher_close does with requests still queued. */
typedef enum kiln_batcher_close_mode {
  /** Runs them (at once, not waiting for timeouts) and delivers their results. */
  KILN_BATCHER_CLOSE_DRAIN = 0,
  /** Completes them with CANCELLED without running them. */
  KILN_BATCHER_CLOSE_CANCEL = 1
} kiln_batcher_close_mode;

/** Stops the batcher: later submits fail with FAILED_PRECONDITION; queued requests are
    drained or cancelled (`mode`, a kiln_batcher_close_mode); returns when every
    accepted request's callback has returned and the workers have stopped. Either way no
    request is lost. Idempotent; thread-safe, but must not be called from a callback. */
KILN_API void kiln_batcher_close(kiln_batcher *batcher, int32_t mode);

/** Closes the batcher with KILN_BATCHER_CLOSE_DRAIN (when not closed already) and
    frees it. NULL is a no-op. Must not race with other calls on the batcher. */
KILN_API void kiln_batcher_release(kiln_batcher *batcher);

/** Counters since creation. The mean batch size is batched_rows / batches. */
typedef struct kiln_batcher_stats {
  size_t struct_size;          /**< sizeof(kiln_batcher_stats), set by the caller */
  uint64_t requests;           /**< accepted by submit */
  uint64_t rejected;           /**< refused because the queue was full */
  uint64_t completed;          /**< callbacks with outputs */
  uint64_t failed;             /**< callbacks with an error other than CANCELLED */
  uint64_t cancelled;          /**< callbacks with CANCELLED */
  uint64_t batches;            /**< batches taken from the queue */
  uint64_t batched_rows;       /**< rows over those batches */
  uint64_t largest_batch;      /**< the most rows in one batch */
  uint64_t split_batches;      /**< batches rerun one request at a time after an error */
  uint64_t queued;             /**< requests in the queue now */
} kiln_batcher_stats;

/** Fills *stats (struct_size must be set; a smaller struct gets its leading fields).
    Errors: INVALID_ARGUMENT (NULL arguments, struct_size too small). Thread-safe. */
KILN_API kiln_status *kiln_batcher_get_stats(const kiln_batcher *batcher,
                                             kiln_batcher_stats *stats);

/*===------------------------------ Profiling ----------------------------===*/

/** A model compiled with `kilnc --profile` times each of its kernels (top-level
    generated ops) on every run; each session keeps the sums. Other models have no
    kernels to report and run exactly as before. */

/** One kernel and its times over the session's runs since creation or the last
    reset. The strings are owned by the model (valid while it is loaded). */
typedef struct kiln_profile_entry {
  const char *kernel;   /**< the generated op, e.g. "linalg.matmul" */
  const char *nodes;    /**< the ONNX node names it came from, ", "-separated */
  const char *op_types; /**< their ONNX op types, ", "-separated */
  uint64_t calls;       /**< times it ran */
  uint64_t total_ns;    /**< total wall time */
} kiln_profile_entry;

/** Returns the number of timed kernels: 0 when the model was not compiled with
    --profile. Thread-safe. */
KILN_API size_t kiln_model_num_profile_kernels(const kiln_model *model);
/** Fills *entry for kernel `index` (0 <= index < kiln_model_num_profile_kernels).
    Errors: INVALID_ARGUMENT (NULL arguments, index out of range). Must not race with
    a run on the session. */
KILN_API kiln_status *kiln_session_profile_entry(const kiln_session *session, size_t index,
                                                 kiln_profile_entry *entry);
/** Returns the number of profiled runs and their total wall time inside the model
    (ns) since creation or the last reset (0 and 0 for a model without kernels).
    Either pointer may be NULL. Must not race with a run on the session. */
KILN_API void kiln_session_profile_totals(const kiln_session *session, uint64_t *runs,
                                          uint64_t *run_ns);
/** Zeroes the session's profile. Must not race with a run on the session. */
KILN_API void kiln_session_profile_reset(kiln_session *session);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
