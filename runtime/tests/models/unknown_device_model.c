/* Test model whose kiln_model_info.device is no kiln_model_device value. */
#define STATIC_MODEL_DEVICE 7
#include "static_model.c"
