#ifndef STREAMPROC_CLIBRDKAFKA_SHIM_H
#define STREAMPROC_CLIBRDKAFKA_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/*
 * Helpers for librdkafka macros that Swift cannot import (the RD_KAFKA_V_*
 * varargs of rd_kafka_producev and a few #define constants).
 */

/** RD_KAFKA_PARTITION_UA (-1): let the partitioner choose. */
static inline int32_t sp_rdk_partition_ua(void) { return RD_KAFKA_PARTITION_UA; }
/** RD_KAFKA_OFFSET_INVALID (-1001). */
static inline int64_t sp_rdk_offset_invalid(void) { return RD_KAFKA_OFFSET_INVALID; }

/**
 * Produces one message (payload and key are copied: RD_KAFKA_MSG_F_COPY).
 * `key` may be NULL (no key). `headers` may be NULL; on success librdkafka takes
 * ownership of `headers`, on failure the caller still owns them and must destroy
 * them. `timestamp_ms` 0 means "now". `msg_opaque` is handed back in the
 * delivery report (rd_kafka_message_t._private).
 */
static inline rd_kafka_resp_err_t sp_rdk_produce(rd_kafka_t *rk, const char *topic,
                                                int32_t partition,
                                                const void *key, size_t key_len,
                                                const void *value, size_t value_len,
                                                rd_kafka_headers_t *headers,
                                                int64_t timestamp_ms,
                                                void *msg_opaque) {
    rd_kafka_vu_t vus[8];
    size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC; vus[n].u.cstr = topic; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = partition; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE; vus[n].u.mem.ptr = (void *)value; vus[n].u.mem.size = value_len; n++;
    if (key) { vus[n].vtype = RD_KAFKA_VTYPE_KEY; vus[n].u.mem.ptr = (void *)key; vus[n].u.mem.size = key_len; n++; }
    if (headers) { vus[n].vtype = RD_KAFKA_VTYPE_HEADERS; vus[n].u.headers = headers; n++; }
    if (timestamp_ms) { vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP; vus[n].u.i64 = timestamp_ms; n++; }
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = msg_opaque; n++;
    rd_kafka_error_t *error = rd_kafka_produceva(rk, vus, n);
    if (!error) return RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    return code;
}

#endif
