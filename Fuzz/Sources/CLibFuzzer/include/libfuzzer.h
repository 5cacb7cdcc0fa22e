// libFuzzer's driver entry point (in libclang_rt.fuzzer, linked by -sanitize=fuzzer).
#ifndef CORRAL_FUZZ_LIBFUZZER_H
#define CORRAL_FUZZ_LIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer as its own `main` would, with `callback` as the code under test.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
