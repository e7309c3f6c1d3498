/*
 * linereader.c - split plain or gzip input into bounded lines.
 *
 * zlib's gz* functions read gzip and, transparently, plain files, so one
 * code path serves both. Lines are cut out of a large buffer in place;
 * only the unfinished tail of the buffer moves when more is read.
 */
#include "linereader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#define READ_CHUNK (1u << 20)

struct line_reader {
    gzFile gz;
    char *buf;
    size_t cap;
    size_t start;   /* first byte of the current line */
    size_t end;     /* bytes in the buffer */
    size_t scanned; /* no newline in [start, scanned) */
    size_t max_line;
    bool eof;
    bool discarding;    /* inside a line that is too long */
    uint64_t discarded; /* its bytes so far */
    uint64_t number;
    uint64_t size;
    char error[200];
};

int line_reader_open(const char *path, size_t max_line,
                     line_reader_t **reader, char *err, size_t err_size)
{
    line_reader_t *r = calloc(1, sizeof *r);
    struct stat st;
    int fd;

    if (r == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        return -1;
    }
    r->max_line = max_line;
    r->cap = max_line + 1 + READ_CHUNK;
    r->buf = malloc(r->cap);
    if (r->buf == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        goto fail;
    }

    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: %s", path,
                 S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
        close(fd);
        goto fail;
    }
    if (S_ISREG(st.st_mode))
        r->size = (uint64_t)st.st_size;
    r->gz = gzdopen(fd, "rb");
    if (r->gz == NULL) {
        snprintf(err, err_size, "%s: cannot open", path);
        close(fd);
        goto fail;
    }
    gzbuffer(r->gz, 256u * 1024u);
    *reader = r;
    return 0;

fail:
    free(r->buf);
    free(r);
    return -1;
}

void line_reader_close(line_reader_t *reader)
{
    if (reader == NULL)
        return;
    if (reader->gz != NULL)
        gzclose(reader->gz);
    free(reader->buf);
    free(reader);
}

static int hand_out(line_reader_t *r, size_t start, size_t n,
                    const char **line, size_t *len)
{
    r->number++;
    if (r->discarding || n > r->max_line) {
        *line = NULL;
        *len = (size_t)(r->discarded + n);
        r->discarding = false;
        r->discarded = 0;
        return 1;
    }
    if (n > 0 && r->buf[start + n - 1] == '\r')
        n--;
    *line = r->buf + start;
    *len = n;
    return 1;
}

int line_reader_next(line_reader_t *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
        size_t start = r->start;
        int got;

        if (nl != NULL) {
            r->start = r->scanned = (size_t)(nl - r->buf) + 1;
            return hand_out(r, start, (size_t)(nl - r->buf) - start, line,
                            len);
        }
        r->scanned = r->end;
        if (r->end - r->start > r->max_line || r->discarding) {
            /* Too long already: keep counting, stop keeping. */
            r->discarding = true;
            r->discarded += r->end - r->start;
            r->start = r->scanned = r->end = 0;
        }
        if (r->eof) {
            start = r->start;
            if (start == r->end && !r->discarding)
                return 0;
            r->start = r->scanned = r->end;
            return hand_out(r, start, r->end - start, line, len);
        }

        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->scanned -= r->start;
            r->start = 0;
        }
        got = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - r->end));
        if (got < 0) {
            int code;
            const char *msg = gzerror(r->gz, &code);

            snprintf(r->error, sizeof r->error, "%s",
                     code == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (got == 0) {
            /* gzread() ends a truncated or corrupt gzip stream as if it
             * were the end of the file; only gzerror() tells. */
            int code;
            const char *msg = gzerror(r->gz, &code);

            if (code != Z_OK && code != Z_STREAM_END) {
                snprintf(r->error, sizeof r->error, "%s",
                         code == Z_BUF_ERROR ? "gzip data ends early "
                                               "(truncated file)"
                                             : msg);
                return -1;
            }
            r->eof = true;
        }
        r->end += (size_t)got;
    }
}

uint64_t line_reader_number(const line_reader_t *reader)
{
    return reader->number;
}

uint64_t line_reader_offset(const line_reader_t *reader)
{
    z_off_t offset = gzoffset(reader->gz);

    return offset > 0 ? (uint64_t)offset : 0;
}

uint64_t line_reader_size(const line_reader_t *reader)
{
    return reader->size;
}

const char *line_reader_error(const line_reader_t *reader)
{
    return reader->error;
}
