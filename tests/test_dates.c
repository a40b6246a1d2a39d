/*
 * test_dates.c - the searcher's reading of document dates: a table of
 * written forms and what they mean, strings that are not dates, the day
 * numbers against the C library's timegm() for every day of four
 * centuries, and every date of Reuters-21578 against the test's own
 * reading of its DD-MON-YYYY form.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "dates.h"
#include "error.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"

Test(dates, common_forms_give_day_time_and_zone)
{
    static const struct {
        const char *text;
        int y, mo, d, h, mi, s, offset;
    } c[] = {
        /* ISO 8601 */
        {"2019-11-26", 2019, 11, 26, 0, 0, 0, 0},
        {"2019-11-26T15:01:02Z", 2019, 11, 26, 15, 1, 2, 0},
        {"2019-11-26T15:01:02.123+05:30", 2019, 11, 26, 15, 1, 2, 330},
        {"2019-11-26 15:01-0800", 2019, 11, 26, 15, 1, 0, -480},
        {"2019-11-26T15:01:02+01", 2019, 11, 26, 15, 1, 2, 60},
        {"2019/1/5", 2019, 1, 5, 0, 0, 0, 0},
        {"  2000-02-29", 2000, 2, 29, 0, 0, 0, 0},
        /* Reuters-21578, with its trailing letters */
        {"26-FEB-1987 15:01:01.79", 1987, 2, 26, 15, 1, 1, 0},
        {"1-MAR-1987 01:30:29.50", 1987, 3, 1, 1, 30, 29, 0},
        {"27-MAR-1987 02:17:09.88T C", 1987, 3, 27, 2, 17, 9, 0},
        {"3-MAR-1987  09:15:05.40", 1987, 3, 3, 9, 15, 5, 0},
        {"31-MAR-1987 605:12:19.12", 1987, 3, 31, 0, 0, 0, 0},
        {"9-APR-1987 00:00:00.00    # date added", 1987, 4, 9, 0, 0, 0, 0},
        /* RFC 2822 */
        {"Tue, 26 Feb 1987 15:01:01 +0000", 1987, 2, 26, 15, 1, 1, 0},
        {"Thu, 5 Dec 2019 08:00:00 -0500", 2019, 12, 5, 8, 0, 0, -300},
        {"26 Feb 87 15:01 EST", 1987, 2, 26, 15, 1, 0, -300},
        {"26 Feb 19 15:01 GMT", 2019, 2, 26, 15, 1, 0, 0},
        {"Sun, 06 Nov 1994 08:49:37 GMT", 1994, 11, 6, 8, 49, 37, 0},
        /* long forms */
        {"26 February 1987", 1987, 2, 26, 0, 0, 0, 0},
        {"February 26, 1987", 1987, 2, 26, 0, 0, 0, 0},
        {"Sept 3, 2019 9:05", 2019, 9, 3, 9, 5, 0, 0},
        {"Wednesday, November 6, 2019", 2019, 11, 6, 0, 0, 0, 0},
        {"nov. 6 2019", 2019, 11, 6, 0, 0, 0, 0},
    };
    size_t i;

    for (i = 0; i < sizeof c / sizeof *c; i++) {
        struct date_tm t;
        int rc = date_parse(c[i].text, strlen(c[i].text), &t);
        cr_assert_eq(rc, SE_OK, "\"%s\": %s", c[i].text, se_strerror(rc));
        cr_expect(t.year == c[i].y && t.month == c[i].mo && t.day == c[i].d &&
                      t.hour == c[i].h && t.minute == c[i].mi &&
                      t.second == c[i].s && t.offset == c[i].offset,
                  "\"%s\": got %04d-%02d-%02d %02d:%02d:%02d %+d", c[i].text,
                  t.year, t.month, t.day, t.hour, t.minute, t.second, t.offset);
    }
}

Test(dates, what_is_not_a_date_is_refused)
{
    static const char *const c[] = {
        "",
        "   ",
        "yesterday",
        "2019",
        "2019-13-01",
        "2019-02-29",
        "1900-02-29",
        "2019-11",
        "20191126",
        "32-JAN-1987",
        "26-XYZ-1987",
        "26-FEB-87",
        "26 Feb 987",
        "February 30, 2019",
        "Feb 26",
        "0000-01-01",
        "12019-01-01",
        "26 February",
        "Monday",
        "26.02.1987",
    };
    size_t i;

    for (i = 0; i < sizeof c / sizeof *c; i++) {
        struct date_tm t;
        int rc = date_parse(c[i], strlen(c[i]), &t);
        cr_expect_eq(rc, SE_EINVAL, "\"%s\" read as %04d-%02d-%02d", c[i],
                     t.year, t.month, t.day);
    }
}

/* The bytes after `len` are never read: the string need not end there. */
Test(dates, reads_only_len_bytes)
{
    struct date_tm t;

    cr_assert_eq(date_parse("2019-11-26", 7, &t), SE_EINVAL);
    cr_assert_eq(date_parse("2019-11-2612", 10, &t), SE_OK);
    cr_assert_eq(t.day, 26);
    cr_assert_eq(date_parse("26-FEB-1987 15:01", 11, &t), SE_OK);
    cr_assert(t.year == 1987 && t.hour == 0, "%d %d", t.year, t.hour);
}

