/* error.h - error codes shared by every module of the engine. */
#ifndef SE_ERROR_H
#define SE_ERROR_H

/*
 * A function that can fail returns SE_OK (0) or one of these negative codes.
 * SE_EIO keeps errno as the I/O call left it.
 */
enum se_error {
    SE_OK = 0,
    SE_ENOMEM = -1,    /* out of memory */
    SE_EIO = -2,       /* read/write failed; errno says why */
    SE_ECORRUPT = -3,  /* bytes on disk break the format */
    SE_ENOTFOUND = -4, /* key, term or document absent */
    SE_EINVAL = -5,    /* bad argument or input */
    SE_EVERSION = -6,  /* index written by an incompatible format version */
    SE_ENOINDEX = -7,  /* directory holds no index */
    SE_EFULL = -8,     /* disk or map full */
    SE_ELIMIT = -9,    /* a size limit was reached */
    SE_EBUSY = -10,    /* another writer holds the index */
    SE_ELANG = -11,    /* no stemmer for that language */
};

/* A static, human-readable description of `code`; never NULL. */
const char *se_strerror(int code);

#endif
