/* Test model that claims to run on a CUDA device, which this host-only runtime
   refuses at load time (UNAVAILABLE) without calling any entry point but
   kiln_model_get_info. */
#define STATIC_MODEL_DEVICE KILN_MODEL_DEVICE_CUDA
#include "static_model.c"
