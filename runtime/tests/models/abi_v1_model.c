/* Test model built for Kiln model ABI version 1 (entry points without
   kiln_model_error), which this runtime refuses. */
#define STATIC_MODEL_ABI 1
#include "static_model.c"
