/*
 * dates.c - read the common written forms of a date (see dates.h) with a
 * cursor over the bytes: no locale, no strptime(), whose month names and
 * zone handling depend on the C library and the environment.
 *
 * The day number counts whole days from 1970-01-01 in the proleptic
 * Gregorian calendar: 365 a year plus one for each leap year before it
 * (every 4th, not every 100th, every 400th).
 */
#include "dates.h"

#include <string.h>

#include "error.h"

struct cur {
    const char *p, *end;
};

static const char *const months[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
static const char *const weekdays[] = {"monday",   "tuesday", "wednesday",
                                       "thursday", "friday",  "saturday",
                                       "sunday"};

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_alpha(int c)
{
    c = lower(c);
    return c >= 'a' && c <= 'z';
}

static int
peek(const struct cur *c)
{
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static void
skip_spaces(struct cur *c)
{
    while (peek(c) == ' ' || peek(c) == '\t')
        c->p++;
}

/* Read 1..max digits (no more may follow); -1 when there are none. */
static int
digits(struct cur *c, int min, int max)
{
    int v = 0, n = 0;

    while (n < max && is_digit(peek(c))) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    if (n < min || is_digit(peek(c)))
        return -1;
    return v;
}

/* Exactly n digits, whatever follows ("+0100": two, then two more). */
static int
fixed_digits(struct cur *c, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!is_digit(peek(c)))
            return -1;
        v = v * 10 + (*c->p++ - '0');
    }
    return v;
}

static int
accept(struct cur *c, int ch)
{
    if (peek(c) != ch)
        return 0;
    c->p++;
    return 1;
}

/* A run of letters; its length. */
static size_t
word(const struct cur *c)
{
    const char *q = c->p;

    while (q < c->end && is_alpha((unsigned char)*q))
        q++;
    return (size_t)(q - c->p);
}

/* Is the word at c (n letters) `name` in full or its first three letters? */
static int
names(const struct cur *c, size_t n, const char *name)
{
    size_t i, len = strlen(name);

    if (n != len && n != 3)
        return 0;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)c->p[i]) != name[i])
            return 0;
    return 1;
}

/* A month name (full or three letters) -> 1..12, else 0. */
static int
month_name(struct cur *c)
{
    size_t n = word(c);
    int m;

    /* "Sept" is common enough in news to be worth a case of its own. */
    if (n == 4 && names(c, 3, "sep") && lower((unsigned char)c->p[3]) == 't') {
        c->p += 4;
        return 9;
    }
    for (m = 0; m < 12; m++)
        if (names(c, n, months[m])) {
            c->p += n;
            return m + 1;
        }
    return 0;
}

static void
skip_weekday(struct cur *c)
{
    size_t n = word(c), d;

    for (d = 0; d < 7; d++)
        if (names(c, n, weekdays[d])) {
            c->p += n;
            accept(c, ',');
            skip_spaces(c);
            return;
        }
}

static int
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int
valid_day(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, m);
}

/* "Z", "+HHMM", "+HH:MM", "+HH" or a zone name; minutes east of UTC. */
static int
zone(struct cur *c)
{
    static const struct {
        const char *name;
        int offset;
    } named[] = {{"ut", 0},        {"utc", 0},       {"gmt", 0},
                 {"z", 0},         {"est", -5 * 60}, {"edt", -4 * 60},
                 {"cst", -6 * 60}, {"cdt", -5 * 60}, {"mst", -7 * 60},
                 {"mdt", -6 * 60}, {"pst", -8 * 60}, {"pdt", -7 * 60}};
    struct cur save = *c;
    size_t n, i, k;
    int sign, h, m = 0;

    skip_spaces(c);
    sign = peek(c) == '+' ? 1 : peek(c) == '-' ? -1 : 0;
    if (sign) {
        c->p++;
        h = fixed_digits(c, 2);
        if (h >= 0 && (accept(c, ':') || is_digit(peek(c))))
            m = fixed_digits(c, 2);
        if (h >= 0 && h <= 14 && m >= 0 && m <= 59)
            return sign * (h * 60 + m);
        *c = save;
        return 0;
    }
    n = word(c);
    for (i = 0; i < sizeof named / sizeof *named; i++) {
        if (strlen(named[i].name) != n)
            continue;
        for (k = 0; k < n && lower((unsigned char)c->p[k]) == named[i].name[k];
             k++)
            ;
        if (k == n) {
            c->p += n;
            return named[i].offset;
        }
    }
    *c = save;
    return 0;
}

/* "H:MM[:SS[.frac]]" and a zone; leaves t's time at 0 when it is not one. */
static void
time_of_day(struct cur *c, struct date_tm *t)
{
    struct cur save = *c;
    int h, mi, s = 0;

    skip_spaces(c);
    h = digits(c, 1, 2);
    if (h < 0 || !accept(c, ':') || (mi = digits(c, 2, 2)) < 0) {
        *c = save;
        return;
    }
    if (accept(c, ':')) {
        s = digits(c, 2, 2);
        if (s >= 0 && accept(c, '.'))
            while (is_digit(peek(c)))
                c->p++;
    }
    if (h > 23 || mi > 59 || s < 0 || s > 60) {
        *c = save;
        return;
    }
    t->hour = h;
    t->minute = mi;
    t->second = s;
    t->offset = zone(c);
}

