/*
 * thread_index.c - hand out and take back per-thread numbers.
 */
#include "thread_index.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

_Thread_local int obs_thread_index_plus_one
    __attribute__((tls_model("initial-exec"))) = 0;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool key_ok;
static pthread_mutex_t taken_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t taken[OBS_THREAD_MAX / 64];

/* Runs when a thread that holds a number exits. The mutex orders the old
 * thread's last writes before the next owner's first ones. */
static void give_back(void *value)
{
    int index = (int)(intptr_t)value - 1;

    pthread_mutex_lock(&taken_lock);
    taken[index / 64] &= ~((uint64_t)1 << (index % 64));
    pthread_mutex_unlock(&taken_lock);
}

static void create_key(void)
{
    key_ok = pthread_key_create(&exit_key, give_back) == 0;
}

int obs_thread_index_assign(void)
{
    int index = -1;

    if (pthread_once(&key_once, create_key) != 0 || !key_ok)
        return -1;
    pthread_mutex_lock(&taken_lock);
    for (int word = 0; word < OBS_THREAD_MAX / 64 && index < 0; word++) {
        if (taken[word] == UINT64_MAX)
            continue;
        for (int bit = 0; bit < 64; bit++) {
            if (!(taken[word] & ((uint64_t)1 << bit))) {
                taken[word] |= (uint64_t)1 << bit;
                index = word * 64 + bit;
                break;
            }
        }
    }
    pthread_mutex_unlock(&taken_lock);
    if (index < 0)
        return -1;
    if (pthread_setspecific(exit_key, (void *)(intptr_t)(index + 1)) != 0) {
        give_back((void *)(intptr_t)(index + 1));
        return -1;
    }
    obs_thread_index_plus_one = index + 1;
    return index;
}
