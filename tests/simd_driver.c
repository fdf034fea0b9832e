/* The simd rungs' vector bodies outside Python, for tests/test_simd_cross.py.
 *
 * The wheels for arm64 run the NEON bodies, which a test suite on x86-64 never
 * executes. This program drives each kernel's vector body (kernels/simd/) the
 * way its .pyx does, on one path named on the command line, and prints the
 * program's result; the test compiles it for this machine (every x86-64 path
 * the CPU has) and for AArch64 (run under qemu-aarch64), and compares every
 * result with the native rung of the installed extension, byte for byte.
 *
 *   simd_driver PATH chacha20 COUNTER     < key(32) nonce(12) data   -> data XOR keystream
 *   simd_driver PATH mandelbrot N                                     -> the PBM image
 *   simd_driver PATH nbody STEPS          < 35 little-endian doubles  -> "%a %a" energies
 *   simd_driver PATH nbody-bodies STEPS   < systems of 35 doubles  -> per system, a line of
 *                                           each body's x y z vx vy vz after the steps ("%a")
 *   simd_driver PATH spectralnorm N                                   -> "%a" the norm
 *   simd_driver PATH spectralnorm-entries N   -> "%a" per line: columns 0 and N-1 of A, then of Aᵀ
 *   simd_driver PATH fannkuchredux N                                  -> "checksum max_flips"
 *   simd_driver PATH revcomp PIECE_BYTES  < table(256) letters(32) FASTA -> the output
 *   simd_driver PATH revcomp-swap BASES   < table(256) letters(32) one record's sequence
 *                                           in fasta's shape -> it reversed in place
 *
 * PATH is sse2, avx2, avx512 (x86-64) or neon (AArch64). Exit status 2: bad
 * arguments or a path this build or CPU does not have; 1: out of memory.
 * The glue repeats the .pyx's (same constants, same calls); the bodies, the C
 * references it borrows (energy, start of a permutation, scalar ChaCha20 tail)
 * and the flags (-O3 -ffp-contract=off) are the build's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_simd.h"
#include "c/chacha20.h"
#include "c/fannkuchredux.h"
#include "c/nbody.h"
#include "c/spectralnorm.h"
#include "simd/chacha20.h"
#include "simd/fannkuchredux.h"
#include "simd/mandelbrot.h"
#include "simd/nbody.h"
#include "simd/revcomp.h"
#include "simd/spectralnorm.h"

static void *need(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "simd_driver: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* All of standard input. */
static unsigned char *read_all(size_t *size)
{
    size_t capacity = 1 << 16, n = 0, got;
    unsigned char *buf = need(capacity);
    while ((got = fread(buf + n, 1, capacity - n, stdin)) > 0) {
        n += got;
        if (n == capacity) {
            unsigned char *bigger = realloc(buf, capacity *= 2);
            if (bigger == NULL) {
                fprintf(stderr, "simd_driver: out of memory\n");
                exit(1);
            }
            buf = bigger;
        }
    }
    *size = n;
    return buf;
}

static uint32_t load32_le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* chacha20.pyx's encrypt_simd: whole groups of blocks by the body, the rest by C. */
static int run_chacha20(int path, uint32_t counter)
{
    size_t size, n, blocks;
    unsigned char *in = read_all(&size), *out;
    uint32_t state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    chacha20_simd_fn simd = chacha20_simd(path);
    int i;
    if (size < 44)
        return 2;
    for (i = 0; i < 8; i++)
        state[4 + i] = load32_le(in + 4 * i);
    state[12] = counter;
    for (i = 0; i < 3; i++)
        state[13 + i] = load32_le(in + 32 + 4 * i);
    n = size - 44;
    out = need(n);
    blocks = simd(state, in + 44, out, n / 64);
    state[12] += (uint32_t)blocks;
    chacha20_c_xor(state, in + 44 + 64 * blocks, out + 64 * blocks, n - 64 * blocks);
    fwrite(out, 1, n, stdout);
    return 0;
}

/* mandelbrot.pyx's render with the simd engine: padded columns, 50 iterations, |z|^2 > 4. */
static int run_mandelbrot(int path, int n)
{
    mandelbrot_simd_row_fn row = mandelbrot_simd_row(path);
    size_t padded = ((size_t)n + MANDELBROT_SIMD_MAX_PIXELS - 1) / MANDELBROT_SIMD_MAX_PIXELS
                    * MANDELBROT_SIMD_MAX_PIXELS;
    int row_bytes = (n + 7) / 8, x, y;
    double *cr = need(padded * sizeof(double));
    unsigned char *bits = need((size_t)row_bytes);
    for (x = 0; x < (int)padded; x++)
        cr[x] = x < n ? 2.0 * x / n - 1.5 : 4.0;
    printf("P4\n%d %d\n", n, n);
    for (y = 0; y < n; y++) {
        row(cr, 2.0 * y / n - 1.0, 50, 4.0, bits, row_bytes);
        fwrite(bits, 1, (size_t)row_bytes, stdout);
    }
    return 0;
}