/* 2019-11-26 or 2019/11/26, then [T or space] a time. */
static int
iso(struct cur *c, struct date_tm *t)
{
    int sep;

    t->year = digits(c, 4, 4);
    sep = peek(c);
    if (t->year < 0 || (sep != '-' && sep != '/'))
        return 0;
    c->p++;
    t->month = digits(c, 1, 2);
    if (t->month < 0 || !accept(c, sep))
        return 0;
    t->day = digits(c, 1, 2);
    if (t->day < 0)
        return 0;
    if (peek(c) == 'T' || peek(c) == 't') {
        c->p++;
        if (!is_digit(peek(c)))
            return 1; /* "T" then no time: still the day */
    }
    time_of_day(c, t);
    return 1;
}

/* The year of a day-month-year or month-day-year form. */
static int
year(struct cur *c, int two_digits_ok)
{
    const char *start = c->p;
    int y = digits(c, 2, 4);

    if (y < 0 || c->p - start == 3)
        return -1;
    if (c->p - start == 2)
        return two_digits_ok ? (y >= 50 ? 1900 + y : 2000 + y) : -1;
    return y;
}

/* 26-FEB-1987, 26 Feb 1987, 26 February 1987, 26/Feb/1987. */
static int
day_month_year(struct cur *c, struct date_tm *t)
{
    int sep;

    t->day = digits(c, 1, 2);
    if (t->day < 0)
        return 0;
    sep = peek(c);
    if (sep != '-' && sep != ' ' && sep != '/')
        return 0;
    c->p++;
    t->month = month_name(c);
    if (t->month == 0)
        return 0;
    accept(c, '.'); /* "26 Feb. 1987" */
    if (!accept(c, sep == ' ' ? ' ' : sep))
        return 0;
    skip_spaces(c);
    t->year = year(c, sep == ' ');
    if (t->year < 0)
        return 0;
    time_of_day(c, t);
    return 1;
}

/* February 26, 1987 or Feb 26 1987. */
static int
month_day_year(struct cur *c, struct date_tm *t)
{
    t->month = month_name(c);
    if (t->month == 0)
        return 0;
    accept(c, '.');
    skip_spaces(c);
    t->day = digits(c, 1, 2);
    if (t->day < 0)
        return 0;
    accept(c, ',');
    if (peek(c) != ' ')
        return 0;
    skip_spaces(c);
    t->year = year(c, 0);
    if (t->year < 0)
        return 0;
    accept(c, ',');
    time_of_day(c, t);
    return 1;
}

int
date_parse(const char *s, size_t len, struct date_tm *out)
{
    struct cur start = {s, s + len}, c;
    int ok;

    memset(out, 0, sizeof *out);
    if (s == NULL)
        return SE_EINVAL;
    while (start.p < start.end && (*start.p == ' ' || *start.p == '\t' ||
                                   *start.p == '\n' || *start.p == '\r'))
        start.p++;
    skip_weekday(&start);
    c = start;
    ok = iso(&c, out);
    if (!ok) {
        memset(out, 0, sizeof *out);
        c = start;
        ok = day_month_year(&c, out);
    }
    if (!ok) {
        memset(out, 0, sizeof *out);
        c = start;
        ok = month_day_year(&c, out);
    }
    if (!ok || !valid_day(out->year, out->month, out->day)) {
        memset(out, 0, sizeof *out);
        return SE_EINVAL;
    }
    return SE_OK;
}

int
date_parse_day(const char *s, int64_t *day)
{
    size_t len = strlen(s);
    struct cur c = {s, s + len};
    int y, m, d;

    *day = 0;
    y = digits(&c, 4, 4);
    if (y < 0 || !accept(&c, '-'))
        return SE_EINVAL;
    m = digits(&c, 2, 2);
    if (m < 0 || !accept(&c, '-'))
        return SE_EINVAL;
    d = digits(&c, 2, 2);
    if (d < 0 || c.p != c.end || !valid_day(y, m, d))
        return SE_EINVAL;
    *day = date_day_number(y, m, d);
    return SE_OK;
}

/* Days from 0001-01-01 to year-month-day. */
static int64_t
days_from_year_one(int year, int month, int day)
{
    static const int before[] = {0,   31,  59,  90,  120, 151,
                                 181, 212, 243, 273, 304, 334};
    int64_t y = year - 1;
    int64_t n = 365 * y + y / 4 - y / 100 + y / 400;

    n += before[month - 1] + (month > 2 && is_leap(year)) + day - 1;
    return n;
}

int64_t
date_day_number(int year, int month, int day)
{
    return days_from_year_one(year, month, day) -
           days_from_year_one(1970, 1, 1);
}

int64_t
date_day(const struct date_tm *t)
{
    return date_day_number(t->year, t->month, t->day);
}

int64_t
date_seconds(const struct date_tm *t)
{
    return date_day(t) * 86400 + t->hour * 3600 + t->minute * 60 + t->second -
           t->offset * 60;
}
