/*
 * log.c: formats log lines for a terminal or for the journal.
 *
 * It owns nothing but the output style.  It never allocates (a line longer
 * than its buffer is cut), so it can report out-of-memory and I/O trouble.
 * Every line is escaped as text_escape() does: what a message quotes from
 * a manifest or a server (a line end, a terminal escape, a bidirectional
 * override) is shown, never obeyed, and a log line stays one line.
 */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lib/text.h"

int log_max_level = LOG_INFO;

static bool log_to_journal;

void log_setup(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* systemd sets JOURNAL_STREAM=dev:ino of the stream it connected. */
	log_to_journal = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
			 fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev &&
			 st.st_ino == ino;
}

int log_full_errno(int level, int error, const char *fmt, ...)
{
	int saved = errno;
	char line[2048], shown[4096];
	const char *tag = "";
	va_list ap;
	int n;

	if (error < 0)
		error = -error;
	if (level <= log_max_level) {
		errno = error;
		va_start(ap, fmt);
		n = vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		if (n >= (int)sizeof(line))
			text_utf8_trim(line); /* a character cut: not shown */
		text_escape_to(shown, sizeof(shown), line);
		if (log_to_journal)
			fprintf(stderr, "<%d>%s\n", level, shown);
		else {
			if (level <= LOG_ERR)
				tag = "error: ";
			else if (level == LOG_WARNING)
				tag = "warning: ";
			fprintf(stderr, "%s%s\n", tag, shown);
		}
	}
	errno = saved;
	return -error;
}