/* nbody.pyx's energies_simd, from the bodies given (x, y, z, vx, vy, vz, mass each). */
static int run_nbody(int path, long steps)
{
    size_t size;
    unsigned char *in = read_all(&size);
    nbody_c_body bodies[NBODY_C_BODIES];
    double before, after;
    if (size != sizeof(bodies))
        return 2;
    memcpy(bodies, in, sizeof(bodies));  /* little-endian doubles on both sides */
    before = nbody_c_energy(bodies);
    nbody_simd_advance(path)(bodies, steps, 0.01);
    after = nbody_c_energy(bodies);
    printf("%a %a\n", before, after);
    return 0;
}

/* Many systems, each advanced on its own: the bodies afterwards, not the energies. */
static int run_nbody_bodies(int path, long steps)
{
    size_t size, at;
    unsigned char *in = read_all(&size);
    nbody_c_body bodies[NBODY_C_BODIES];
    int i;
    if (size % sizeof(bodies) != 0)
        return 2;
    for (at = 0; at < size; at += sizeof(bodies)) {
        memcpy(bodies, in + at, sizeof(bodies));
        nbody_simd_advance(path)(bodies, steps, 0.01);
        for (i = 0; i < NBODY_C_BODIES; i++)
            printf("%a %a %a %a %a %a%c", bodies[i].x, bodies[i].y, bodies[i].z, bodies[i].vx,
                   bodies[i].vy, bodies[i].vz, i + 1 < NBODY_C_BODIES ? ' ' : '\n');
    }
    return 0;
}

/* spectralnorm.pyx's power_method: ten rounds of v = AtA u, u = AtA v from u = 1. */
static int run_spectralnorm(int path, long long n)
{
    spectralnorm_simd_rows_fn rows = spectralnorm_simd_rows(path);
    double *u = need((size_t)n * sizeof(double)), *v = need((size_t)n * sizeof(double));
    double *w = need((size_t)n * sizeof(double));
    long long i;
    int r;
    for (i = 0; i < n; i++)
        u[i] = 1.0;
    for (r = 0; r < 10; r++) {
        rows(u, w, n, 0, n, 0);
        rows(w, v, n, 0, n, 1);
        rows(v, w, n, 0, n, 0);
        rows(w, u, n, 0, n, 1);
    }
    printf("%a\n", spectralnorm_c_result(u, v, n));
    return 0;
}

/* Single entries of A, each one reciprocal of the vector path: the rows of A·u
 * and Aᵀ·u for u a unit vector (every other term is 0 * A(i, j), so each sum
 * is the one entry exactly), columns 0 and n-1. */
static int run_spectralnorm_entries(int path, long long n)
{
    spectralnorm_simd_rows_fn rows = spectralnorm_simd_rows(path);
    double *u = need((size_t)n * sizeof(double)), *v = need((size_t)n * sizeof(double));
    long long i, column;
    int transpose, c;
    for (transpose = 0; transpose < 2; transpose++)
        for (c = 0; c < 2; c++) {
            column = c ? n - 1 : 0;
            for (i = 0; i < n; i++)
                u[i] = i == column ? 1.0 : 0.0;
            rows(u, v, n, 0, n, transpose);
            for (i = 0; i < n; i++)
                printf("%a\n", v[i]);
        }
    return 0;
}

/* fannkuchredux.pyx's run_simd over all n! permutations: lanes start at
 * multiples of the 7! sub-block (n! itself below 7), idle lanes all zero. */
static int run_fannkuchredux(int path, int n)
{
    fannkuchredux_simd_fn group = fannkuchredux_simd_group(path);
    int lanes = fannkuchredux_simd_lanes(path), m = n < 7 ? n : 7, max_flips = 0, lane, i;
    long long total = 1, sub = 1, lo, checksum = 0;
    unsigned char perms[FANNKUCHREDUX_SIMD_MAX_LANES * 16];
    fannkuchredux_c_state s;
    if (n < 1 || n > 16)
        return 2;
    for (i = 2; i <= n; i++)
        total *= i;
    for (i = 2; i <= m; i++)
        sub *= i;
    for (lo = 0; lo < total; lo += (long long)lanes * sub) {
        memset(perms, 0, sizeof(perms));
        for (lane = 0; lane < lanes && lo + lane * sub < total; lane++) {
            fannkuchredux_c_start(&s, n, lo + lane * sub);
            for (i = 0; i < 16; i++)
                perms[16 * lane + i] = (unsigned char)(i < n ? s.perm[i] : i);
        }
        group(perms, m, &checksum, &max_flips);
    }
    printf("%lld %d\n", checksum, max_flips);
    return 0;
}

/* revcomp.pyx's in-place simd rung on one record's sequence (lines of 60 bases,
 * the last of 1 to 60, each ended by a newline): swaps in runs of `bases` front
 * bases up to the middle, then the middle base of an odd length. */
