/*
 * alloc.c - allocation through the caller's allocator, with byte counts.
 */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_malloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

void obs_alloc_init(struct obs_alloc *alloc, const obs_allocator_t *fn)
{
    if (fn != NULL) {
        alloc->fn = *fn;
    } else {
        alloc->fn.malloc = default_malloc;
        alloc->fn.realloc = default_realloc;
        alloc->fn.free = default_free;
        alloc->fn.user = NULL;
    }
    atomic_init(&alloc->bytes, 0);
}

static void count(struct obs_alloc *alloc, atomic_size_t *counter,
                  size_t add, size_t sub)
{
    atomic_fetch_add_explicit(&alloc->bytes, add, memory_order_relaxed);
    atomic_fetch_sub_explicit(&alloc->bytes, sub, memory_order_relaxed);
    if (counter != NULL) {
        atomic_fetch_add_explicit(counter, add, memory_order_relaxed);
        atomic_fetch_sub_explicit(counter, sub, memory_order_relaxed);
    }
}

void *obs_alloc_zeroed(struct obs_alloc *alloc, size_t size,
                       atomic_size_t *counter)
{
    void *ptr;

    if (size == 0)
        return NULL;
    ptr = alloc->fn.malloc(alloc->fn.user, size);
    if (ptr == NULL)
        return NULL;
    memset(ptr, 0, size);
    count(alloc, counter, size, 0);
    return ptr;
}

void *obs_alloc_array(struct obs_alloc *alloc, void *old, size_t old_count,
                      size_t new_count, size_t elem_size,
                      atomic_size_t *counter)
{
    void *ptr;

    if (new_count == 0 || elem_size == 0 || new_count > SIZE_MAX / elem_size)
        return NULL;
    if (old == NULL)
        ptr = alloc->fn.malloc(alloc->fn.user, new_count * elem_size);
    else
        ptr = alloc->fn.realloc(alloc->fn.user, old, new_count * elem_size);
    if (ptr == NULL)
        return NULL;
    count(alloc, counter, new_count * elem_size,
          old == NULL ? 0 : old_count * elem_size);
    return ptr;
}

void *obs_alloc_grow(struct obs_alloc *alloc, void *items, size_t *capacity,
                     size_t first, size_t elem_size, atomic_size_t *counter)
{
    size_t wanted;
    void *grown;

    if (*capacity == 0)
        wanted = first;
    else if (*capacity > SIZE_MAX / 2)
        return NULL;
    else
        wanted = *capacity * 2;
    grown = obs_alloc_array(alloc, items, *capacity, wanted, elem_size,
                            counter);
    if (grown != NULL)
        *capacity = wanted;
    return grown;
}

void obs_alloc_free(struct obs_alloc *alloc, void *ptr, size_t size,
                    atomic_size_t *counter)
{
    if (ptr == NULL)
        return;
    alloc->fn.free(alloc->fn.user, ptr);
    count(alloc, counter, 0, size);
}

char *obs_alloc_strndup(struct obs_alloc *alloc, const char *s, size_t len,
                        atomic_size_t *counter)
{
    char *copy;

    if (len == SIZE_MAX)
        return NULL;
    copy = obs_alloc_zeroed(alloc, len + 1, counter);
    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}
