/*===- kiln/generator.h - Continuous batching for decoders -----------------===*
 *
 * A generator runs greedy (argmax) generation for many requests on one session of a
 * decoder with a KV cache (a model exported "with past", e.g. GPT-2 by HF optimum:
 * bench/zoo/gpt2_decoder.py). Requests are submitted from any thread; one scheduler
 * thread runs, between decode steps, the prefill of newly admitted requests (requests
 * with the same prompt length share one call), then ONE batched decode call over every
 * active request. Requests join and leave between steps (continuous batching): a request
 * that has its tokens leaves at once and a queued one takes its place at the next step,
 * instead of a whole batch waiting for its longest member.
 *
 * Each active request keeps its own KV cache. A decode step left-pads the caches to the
 * longest active past P: the past inputs are [B, ..., P, ...] with zeros in front of a
 * shorter request's cache, the attention mask is 0 over that padding and 1 over the
 * request's own positions, and the position ids are the request's own (its length, not
 * P). The padding is hidden by the mask, so it never changes which tokens a request gets;
 * its logits may differ from a run alone by float rounding only (the reductions over keys
 * have another length), e.g. < 1e-5 relative on the zoo's small GPT-2 decoder
 * (docs/continuous-batching.md).
 * After the step each request keeps its own positions of the present outputs.
 *
 * The decoder (kiln_decoder_desc) has inputs: token ids [batch, seq] (int64 or int32),
 * an attention mask [batch, past + seq] (int64, int32 or float32; 1 = attend), position
 * ids [batch, seq] (int64 or int32) and, per cached tensor, a past input whose dim 0 is
 * the batch and whose `seq_axis` is the past length; outputs: logits [batch, seq, vocab]
 * (float32) and, per past input, its present output (the same dims with past + seq on
 * `seq_axis`, same dtype). Every input of the model must be one of these; other outputs
 * are computed and dropped. A prefill runs with an empty past (past length 0).
 *
 * Every accepted request completes exactly once: its `done` callback runs once with all
 * its tokens and NULL, or with the tokens so far and an error (CANCELLED when cancelled).
 * A step that fails with INVALID_ARGUMENT (a run-time check on values, e.g. a position
 * past the model's table) is rerun one request at a time, so only the requests at fault
 * fail; any other failure of a step reaches each request in it. All functions are
 * thread-safe unless stated; callbacks run on the scheduler thread (or, for a queued
 * request that is cancelled, on the cancelling thread) and must not call
 * kiln_generator_close or kiln_generator_release.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_GENERATOR_H
#define KILN_GENERATOR_H

#include "kiln/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One cached tensor: the past input and the present output it becomes. */
typedef struct kiln_decoder_cache {
  const char *past_input;     /**< e.g. "past_key_values.0.key" */
  const char *present_output; /**< e.g. "present.0.key" */
  int32_t seq_axis;           /**< the past-length axis of both (>= 1; 2 for [b, heads, past, d]) */
} kiln_decoder_cache;

/** Which inputs and outputs of the model play which part. Initialize with
    kiln_decoder_desc_initialize (optimum's names). Strings are copied at create. */
typedef struct kiln_decoder_desc {
  size_t struct_size;         /**< sizeof(kiln_decoder_desc) */
  const char *input_ids;      /**< default "input_ids" */
  const char *attention_mask; /**< default "attention_mask" */
  const char *position_ids;   /**< default "position_ids" */
  const char *logits;         /**< default "logits" */
  /** The cached tensors; NULL with num_caches 0 (the default) pairs every input named
      "past_key_values.<rest>" with the output "present.<rest>", seq_axis 2. */
  const kiln_decoder_cache *caches;
  size_t num_caches;
} kiln_decoder_desc;

KILN_API void kiln_decoder_desc_initialize(kiln_decoder_desc *desc);

/** A continuous batcher on a session (see above). */
typedef struct kiln_generator kiln_generator;

typedef struct kiln_generator_options {
  size_t struct_size; /**< sizeof(kiln_generator_options) */
  /** The most requests decoded together (the batch of a step); default 8. 1 runs one
      request at a time. */
  int32_t max_active;
  /** The most requests waiting for a place (submitted, not yet active); default 1024. A
      submit beyond it fails with RESOURCE_EXHAUSTED (back-pressure). */
  int64_t queue_capacity;
} kiln_generator_options;

KILN_API void kiln_generator_options_initialize(kiln_generator_options *options);

/** Creates a generator on `session` (not retained: it must outlive the generator) and
    starts its scheduler thread. `desc` and `options` may be NULL (defaults); both are
    copied. Errors: INVALID_ARGUMENT (NULL arguments, options out of range, a model that
    does not fit `desc`: the message names the input or output at fault),
    NOT_FOUND (a name of `desc` the model does not have), RESOURCE_EXHAUSTED. The caller
    owns *out and releases it with kiln_generator_release. */
