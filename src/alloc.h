/*
 * alloc.h - the platform's allocator, with a running count of the bytes it
 * holds so that memory per service can be reported.
 *
 * Callers pass the size back on free: every allocation in the library is of
 * a size its owner knows, and this saves a header per block.
 */
#ifndef OBS_ALLOC_H
#define OBS_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>

#include "obsplatform.h"

struct obs_alloc {
    obs_allocator_t fn;
    atomic_size_t bytes;
};

void obs_alloc_init(struct obs_alloc *alloc, const obs_allocator_t *fn);

/* Each returns NULL on failure (or for a size of 0 / overflow). When
 * `counter` is not NULL the bytes are also added to it. */
void *obs_alloc_zeroed(struct obs_alloc *alloc, size_t size,
                       atomic_size_t *counter);
void *obs_alloc_array(struct obs_alloc *alloc, void *old, size_t old_count,
                      size_t new_count, size_t elem_size,
                      atomic_size_t *counter);
/* The array `items` of *capacity elements, grown to twice its capacity
 * (or to `first` elements when it has none). Returns the new array and
 * updates *capacity; on failure returns NULL with both left as they were. */
void *obs_alloc_grow(struct obs_alloc *alloc, void *items, size_t *capacity,
                     size_t first, size_t elem_size, atomic_size_t *counter);
void obs_alloc_free(struct obs_alloc *alloc, void *ptr, size_t size,
                    atomic_size_t *counter);

/* A NUL-terminated copy of `len` bytes; free with size len + 1. */
char *obs_alloc_strndup(struct obs_alloc *alloc, const char *s, size_t len,
                        atomic_size_t *counter);

#endif /* OBS_ALLOC_H */
