/*
 * log.h: the one logging facility.
 *
 * Lines go to stderr.  When stderr is the journal's stream ($JOURNAL_STREAM
 * names our stderr) each line carries a "<N>" syslog priority prefix that
 * journald parses; on a terminal or in a file the lines are plain, with
 * "warning:" / "error:" in front where it helps a reader.  Logging preserves
 * errno.  The level is the program's only global.
 */
#ifndef SCRAPEWATCH_LOG_H
#define SCRAPEWATCH_LOG_H

#include <syslog.h>

#include "lib/macro.h"

/* Lines above this syslog level (LOG_DEBUG is highest) are dropped. */
extern int log_max_level;

/* Decides the output style from $JOURNAL_STREAM; call once at start-up. */
void log_setup(void);

/*
 * Writes one line at the given level.  With error != 0, errno is set to
 * |error| while formatting, so "%m" prints its text.  Returns -|error|, so
 * that callers can log and propagate in one statement.
 */
int log_full_errno(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_debug(...)		  log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)		  log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)		  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...)	  log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)		  log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...)	  log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)	  log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)	  log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#endif