KILN_API kiln_status *kiln_generator_create(kiln_session *session, const kiln_decoder_desc *desc,
                                            const kiln_generator_options *options,
                                            kiln_generator **out);

/** One generation request; the prompt is copied by kiln_generator_submit. */
typedef struct kiln_generate_request {
  size_t struct_size;     /**< sizeof(kiln_generate_request) */
  const int64_t *prompt;  /**< the prompt's token ids */
  size_t prompt_length;   /**< >= 1 */
  int32_t max_new_tokens; /**< >= 1: the most tokens generated */
  /** A token that ends the request once generated (it is the last token delivered);
      -1 (the default) for none. */
  int64_t stop_token;
} kiln_generate_request;

KILN_API void kiln_generate_request_initialize(kiln_generate_request *request);

/** Where a request's results go. `token` (may be NULL) is called for each generated
    token in order, with the logits it was chosen from (`vocab` floats, valid during the
    call only). `done` (required) is called exactly once, last: `status` NULL (success) or
    the error (owned by the callee, who frees it); tokens[0..num_tokens) are every token
    generated (valid during the call only). */
typedef struct kiln_generate_callbacks {
  void *user_data;
  void (*token)(void *user_data, int64_t token, const float *logits, int64_t vocab);
  void (*done)(void *user_data, kiln_status *status, const int64_t *tokens, size_t num_tokens);
} kiln_generate_callbacks;

/** Queues a request. On success (NULL) `done` will be called exactly once and *ticket
    (when not NULL) receives the request's id for kiln_generator_cancel; on failure no
    callback runs. Errors: INVALID_ARGUMENT (NULL arguments, an empty prompt,
    max_new_tokens < 1, no `done`), RESOURCE_EXHAUSTED (queue_capacity requests are
    waiting: retry later), FAILED_PRECONDITION (the generator is closed). A token id the
    model refuses fails the request at its prefill. */
KILN_API kiln_status *kiln_generator_submit(kiln_generator *generator,
                                            const kiln_generate_request *request,
                                            const kiln_generate_callbacks *callbacks,
                                            uint64_t *ticket);

/** Cancels a request that has not completed. A queued request leaves the queue and its
    `done` runs with CANCELLED on this thread before this returns; an active one leaves at
    the next step boundary and its `done` runs with CANCELLED and the tokens so far on the
    scheduler thread (or with its result, when the step running as this is called was its
    last). Returns NULL in both cases; NOT_FOUND when the request is done (or unknown). */
KILN_API kiln_status *kiln_generator_cancel(kiln_generator *generator, uint64_t ticket);

/** What kiln_generator_close does with requests not yet done. */
typedef enum kiln_generator_close_mode {
  KILN_GENERATOR_CLOSE_DRAIN = 0, /**< finish every queued and active request */
  KILN_GENERATOR_CLOSE_CANCEL = 1 /**< complete them with CANCELLED (active ones between steps) */
} kiln_generator_close_mode;

/** Stops the generator: later submits fail with FAILED_PRECONDITION; requests not done
    are drained or cancelled (`mode`); returns when every accepted request's `done` has
    returned and the scheduler has stopped. Idempotent; must not be called from a
    callback. */
KILN_API void kiln_generator_close(kiln_generator *generator, int32_t mode);

/** Closes with KILN_GENERATOR_CLOSE_DRAIN (when not closed) and frees. NULL is a no-op.
    Must not race with other calls on the generator. */
KILN_API void kiln_generator_release(kiln_generator *generator);

/** Counters since creation. Mean decode batch = step_rows / steps. */
typedef struct kiln_generator_stats {
  size_t struct_size;     /**< sizeof(kiln_generator_stats), set by the caller */
  uint64_t requests;      /**< accepted by submit */
  uint64_t rejected;      /**< refused because the queue was full */
  uint64_t completed;     /**< done with success */
  uint64_t failed;        /**< done with an error other than CANCELLED */
  uint64_t cancelled;     /**< done with CANCELLED */
  uint64_t prefills;      /**< prefill calls (one per group of equal prompt lengths) */
  uint64_t steps;         /**< batched decode calls */
  uint64_t step_rows;     /**< requests over those calls */
  uint64_t largest_step;  /**< the most requests in one decode call */
  uint64_t padded_positions; /**< cache positions added as padding, over all steps and rows */
  uint64_t tokens;        /**< tokens generated */
  uint64_t split_steps;   /**< calls rerun one request at a time after an error */
  uint64_t queued;        /**< requests waiting now */
  uint64_t active;        /**< requests being decoded now */
} kiln_generator_stats;

/** Fills *stats (struct_size must be set; a smaller struct gets its leading fields).
    Errors: INVALID_ARGUMENT (NULL arguments, struct_size too small). */
KILN_API kiln_status *kiln_generator_get_stats(const kiln_generator *generator,
                                               kiln_generator_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* KILN_GENERATOR_H */