Test(dates, command_line_days_are_strict_iso)
{
    static const struct {
        const char *s;
        int ok, y, m, d;
    } c[] = {
        {"2019-11-01", 1, 2019, 11, 1}, {"1970-01-01", 1, 1970, 1, 1},
        {"2024-02-29", 1, 2024, 2, 29}, {"2023-02-29", 0, 0, 0, 0},
        {"2019-11-1", 0, 0, 0, 0},      {"2019-11-01T00:00", 0, 0, 0, 0},
        {"01-11-2019", 0, 0, 0, 0},     {"", 0, 0, 0, 0},
        {"2019-11-01 ", 0, 0, 0, 0},    {"Nov 1, 2019", 0, 0, 0, 0},
    };
    size_t i;

    for (i = 0; i < sizeof c / sizeof *c; i++) {
        int64_t day;
        int rc = date_parse_day(c[i].s, &day);
        cr_expect_eq(rc, c[i].ok ? SE_OK : SE_EINVAL, "\"%s\": %s", c[i].s,
                     se_strerror(rc));
        if (c[i].ok)
            cr_expect_eq(day, date_day_number(c[i].y, c[i].m, c[i].d),
                         "\"%s\": day %lld", c[i].s, (long long)day);
    }
}

/* Day numbers and seconds against timegm(), day by day, 1800 to 2200. */
Test(dates, day_numbers_agree_with_timegm)
{
    struct tm tm;
    int y, m, d, days_in;
    int64_t prev = 0;

    cr_assert_eq(date_day_number(1970, 1, 1), 0);
    for (y = 1800; y <= 2200; y++)
        for (m = 1; m <= 12; m++)
            for (d = 1; d <= 31; d++) {
                memset(&tm, 0, sizeof tm);
                tm.tm_year = y - 1900;
                tm.tm_mon = m - 1;
                tm.tm_mday = d;
                time_t t = timegm(&tm);
                days_in = tm.tm_mon == m - 1; /* timegm normalises past ends */
                if (!days_in)
                    continue;
                int64_t n = date_day_number(y, m, d);
                cr_assert_eq(n * 86400, (int64_t)t, "%04d-%02d-%02d: %lld", y,
                             m, d, (long long)n);
                if (y > 1800 || m > 1 || d > 1)
                    cr_assert_eq(n, prev + 1, "%04d-%02d-%02d", y, m, d);
                prev = n;
            }
}

Test(dates, zones_move_the_instant_not_the_day)
{
    struct date_tm a, b;
    const char *east = "2019-11-30T23:30:00-05:00";
    const char *utc = "2019-12-01T04:30:00Z";

    cr_assert_eq(date_parse(east, strlen(east), &a), SE_OK);
    cr_assert_eq(date_parse(utc, strlen(utc), &b), SE_OK);
    cr_assert_eq(date_seconds(&a), date_seconds(&b), "same instant");
    cr_assert_eq(date_day(&a), date_day_number(2019, 11, 30), "day as written");
    cr_assert_eq(date_day(&b), date_day_number(2019, 12, 1));
}

/* Every Reuters date: "D-MON-YYYY ..." read by sscanf here. */
Test(dates, every_reuters_date_is_read, .timeout = 60)
{
    static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;

    cr_assert_not_null(f, "cannot open %s (run from /work/main)", REUTERS);
    while ((len = getline(&line, &cap, f)) > 0) {
        cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(j, "date");
        char m[4];
        int d, y, k, h = 0, mi = 0, s = 0;
        struct date_tm t;
        cr_assert(cJSON_IsString(date), "line %zu: no date", n + 1);
        cr_assert_eq(sscanf(date->valuestring, "%d-%3s-%d", &d, m, &y), 3,
                     "line %zu: %s", n + 1, date->valuestring);
        for (k = 0; k < 12 && strcasecmp(m, mon[k]) != 0; k++)
            ;
        cr_assert_lt(k, 12, "line %zu: month %s", n + 1, m);
        if (sscanf(date->valuestring, "%*d-%*3s-%*d %d:%d:%d", &h, &mi, &s) !=
                3 ||
            h > 23)
            h = mi = s = 0;
        cr_assert_eq(
            date_parse(date->valuestring, strlen(date->valuestring), &t), SE_OK,
            "line %zu: \"%s\" not read", n + 1, date->valuestring);
        cr_assert(t.year == y && t.month == k + 1 && t.day == d &&
                      t.hour == h && t.minute == mi && t.second == s,
                  "line %zu: \"%s\" read as %04d-%02d-%02d %02d:%02d:%02d",
                  n + 1, date->valuestring, t.year, t.month, t.day, t.hour,
                  t.minute, t.second);
        cJSON_Delete(j);
        n++;
    }
    cr_assert_eq(n, 21578, "%zu documents", n);
    free(line);
    fclose(f);
}
