/*
 * openssl_gost_speed: the peer side of bench/compare.
 *
 * Measures, on one thread and through OpenSSL's EVP API with the gost engine
 * (libengine-gost-openssl), GOST R 34.10-2012 signatures and verifications
 * per second for every production parameter set, and Streebog-256/512
 * throughput on 16 KiB buffers, and prints one JSON object shaped like
 * `podpis speed --json`:
 *
 *   {"sign":{"256-A":...,...},"verify":{...},
 *    "hash_mb_s":{"streebog256":...,"streebog512":...}}
 *
 * Usage: openssl_gost_speed [SECONDS] [LABELS]
 *   SECONDS  time per measurement, fractions allowed (default 1)
 *   LABELS   comma-separated subset, e.g. 256-A,512-C (default: all)
 *
 * The engine is found by ENGINE_by_id("gost") in OpenSSL's engines
 * directory; if that fails, it is loaded from $GOST_ENGINE_SO, or the Debian
 * path, through the "dynamic" engine.
 *
 * Build: cc -O2 -o openssl_gost_speed openssl_gost_speed.c -lcrypto
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* ENGINE_* is deprecated in 3.0, still the gost engine's API */

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HASH_BUFFER (16 * 1024)
#define WARM_UP_OPS 3
#define DEFAULT_ENGINE_SO "/usr/lib/x86_64-linux-gnu/engines-3/gost.so"

struct param_set {
    const char *label;    /* as podpis prints it */
    int nid;              /* key algorithm */
    const char *paramset; /* gost engine's "paramset" ctrl value */
    size_t digest_len;
    double sign, verify;
    int selected;
};

#define SET(l, n, ps, d) {.label = (l), .nid = (n), .paramset = (ps), .digest_len = (d)}
static struct param_set SETS[] = {
    SET("256-A", NID_id_GostR3410_2012_256, "A", 32),
    SET("256-B", NID_id_GostR3410_2012_256, "B", 32),
    SET("256-C", NID_id_GostR3410_2012_256, "C", 32),
    SET("256-XA", NID_id_GostR3410_2012_256, "XA", 32),
    SET("256-XB", NID_id_GostR3410_2012_256, "XB", 32),
    SET("256-TCA", NID_id_GostR3410_2012_256, "TCA", 32),
    SET("256-TCB", NID_id_GostR3410_2012_256, "TCB", 32),
    SET("256-TCC", NID_id_GostR3410_2012_256, "TCC", 32),
    SET("256-TCD", NID_id_GostR3410_2012_256, "TCD", 32),
    SET("512-A", NID_id_GostR3410_2012_512, "A", 64),
    SET("512-B", NID_id_GostR3410_2012_512, "B", 64),
    SET("512-C", NID_id_GostR3410_2012_512, "C", 64),
};
#define N_SETS (sizeof(SETS) / sizeof(SETS[0]))

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "openssl_gost_speed: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ENGINE *load_gost_engine(void)
{
    ENGINE *e = ENGINE_by_id("gost");
    if (e == NULL) {
        const char *so = getenv("GOST_ENGINE_SO");
        ERR_clear_error();
        e = ENGINE_by_id("dynamic");
        if (e == NULL
            || !ENGINE_ctrl_cmd_string(e, "SO_PATH", so ? so : DEFAULT_ENGINE_SO, 0)
            || !ENGINE_ctrl_cmd_string(e, "ID", "gost", 0)
            || !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0))
            die("cannot load the gost engine (apt-get install libengine-gost-openssl)", NULL);
    }
    if (!ENGINE_init(e))
        die("ENGINE_init(gost) failed", NULL);
    if (!ENGINE_set_default(e, ENGINE_METHOD_ALL))
        die("ENGINE_set_default(gost) failed", NULL);
    return e;
}

static EVP_PKEY *generate_key(ENGINE *e, const struct param_set *p)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(p->nid, e);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0
        || EVP_PKEY_CTX_ctrl_str(ctx, "paramset", p->paramset) <= 0
        || EVP_PKEY_keygen(ctx, &key) <= 0)
        die("key generation failed", p->label);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static void sign_once(EVP_PKEY_CTX *ctx, const struct param_set *p, const unsigned char *dgst,
                      unsigned char *sig, size_t *siglen)
{
    *siglen = 2 * p->digest_len;
    if (EVP_PKEY_sign(ctx, sig, siglen, dgst, p->digest_len) <= 0)
        die("EVP_PKEY_sign failed", p->label);
}

static void verify_once(EVP_PKEY_CTX *ctx, const struct param_set *p, const unsigned char *dgst,
                        const unsigned char *sig, size_t siglen)
{
    if (EVP_PKEY_verify(ctx, sig, siglen, dgst, p->digest_len) != 1)
        die("EVP_PKEY_verify rejected a fresh signature", p->label);
}

