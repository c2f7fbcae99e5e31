// Wrapper for the system libcurl (Debian: libcurl4-openssl-dev, see scripts/setup).
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: these typed
// inline functions pass each kind of argument through.
#include <curl/curl.h>

static inline CURLcode loupe_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode loupe_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode loupe_curl_set_list(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
/* A PEM blob (CAINFO_BLOB, SSLCERT_BLOB, SSLKEY_BLOB), copied by libcurl. */
static inline CURLcode loupe_curl_set_blob(CURL *c, CURLoption o, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(c, o, &blob);
}
typedef size_t (*loupe_curl_write_fn)(char *, size_t, size_t, void *);
static inline CURLcode loupe_curl_set_writer(CURL *c, loupe_curl_write_fn f, void *context) {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
    return curl_easy_setopt(c, CURLOPT_WRITEDATA, context);
}
typedef int (*loupe_curl_progress_fn)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode loupe_curl_set_progress(CURL *c, loupe_curl_progress_fn f, void *context) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, context);
    return curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
}
static inline long loupe_curl_response_code(CURL *c) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
