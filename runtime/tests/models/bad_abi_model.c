/* Test model that claims a Kiln model ABI version this runtime does not know. */
#define STATIC_MODEL_ABI 999
#include "static_model.c"
