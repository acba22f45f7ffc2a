/* Project pseudonyms for a whole column: HMAC-SHA256 of each value of an Arrow string column,
 * written as fixed-width hex. The Python reference is steward.dataplane.pseudonym.pseudonym; this
 * module only makes it fast (OpenSSL's SHA-256, from the padded keys' precomputed states, with the
 * GIL released so that several columns' chunks are keyed at once). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 but kept: they let a hash state be
 * copied by value, which is what makes one identifier cost two SHA-256 blocks. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#define BLOCK 64

static const char HEX[] = "0123456789abcdef";

static int64_t offset_at(const char *offsets, Py_ssize_t size, Py_ssize_t i) {
    if (size == 4) {
        int32_t value;
        memcpy(&value, offsets + i * 4, 4);
        return value;
    }
    int64_t value;
    memcpy(&value, offsets + i * 8, 8);
    return value;
}

PyDoc_STRVAR(hex_digests_doc,
    "hex_digests(ipad, opad, prefix, offsets, offset_size, data, out, width)\n\n"
    "For each value i of an Arrow string column (its offsets buffer, with offset_size bytes per\n"
    "offset, and its data buffer), write the first `width` hex digits of\n"
    "HMAC-SHA256(key, prefix + value) to out[i * width:(i + 1) * width]. `ipad` and `opad` are\n"
    "the key padded to 64 bytes and XORed with 0x36 and 0x5c (RFC 2104).");

static PyObject *hex_digests(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer ipad, opad, prefix, offsets, data, out;
    Py_ssize_t offset_size, width;
    if (!PyArg_ParseTuple(args, "y*y*y*y*ny*w*n", &ipad, &opad, &prefix, &offsets, &offset_size,
                          &data, &out, &width)) {
        return NULL;
    }
    PyObject *result = NULL;
    const char *problem = NULL;
    Py_ssize_t n = 0;
    if (ipad.len != BLOCK || opad.len != BLOCK) {
        problem = "the padded keys must be 64 bytes";
    } else if (offset_size != 4 && offset_size != 8) {
        problem = "offsets must be 4 or 8 bytes";
    } else if (offsets.len < offset_size || offsets.len % offset_size) {
        problem = "the offsets buffer does not hold whole offsets";
    } else if (width < 2 || width > 64 || width % 2) {
        problem = "width must be an even number of hex digits, at most 64";
    } else {
        n = offsets.len / offset_size - 1;
        if (out.len != n * width) {
            problem = "the output buffer must hold width bytes per value";
        }
    }
    if (problem == NULL) {
        const char *offs = (const char *)offsets.buf;
        const unsigned char *bytes = (const unsigned char *)data.buf;
        unsigned char *dest = (unsigned char *)out.buf;
        SHA256_CTX inner, outer, ctx;
        unsigned char digest[SHA256_DIGEST_LENGTH];
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        SHA256_Init(&inner);
        SHA256_Update(&inner, ipad.buf, BLOCK);
        SHA256_Update(&inner, prefix.buf, (size_t)prefix.len);
        SHA256_Init(&outer);
        SHA256_Update(&outer, opad.buf, BLOCK);
        int64_t start = offset_at(offs, offset_size, 0);
        for (Py_ssize_t i = 0; i < n; i++) {
            int64_t stop = offset_at(offs, offset_size, i + 1);
            if (start < 0 || stop < start || stop > data.len) {
                bad = 1;
                break;
            }
            ctx = inner;
            SHA256_Update(&ctx, bytes + start, (size_t)(stop - start));
            SHA256_Final(digest, &ctx);
            ctx = outer;
            SHA256_Update(&ctx, digest, SHA256_DIGEST_LENGTH);
            SHA256_Final(digest, &ctx);
            unsigned char *o = dest + i * width;
            for (Py_ssize_t j = 0; j < width / 2; j++) {
                o[2 * j] = (unsigned char)HEX[digest[j] >> 4];
                o[2 * j + 1] = (unsigned char)HEX[digest[j] & 15];
            }
            start = stop;
        }
        OPENSSL_cleanse(&inner, sizeof inner);
        OPENSSL_cleanse(&outer, sizeof outer);
        OPENSSL_cleanse(&ctx, sizeof ctx);
        OPENSSL_cleanse(digest, sizeof digest);
        Py_END_ALLOW_THREADS
        if (bad) {
            problem = "the offsets do not fit the data buffer";
        }
    }
    if (problem != NULL) {
        PyErr_SetString(PyExc_ValueError, problem);
    } else {
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&ipad);
    PyBuffer_Release(&opad);
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"hex_digests", hex_digests, METH_VARARGS, hex_digests_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hmac", "Keyed pseudonyms for whole Arrow columns.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hmac(void) { return PyModule_Create(&module); }
