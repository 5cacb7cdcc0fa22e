/* no_swift_runtime.h: link this target into a plain C executable to keep the Swift runtime out of it
 * (see no_swift_runtime.c). Nothing to call. */
#ifndef CORRAL_NO_SWIFT_RUNTIME_H
#define CORRAL_NO_SWIFT_RUNTIME_H
#endif
