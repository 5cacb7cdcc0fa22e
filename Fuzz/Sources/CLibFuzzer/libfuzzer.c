// Nothing to compile: the target exists for its header (libFuzzer ships none).
#include "libfuzzer.h"