static int run_revcomp_swap(int path, size_t bases)
{
    revcomp_simd_swap_fn swap = revcomp_simd_swap(path);
    revcomp_simd_newlines_fn newlines = revcomp_simd_newlines(path);
    size_t size, n, length, lo, m;
    unsigned char *in = read_all(&size), *d;
    if (size < 288 || bases == 0)
        return 2;
    d = in + 288;
    n = size - 288;
    length = n - newlines(d, n);
    for (lo = 0; lo < length / 2; lo += bases)
        swap(d, length, lo, lo + bases < length / 2 ? lo + bases : length / 2, in + 256, in);
    m = length / 2;
    if (length % 2)
        d[m + m / 60] = in[d[m + m / 60]];
    fwrite(d, 1, n, stdout);
    return 0;
}

/* revcomp.pyx's simd rung: records at offset 0 and at every '>' that opens a
 * line, each cut into pieces of at most `piece_bytes` input bytes (any cut
 * gives the same bytes), each piece written by the body straight to its place. */
static int run_revcomp(int path, size_t piece_bytes)
{
    revcomp_simd_piece_fn piece = revcomp_simd_piece(path);
    revcomp_simd_newlines_fn newlines = revcomp_simd_newlines(path);
    size_t size, n, start = 0, out_size = 0, pass;
    unsigned char *in = read_all(&size), *d, *out = NULL;
    const unsigned char *table = in, *letters = in + 256;
    if (size < 288 || piece_bytes == 0)
        return 2;
    d = in + 288;
    n = size - 288;
    /* Pass 0 sizes the output, pass 1 writes it: the .pyx's scan, then its pieces. */
    for (pass = 0; pass < 2; pass++) {
        size_t at_out = 0;
        start = 0;
        while (start < n) {
            const unsigned char *nl = memchr(d + start, '\n', n - start);
            size_t body = nl ? (size_t)(nl - d) + 1 : n, end = body, header_len, length = 0, at, cut;
            while (end < n && !(d[end] == '>' && d[end - 1] == '\n'))
                end++;
            header_len = nl ? body - start - 1 : n - start;
            for (at = body; at < end; at += cut) {
                cut = end - at < piece_bytes ? end - at : piece_bytes;
                length += cut - newlines(d + at, cut);
            }
            if (pass == 1) {
                size_t p = 0;
                memcpy(out + at_out, d + start, header_len);
                out[at_out + header_len] = '\n';
                for (at = body; at < end; at += cut) {
                    int opens; /* the .pyx's check of its predicted pieces: not used here */
                    cut = end - at < piece_bytes ? end - at : piece_bytes;
                    piece(out + at_out + header_len + 1, length, d + at, cut, p, letters, table, &opens);
                    p += cut - newlines(d + at, cut);
                }
            }
            at_out += header_len + 1 + length + (length + 59) / 60;
            start = end;
        }
        if (pass == 0) {
            out_size = at_out;
            out = need(out_size);
        }
    }
    fwrite(out, 1, out_size, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"scalar", "sse2", "avx2", "avx512", "neon"};
    int path = -1, i;
    if (argc != 4) {
        fprintf(stderr, "usage: simd_driver PATH KERNEL ARG\n");
        return 2;
    }
    for (i = 1; i < 5; i++)
        if (strcmp(argv[1], names[i]) == 0)
            path = i;
    if (path < 0 || !(sl_simd_built() & sl_simd_supported() & (1u << path))) {
        fprintf(stderr, "simd_driver: path %s is not in this build or CPU\n", argv[1]);
        return 2;
    }
    if (strcmp(argv[2], "chacha20") == 0)
        return run_chacha20(path, (uint32_t)strtoul(argv[3], NULL, 10));
    if (strcmp(argv[2], "mandelbrot") == 0)
        return run_mandelbrot(path, atoi(argv[3]));
    if (strcmp(argv[2], "nbody") == 0)
        return run_nbody(path, atol(argv[3]));
    if (strcmp(argv[2], "nbody-bodies") == 0)
        return run_nbody_bodies(path, atol(argv[3]));
    if (strcmp(argv[2], "spectralnorm") == 0)
        return run_spectralnorm(path, atoll(argv[3]));
    if (strcmp(argv[2], "spectralnorm-entries") == 0)
        return run_spectralnorm_entries(path, atoll(argv[3]));
    if (strcmp(argv[2], "fannkuchredux") == 0)
        return run_fannkuchredux(path, atoi(argv[3]));
    if (strcmp(argv[2], "revcomp") == 0)
        return run_revcomp(path, (size_t)strtoull(argv[3], NULL, 10));
    if (strcmp(argv[2], "revcomp-swap") == 0)
        return run_revcomp_swap(path, (size_t)strtoull(argv[3], NULL, 10));
    fprintf(stderr, "simd_driver: unknown kernel %s\n", argv[2]);
    return 2;
}
