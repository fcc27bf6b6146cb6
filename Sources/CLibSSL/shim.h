#ifndef AEGIS_CLIBSSL_SHIM_H
#define AEGIS_CLIBSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

/* The OpenSSL calls below are macros over SSL_CTX_ctrl/SSL_ctrl, which Swift cannot import. */

static inline int aegis_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int aegis_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline uint64_t aegis_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options) {
    return (uint64_t)SSL_CTX_set_options(ctx, options);
}

static inline uint64_t aegis_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return (uint64_t)SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline int aegis_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }

#endif