static void measure_param_set(ENGINE *e, struct param_set *p, double seconds)
{
    unsigned char dgst[64], sig[128];
    size_t siglen;
    long count;
    double start, elapsed;
    EVP_PKEY *key = generate_key(e, p);
    EVP_PKEY_CTX *sctx = EVP_PKEY_CTX_new(key, e);
    EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(key, e);

    /* A fixed digest of the right width: the Streebog hash of "podpis speed". */
    {
        const EVP_MD *md = ENGINE_get_digest(e, p->digest_len == 32 ? NID_id_GostR3411_2012_256
                                                                    : NID_id_GostR3411_2012_512);
        unsigned int len = 0;
        if (md == NULL || !EVP_Digest("podpis speed", 12, dgst, &len, md, e) || len != p->digest_len)
            die("digest failed", p->label);
    }

    if (sctx == NULL || vctx == NULL || EVP_PKEY_sign_init(sctx) <= 0
        || EVP_PKEY_verify_init(vctx) <= 0)
        die("EVP_PKEY_CTX setup failed", p->label);

    /* Warm up and self-check. */
    sign_once(sctx, p, dgst, sig, &siglen);
    verify_once(vctx, p, dgst, sig, siglen);
    for (int i = 0; i < WARM_UP_OPS; i++) {
        unsigned char scratch[128];
        size_t scratch_len;
        sign_once(sctx, p, dgst, scratch, &scratch_len);
        verify_once(vctx, p, dgst, sig, siglen);
    }

    count = 0;
    start = now();
    do {
        unsigned char scratch[128];
        size_t scratch_len;
        sign_once(sctx, p, dgst, scratch, &scratch_len);
        count++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    p->sign = count / elapsed;

    count = 0;
    start = now();
    do {
        verify_once(vctx, p, dgst, sig, siglen);
        count++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    p->verify = count / elapsed;

    EVP_PKEY_CTX_free(sctx);
    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_free(key);
}

static double measure_hash(ENGINE *e, int nid, double seconds)
{
    static unsigned char buffer[HASH_BUFFER];
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int outlen;
    long count = 0;
    double start, elapsed;
    const EVP_MD *md = ENGINE_get_digest(e, nid);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (md == NULL || ctx == NULL)
        die("no Streebog digest in the gost engine", NULL);
    for (size_t i = 0; i < sizeof(buffer); i++)
        buffer[i] = (unsigned char)(i % 251);

    /* One full digest per buffer, reusing one context (as podpis does a
     * full digest per buffer). */
#define HASH_ONE()                                                                        \
    do {                                                                                  \
        if (!EVP_DigestInit_ex(ctx, md, e) || !EVP_DigestUpdate(ctx, buffer, sizeof(buffer)) \
            || !EVP_DigestFinal_ex(ctx, out, &outlen))                                    \
            die("Streebog digest failed", NULL);                                          \
    } while (0)

    for (int i = 0; i < WARM_UP_OPS; i++)
        HASH_ONE();
    start = now();
    do {
        HASH_ONE();
        count++;
        elapsed = now() - start;
    } while (elapsed < seconds);
#undef HASH_ONE

    EVP_MD_CTX_free(ctx);
    return count * (double)HASH_BUFFER / 1e6 / elapsed;
}

static void select_sets(const char *list)
{
    char *copy = strdup(list), *save = NULL;
    if (copy == NULL)
        die("out of memory", NULL);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < N_SETS; i++)
            if (strcasecmp(tok, SETS[i].label) == 0)
                break;
        if (i == N_SETS)
            die("unknown parameter set", tok);
        SETS[i].selected = 1;
    }
    free(copy);
}

static void print_object(const char *name, int verify)
{
    const char *sep = "";
    printf("\"%s\":{", name);
    for (size_t i = 0; i < N_SETS; i++) {
        if (!SETS[i].selected)
            continue;
        printf("%s\"%s\":%.1f", sep, SETS[i].label, verify ? SETS[i].verify : SETS[i].sign);
        sep = ",";
    }
    printf("}");
}

int main(int argc, char **argv)
{
    double seconds = 1.0, h256, h512;
    char *end = NULL;
    ENGINE *e;

    if (argc > 3 || (argc > 1 && strcmp(argv[1], "--help") == 0)) {
        fprintf(stderr, "usage: %s [SECONDS] [LABELS, e.g. 256-A,512-C]\n", argv[0]);
        return 2;
    }
    if (argc > 1) {
        seconds = strtod(argv[1], &end);
        if (end == argv[1] || *end != '\0' || !(seconds > 0 && seconds <= 3600)) {
            fprintf(stderr, "openssl_gost_speed: bad SECONDS: %s\n", argv[1]);
            return 2;
        }
    }
    if (argc > 2)
        select_sets(argv[2]);
    else
        for (size_t i = 0; i < N_SETS; i++)
            SETS[i].selected = 1;

    e = load_gost_engine();
    for (size_t i = 0; i < N_SETS; i++)
        if (SETS[i].selected)
            measure_param_set(e, &SETS[i], seconds);
    h256 = measure_hash(e, NID_id_GostR3411_2012_256, seconds);
    h512 = measure_hash(e, NID_id_GostR3411_2012_512, seconds);

    printf("{");
    print_object("sign", 0);
    printf(",");
    print_object("verify", 1);
    printf(",\"hash_mb_s\":{\"streebog256\":%.2f,\"streebog512\":%.2f}}\n", h256, h512);

    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
