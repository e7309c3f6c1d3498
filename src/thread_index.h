/*
 * thread_index.h - a small number per live thread, so that each thread can
 * record into memory no other thread writes.
 *
 * Numbers are handed out lowest first and given back when a thread exits,
 * so they stay below the number of threads alive at once. A thread that
 * cannot get one (more than OBS_THREAD_MAX alive) gets -1 and records
 * through a mutex instead.
 */
#ifndef OBS_THREAD_INDEX_H
#define OBS_THREAD_INDEX_H

#define OBS_THREAD_BLOCK 64
#define OBS_THREAD_BLOCKS 64
#define OBS_THREAD_MAX (OBS_THREAD_BLOCK * OBS_THREAD_BLOCKS)

/* index + 1 of the calling thread; 0 until it first asks. */
extern _Thread_local int obs_thread_index_plus_one
    __attribute__((tls_model("initial-exec")));

int obs_thread_index_assign(void);

static inline int obs_thread_index(void)
{
    int plus_one = obs_thread_index_plus_one;

    return plus_one != 0 ? plus_one - 1 : obs_thread_index_assign();
}

#endif /* OBS_THREAD_INDEX_H */
