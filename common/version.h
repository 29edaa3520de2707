/*
 * version.h - the release of the programs, shown by --version.
 */
#ifndef MR_VERSION_H
#define MR_VERSION_H

#define MR_VERSION "0.1.0"

#endif
