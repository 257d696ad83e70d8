/* Test model built for Kiln model ABI version 2 (kiln_model_info without `device`),
   which this runtime refuses. */
#define STATIC_MODEL_ABI 2
#include "static_model.c"
