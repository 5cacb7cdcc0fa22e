/*
 * no_swift_runtime.c: keeps the Swift runtime out of the plain C programs that link it.
 *
 * SwiftPM links every executable through swiftc, which adds swiftrt.o: a constructor that registers
 * the image's Swift metadata with the runtime. These programs have no Swift code, so registration is a
 * no-op; defining the two symbols swiftrt.o needs stops the linker from pulling in the static Swift
 * runtime (9 MB, and its start-up work in every process). The supervisor and the escape probe stay
 * small C programs.
 */
#include <stdbool.h>

void swift_addNewDSOImage(const void *sections) { (void)sections; }

bool _swift_backtrace_isThunkFunction(const char *name) { (void)name; return false; }
