/*
 * daemon.h: the service: one process that checks every dataset on its
 * schedule, lands their releases and delivers the alerts, for as long as
 * systemd (or whoever started it) lets it run.  daemon.c says how.
 */
#ifndef SCRAPEWATCH_DAEMON_H
#define SCRAPEWATCH_DAEMON_H

/* Runs the service with the configuration at config_path until SIGTERM
 * or SIGINT; SIGHUP reloads that file.  Returns 0 or a sysexits(3) status,
 * having logged why. */
int daemon_run(const char *config_path);

#endif
