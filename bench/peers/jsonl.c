/*
 * jsonl.c - the corpus reader of the peer runners: getline() plus cJSON.
 * Parsing cost is the same for every peer and small next to indexing.
 */
#include "jsonl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char id_buf[32];

int
jl_open(struct jl_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    return r->fp == NULL ? -1 : 0;
}

static const char *
str_field(cJSON *obj, const char *name, size_t *len)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (cJSON_IsString(v) && v->valuestring != NULL) {
        *len = strlen(v->valuestring);
        return v->valuestring;
    }
    *len = 0;
    return "";
}

int
jl_next(struct jl_reader *r, struct jl_doc *doc)
{
    ssize_t n;
    cJSON *id;
    size_t len;

    if (r->json != NULL) {
        cJSON_Delete((cJSON *)r->json);
        r->json = NULL;
    }
    for (;;) {
        n = getline(&r->line, &r->cap, r->fp);
        if (n < 0)
            return 0;
        r->lineno++;
        while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
            r->line[--n] = '\0';
        if (n > 0)
            break;
    }
    r->json = cJSON_ParseWithLength(r->line, (size_t)n);
    if (r->json == NULL || !cJSON_IsObject((cJSON *)r->json))
        return -1;
    id = cJSON_GetObjectItemCaseSensitive((cJSON *)r->json, "id");
    if (cJSON_IsString(id)) {
        doc->id = id->valuestring;
    } else if (cJSON_IsNumber(id)) {
        snprintf(id_buf, sizeof id_buf, "%.0f", id->valuedouble);
        doc->id = id_buf;
    } else {
        return -1;
    }
    doc->title = str_field((cJSON *)r->json, "title", &len);
    doc->title_len = len;
    doc->body = str_field((cJSON *)r->json, "body", &len);
    doc->body_len = len;
    return 1;
}

void
jl_close(struct jl_reader *r)
{
    if (r->json != NULL)
        cJSON_Delete((cJSON *)r->json);
    if (r->fp != NULL && r->fp != stdin)
        fclose(r->fp);
    free(r->line);
    memset(r, 0, sizeof *r);
}

double
jl_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}
