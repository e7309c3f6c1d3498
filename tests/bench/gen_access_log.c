/*
 * gen_access_log.c - write a synthetic nginx access log in obs-replay's
 * default format (combined plus $request_time) for `make bench`.
 *
 * usage: gen_access_log FILE LINES
 *
 * The log is the same for the same LINES: eight services, realistic user
 * agents, mostly 200s with some 404s and 5xx, a health check now and then,
 * one second of log time per thousand lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const services[] = {
    "api", "payments", "users", "search", "cart", "orders", "static", "auth",
};
static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "curl/7.88.1",
    "kube-probe/1.28",
};

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint32_t next(void)
{
    /* xorshift64*: fast, and the same sequence on every machine */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * UINT64_C(2685821657736338717)) >> 32);
}

int main(int argc, char **argv)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    time_t start = 1696896000; /* 2023-10-10T00:00:00Z */
    char when[80] = "";
    time_t shown = -1;
    long long lines;
    FILE *out;

    if (argc != 3 || (lines = atoll(argv[2])) <= 0) {
        fputs("usage: gen_access_log FILE LINES\n", stderr);
        return 2;
    }
    out = fopen(argv[1], "w");
    if (out == NULL) {
        perror(argv[1]);
        return 2;
    }
    for (long long i = 0; i < lines; i++) {
        time_t now = start + (time_t)(i / 1000);
        uint32_t r = next();
        const char *service = services[r % 8];
        unsigned status = 200;
        unsigned ms = 1 + next() % 120;

        if (now != shown) {
            struct tm tm;

            gmtime_r(&now, &tm);
            snprintf(when, sizeof when, "%02d/%.3s/%04d:%02d:%02d:%02d +0000",
                     tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
            shown = now;
        }
        if ((r >> 8) % 100 < 3)
            status = 404;
        else if ((r >> 8) % 1000 < 5)
            status = 503;
        if ((r >> 20) % 50 == 0) {
            fprintf(out,
                    "10.0.%u.%u - - [%s] \"GET /%s/healthz HTTP/1.1\" 200 2 "
                    "\"-\" \"%s\" 0.001\n",
                    (r >> 4) % 256, r % 251, when, service, agents[3]);
            continue;
        }
        fprintf(out,
                "10.0.%u.%u - - [%s] \"%s /%s/v1/items/%u?page=%u HTTP/1.1\" "
                "%u %u \"https://example.com/%s\" \"%s\" %u.%03u\n",
                (r >> 4) % 256, r % 251, when, r % 7 == 0 ? "POST" : "GET",
                service, next() % 100000, r % 10, status, 200 + r % 5000,
                service, agents[(r >> 12) % 3], ms / 1000, ms % 1000);
    }
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
