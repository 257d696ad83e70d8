/* Test model that lacks kiln_model_run. */
#define STATIC_MODEL_NO_RUN 1
#include "static_model.c"
