/* error.c - descriptions of the engine's error codes. */
#include "error.h"

const char *
se_strerror(int code)
{
    switch (code) {
    case SE_OK:
        return "success";
    case SE_ENOMEM:
        return "out of memory";
    case SE_EIO:
        return "input/output error";
    case SE_ECORRUPT:
        return "index is corrupt";
    case SE_ENOTFOUND:
        return "not found";
    case SE_EINVAL:
        return "invalid argument";
    case SE_EVERSION:
        return "index format version not supported";
    case SE_ENOINDEX:
        return "not an index";
    case SE_EFULL:
        return "no space left";
    case SE_ELIMIT:
        return "size limit reached";
    case SE_EBUSY:
        return "index is locked by another writer";
    case SE_ELANG:
        return "no stemmer for that language";
    }
    return "unknown error";
}
