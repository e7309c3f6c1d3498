/*
 * linereader.h - lines of a plain or gzip-compressed file, or of standard
 * input, with a bound on their length.
 *
 * A line longer than the bound is reported as too long and its text is
 * never handed out, so no caller can record half a line.
 */
#ifndef OBS_REPLAY_LINEREADER_H
#define OBS_REPLAY_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct line_reader line_reader_t;

/*
 * Open path ("-" for standard input); gzip data is recognised by its
 * content, anything else is read as it is. max_line is the longest line
 * handed out, in bytes, newline excluded. Returns 0, or -1 with a one-line
 * reason in err.
 */
int line_reader_open(const char *path, size_t max_line,
                     line_reader_t **reader, char *err, size_t err_size);

/* Close a reader; NULL is a no-op. */
void line_reader_close(line_reader_t *reader);

/*
 * The next line, without its "\n" or "\r\n". Returns 1 with the line in
 * *line and *len (valid until the next call), 0 at the end, -1 on a read
 * error (see line_reader_error()). A line longer than max_line comes back
 * once, with *line NULL and *len its full length.
 */
int line_reader_next(line_reader_t *reader, const char **line, size_t *len);

/* The number of the line last returned, from 1. */
uint64_t line_reader_number(const line_reader_t *reader);

/* Bytes read from the file so far (compressed bytes for gzip) and its
 * size, 0 when unknown (standard input, pipes). */
uint64_t line_reader_offset(const line_reader_t *reader);
uint64_t line_reader_size(const line_reader_t *reader);

/* Why the last call returned -1. */
const char *line_reader_error(const line_reader_t *reader);

#endif /* OBS_REPLAY_LINEREADER_H */
