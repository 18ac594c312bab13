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
#endif

/* load generator signing (Sources/StreamProc/Load/LoadSigner.swift) */
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
