#ifndef STREAMPROC_CLIBCRYPTO_SHIM_H
#define STREAMPROC_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/obj_mac.h>
#include <string.h>

/*
 * Helpers for OpenSSL 3.0 APIs that need OSSL_PARAM arrays or string macros
 * (OSSL_PKEY_PARAM_*), which do not import into Swift.
 * Owner: Sources/StreamProc/Verification/.
 */

/// Builds an SM2 public EVP_PKEY (curve sm2p256v1) from an uncompressed
/// SEC1 point `04||X||Y` (65 bytes). Returns NULL when the bytes are not a
/// point on the curve (OpenSSL checks it on import) or the public-key check fails.
static inline EVP_PKEY *streamproc_sm2_public_key(const unsigned char *point, size_t len) {
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    /* Explicit public-key validation (point on curve, not infinity, order). */
    EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = check != NULL && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!ok) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return NULL;
    }
    return pkey;
}

/// Generates a fresh SM2 key pair. NULL on failure.
static inline EVP_PKEY *streamproc_sm2_generate(void) {
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_generate(ctx, &pkey) <= 0) {
        pkey = NULL;
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/// Writes the uncompressed public point (65 bytes) of an EC/SM2 key into `out`.
/// Returns the number of bytes written, 0 on failure.
static inline size_t streamproc_ec_public_point(const EVP_PKEY *pkey, unsigned char *out, size_t cap) {
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, out, cap, &len) != 1) {
        ERR_clear_error();
        return 0;
    }
    return len;
}

/// A fetched SM3 implementation (fetch once, reuse; EVP_sm3() would re-fetch per init).
static inline EVP_MD *streamproc_fetch_sm3(void) {
    return EVP_MD_fetch(NULL, "SM3", NULL);
}

/// A verify context for `pkey` ready for repeated EVP_PKEY_verify calls on digests.
static inline EVP_PKEY_CTX *streamproc_verify_ctx(EVP_PKEY *pkey) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_verify_init(ctx) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

/// A sign context for `pkey` ready for EVP_PKEY_sign calls on digests.
static inline EVP_PKEY_CTX *streamproc_sign_ctx(EVP_PKEY *pkey) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_sign_init(ctx) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

/// SM3(a || b) with a reusable EVP_MD_CTX into out (32 bytes). Returns 1 on success.
static inline int streamproc_sm3_2(EVP_MD_CTX *mctx, const EVP_MD *sm3,
                                   const unsigned char *a, size_t alen,
                                   const unsigned char *b, size_t blen,
                                   unsigned char *out) {
    unsigned int outlen = 0;
    if (EVP_DigestInit_ex(mctx, sm3, NULL) != 1) return 0;
    if (alen > 0 && EVP_DigestUpdate(mctx, a, alen) != 1) return 0;
    if (blen > 0 && EVP_DigestUpdate(mctx, b, blen) != 1) return 0;
    if (EVP_DigestFinal_ex(mctx, out, &outlen) != 1) return 0;
    return outlen == 32;
}

/// Ed25519 public-key validity (RFC 8032 §5.1.3 decoding): y < p, x^2 = (y^2-1)/(d*y^2+1)
/// has a square root mod p, and not (x == 0 with sign bit 1). Returns 1 when the 32 bytes
/// decode to a curve point, 0 otherwise.
static inline int streamproc_ed25519_point_valid(const unsigned char *pk32) {
    static const char *P_HEX = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
    static const char *D_HEX = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
    unsigned char be[32];
    for (int i = 0; i < 32; i++) be[i] = pk32[31 - i];
    int sign = (be[0] >> 7) & 1;
    be[0] &= 0x7f;
    int ok = 0;
    BN_CTX *bctx = BN_CTX_new();
    BIGNUM *p = NULL, *d = NULL, *y = NULL, *u = NULL, *v = NULL, *x = NULL;
    if (bctx == NULL) return 0;
    BN_CTX_start(bctx);
    p = BN_CTX_get(bctx); d = BN_CTX_get(bctx); y = BN_CTX_get(bctx);
    u = BN_CTX_get(bctx); v = BN_CTX_get(bctx); x = BN_CTX_get(bctx);
    if (x == NULL) goto done;
    if (!BN_hex2bn(&p, P_HEX) || !BN_hex2bn(&d, D_HEX)) goto done;
    if (BN_bin2bn(be, 32, y) == NULL) goto done;
    if (BN_cmp(y, p) >= 0) goto done;                       /* non-canonical y */
    if (!BN_mod_sqr(u, y, p, bctx)) goto done;              /* u = y^2 */
    if (!BN_mod_mul(v, u, d, p, bctx)) goto done;           /* v = d*y^2 */
    if (!BN_add_word(v, 1)) goto done;                      /* v = d*y^2 + 1 */
    if (!BN_mod(v, v, p, bctx)) goto done;
    if (!BN_sub_word(u, 1)) goto done;                      /* u = y^2 - 1 */
    if (BN_is_negative(u) && !BN_add(u, u, p)) goto done;
    if (BN_mod_inverse(v, v, p, bctx) == NULL) goto done;
    if (!BN_mod_mul(u, u, v, p, bctx)) goto done;           /* x^2 */
    if (BN_is_zero(u)) { ok = sign == 0; goto done; }
    if (BN_mod_sqrt(x, u, p, bctx) == NULL) goto done;      /* not a square: off curve */
    ok = 1;
done:
    BN_CTX_end(bctx);
    BN_CTX_free(bctx);
    ERR_clear_error();
    return ok;
}

#endif

/* load generator signing (Sources/StreamProc/Load/TestSigner.swift) */
#ifndef STREAMPROC_LOAD_SIGNING_SHIM
#define STREAMPROC_LOAD_SIGNING_SHIM
#include <openssl/param_build.h>
/* Builds an SM2 (sm2p256v1) key pair from a 32-byte big-endian private scalar d
   (caller ensures 1 <= d <= n-2) and writes the uncompressed public point 04||X||Y
   (65 bytes) to pub65. Returns NULL on failure; free with EVP_PKEY_free. */
static inline EVP_PKEY *streamproc_load_sm2_keypair(const unsigned char *d32, unsigned char *pub65) {
    EVP_PKEY *pkey = NULL; EVP_PKEY_CTX *kctx = NULL; OSSL_PARAM_BLD *bld = NULL; OSSL_PARAM *params = NULL;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_sm2);
    BIGNUM *d = BN_bin2bn(d32, 32, NULL);
    EC_POINT *q = group ? EC_POINT_new(group) : NULL;
    if (!group || !d || !q || !EC_POINT_mul(group, q, d, NULL, NULL, NULL)) goto done;
    if (EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub65, 65, NULL) != 65) goto done;
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)
        || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub65, 65)) goto done;
    params = OSSL_PARAM_BLD_to_param(bld);
    kctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (!params || !kctx || EVP_PKEY_fromdata_init(kctx) <= 0
        || EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0) { pkey = NULL; goto done; }
done:
    EVP_PKEY_CTX_free(kctx); OSSL_PARAM_free(params); OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(q); BN_clear_free(d); EC_GROUP_free(group);
    return pkey;
}
#endif
/* end load generator signing */
