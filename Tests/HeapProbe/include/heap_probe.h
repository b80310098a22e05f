#ifndef LOSSLAB_HEAP_PROBE_H
#define LOSSLAB_HEAP_PROBE_H
#include <stddef.h>

/// Bytes malloc has handed out and not had back (glibc's mallinfo2: arena chunks in use plus
/// mmapped blocks). For tests that compare what code says it holds with what it holds.
size_t losslab_heap_in_use(void);

#endif
