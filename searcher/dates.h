/*
 * dates.h - the dates of news documents, which are free-form strings from
 * the input, read for --since, --until and --sort date.
 *
 * Forms read (English month and weekday names, any case; a leading
 * weekday such as "Tue, " is skipped):
 *   ISO 8601     2019-11-26, 2019-11-26T15:01:02Z, 2019-11-26 15:01+01:00,
 *                2019/11/26
 *   DD-MON-YYYY  26-FEB-1987 15:01:01.79 (Reuters-21578)
 *   RFC 2822     Tue, 26 Feb 1987 15:01:01 +0000, 26 Feb 87 15:01 EST
 *   long forms   26 February 1987, February 26, 1987, Feb 26 1987 3:01
 * A time (H:MM, H:MM:SS, fractions of a second ignored) and a zone (Z,
 * +HHMM, +HH:MM, +HH, UT, UTC, GMT and the US zones of RFC 2822) may
 * follow the date. Text after a complete date is ignored (Reuters has
 * "27-MAR-1987 02:17:09.88T C"); a time that does not parse ("605:12:19")
 * leaves the day known and the time midnight. Years are 1 to 9999; a
 * two-digit year (RFC 2822 only) is 19YY from 50, else 20YY.
 */
#ifndef SE_DATES_H
#define SE_DATES_H

#include <stddef.h>
#include <stdint.h>

struct date_tm {
    int year, month, day;     /* as written: month 1-12, day 1-31 */
    int hour, minute, second; /* 0 when no time was given */
    int offset;               /* zone, minutes east of UTC; 0 when none */
};

/*
 * Read the date at the start of `s` (`len` bytes, not NUL-terminated).
 * SE_OK with *out filled, or SE_EINVAL when no date of the forms above is
 * there (then *out is zeroed).
 */
int date_parse(const char *s, size_t len, struct date_tm *out);

/*
 * Read a day given on the command line: exactly YYYY-MM-DD, a real date.
 * SE_OK with *day its number (see date_day_number), or SE_EINVAL.
 */
int date_parse_day(const char *s, int64_t *day);

/* Days from 1970-01-01 to year-month-day (Gregorian; negative before). */
int64_t date_day_number(int year, int month, int day);

/* The day of `t` as written, its zone not applied: what --since and
 * --until compare, so a date is on the day its text names. */
int64_t date_day(const struct date_tm *t);

/* Seconds from 1970-01-01 00:00 UTC (the zone applied): sort order. */
int64_t date_seconds(const struct date_tm *t);

#endif
