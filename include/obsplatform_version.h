/**
 * @file obsplatform_version.h
 * @brief The one place where the library's version lives.
 *
 * The Makefile reads OBS_VERSION_MAJOR/MINOR/PATCH from this file, so the
 * soname, the pkg-config file and obs_version() can never disagree.
 */
#ifndef OBSPLATFORM_VERSION_H
#define OBSPLATFORM_VERSION_H

/** Incremented for incompatible API or ABI changes. */
#define OBS_VERSION_MAJOR 0
/** Incremented for compatible additions. */
#define OBS_VERSION_MINOR 1
/** Incremented for fixes. */
#define OBS_VERSION_PATCH 0

/** The version as one number: 0xMMmmpp (major, minor, patch). */
#define OBS_VERSION_NUMBER                                                  \
    ((OBS_VERSION_MAJOR << 16) | (OBS_VERSION_MINOR << 8) | OBS_VERSION_PATCH)

/** The version as a string, "MAJOR.MINOR.PATCH". */
#define OBS_VERSION_STRING "0.1.0"

#endif /* OBSPLATFORM_VERSION_H */
