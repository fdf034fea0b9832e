/* The simd rung's n-body steps, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * A body's position and velocity are each one vector (x, y, z, 0) of 4
 * doubles -- two vectors, (x, y) and (z, 0), on the 16-byte paths -- so one
 * pair's velocity update is 2 vector multiplies and 2 vector adds instead of
 * 12 scalar operations. The ten pairs' separations are transposed by shuffles
 * into vectors of dx, dy and dz over NB_LANES pairs, so the squares, the
 * square root and the division of the magnitudes run NB_LANES pairs per
 * instruction.
 *
 * Every lane does the native rung's operations in its order -- d2 = dx*dx +
 * dy*dy + dz*dz; mag = dt / (d2 * sqrt(d2)); v_i -= d * (m_j * mag);
 * v_j += d * (m_i * mag) over the pairs (0,1), (0,2) ... (3,4); then
 * r += dt * v -- with no FMA (-ffp-contract=off), so the SSE2, AVX2 and NEON
 * paths give native's bits. AVX-512 computes mag without the divider (see
 * nb_mag): within a few ulps of native's, not its bits. The unused fourth
 * lane holds 0 and stays 0.
 *
 * AVX-512 compiles the 4-lane shape too (with its 32 registers): three
 * coordinates fill 4 lanes, ten pairs fill 3 groups of 4, and a step is bound
 * by its chain of dependent operations (separation, magnitude, velocity,
 * position), not by how many operations run side by side, so 8-lane vectors,
 * half of them padding, would gain nothing.
 */
#define NB_LANES (SL_VBYTES >= 32 ? 4 : 2)
/* Vectors per body vector (x, y, z, 0): 1 of 4 lanes, or 2 of 2. */
#define NB_PARTS (4 / NB_LANES)
/* Groups of NB_LANES pairs: 3 (the last padded with 2 dummy pairs) or 5. */
#define NB_GROUPS ((NBODY_C_PAIRS + NB_LANES - 1) / NB_LANES)

typedef double SL_FN(nb_vd) __attribute__((vector_size(NB_LANES * 8)));
typedef long long SL_FN(nb_vi) __attribute__((vector_size(NB_LANES * 8)));

/* NB_PICK(a, b, i...): lanes i... of the concatenation a ++ b. clang (and GCC
 * >= 12) spell it __builtin_shufflevector, older GCC __builtin_shuffle with
 * the indices in a vector. (Building the vectors lane by lane instead, as
 * (vd){q0[0], q1[0], ...}, also works everywhere but measured 5% slower on
 * AVX2.) */
#if defined(__has_builtin)
#  if __has_builtin(__builtin_shufflevector)
#    define NB_PICK(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#  endif
#endif
#ifndef NB_PICK
#  define NB_PICK(a, b, ...) __builtin_shuffle(a, b, (SL_FN(nb_vi)){__VA_ARGS__})
#endif

/* Square root of each lane. A lane loop rather than an intrinsic, so the same
 * source serves every instruction set: with -fno-math-errno (the build's flag)
 * GCC and clang compile it to one vector square root (sqrtpd, vsqrtpd, fsqrt);
 * it is correctly rounded either way. */
static inline SL_FN(nb_vd) SL_FN(nb_sqrt)(SL_FN(nb_vd) x)
{
    SL_FN(nb_vd) r;
    int l;
    for (l = 0; l < NB_LANES; l++)
        r[l] = __builtin_sqrt(x[l]);
    return r;
}

/* dt / (d2 * sqrt(d2)) in every lane.
 *
 * AVX-512: a step is one chain of dependent operations, and the square root
 * and the division are its longest links (taken out, the step ran 1.74x and
 * 1.89x native's speed, where this path ran 1.33x with them). So the divider
 * is left out: y = a 14-bit estimate of 1/sqrt(d2) (vrsqrt14pd), e = 1 - d2*y*y
 * (|e| < 2^-13, one fused multiply-add), and mag = dt*y^3 * (1 - e)^(-3/2),
 * the series 1 + 3/2 e + 15/8 e^2 + 35/16 e^3 (the next term, 315/128 e^4, is
 * below 2.5 * 2^-52), in two levels of multiply-adds. Measured against the
 * exact value over 2*10^7 values of d2 from 2^-20 to 2^20: at most 5 ulps off,
 * 0.47 on average (native's division: at most 2, 0.36); a step takes 1.6 times
 * fewer cycles than native's. The estimate's bits are the CPU's own (the
 * instruction promises only its error bound), so this path's last bits may
 * differ between CPU makers; the printed digits do not. Other paths: native's
 * operations, native's bits. */
static inline SL_FN(nb_vd) SL_FN(nb_mag)(SL_FN(nb_vd) d2, SL_FN(nb_vd) vdt)
{
#if defined(SL_SIMD_X86) && SL_VBYTES == 64
    /* 4 lanes: 256-bit instructions of AVX-512VL (their multiply-adds are
     * AVX-512's, which is why they are the masked forms, all lanes set). */
    const __m256d x = (__m256d)d2, one = _mm256_set1_pd(1.0);
    __m256d y = _mm256_rsqrt14_pd(x), y2 = _mm256_mul_pd(y, y);
    __m256d dty3 = _mm256_mul_pd(_mm256_mul_pd((__m256d)vdt, y), y2);
    __m256d e = _mm256_mask_fnmadd_pd(x, 0xF, y2, one), e2 = _mm256_mul_pd(e, e);
    __m256d low = _mm256_mask_fmadd_pd(e, 0xF, _mm256_set1_pd(1.5), one);
    __m256d high = _mm256_mask_fmadd_pd(e, 0xF, _mm256_set1_pd(35.0 / 16), _mm256_set1_pd(15.0 / 8));
    return (SL_FN(nb_vd))_mm256_mul_pd(dty3, _mm256_mask_fmadd_pd(e2, 0xF, high, low));
#else
    return vdt / (d2 * SL_FN(nb_sqrt)(d2));
#endif
}

/* Advance the five bodies `steps` steps of `dt`, in place (the layout of the
 * c rung's struct, which the .pyx owns): loads them into vectors, steps, and
 * stores them back. */
static void SL_FN(nbody_advance)(nbody_c_body *b, long steps, double dt)
{
    typedef SL_FN(nb_vd) vd;
    /* The pairs in the native rung's order: (0,1), (0,2) ... (3,4). */
    static const int first[NBODY_C_PAIRS] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 3};
    static const int second[NBODY_C_PAIRS] = {1, 2, 3, 4, 2, 3, 4, 3, 4, 4};
    vd r[NBODY_C_BODIES][NB_PARTS], v[NBODY_C_BODIES][NB_PARTS];
    vd m_first[NB_GROUPS], m_second[NB_GROUPS];  /* each pair's two masses */
    const vd vdt = (vd){0} + dt;
    long s;
    int i, k, g, p;

    for (i = 0; i < NBODY_C_BODIES; i++) {
        double pos[4] = {b[i].x, b[i].y, b[i].z, 0.0};
        double vel[4] = {b[i].vx, b[i].vy, b[i].vz, 0.0};
        for (p = 0; p < NB_PARTS; p++) {
            __builtin_memcpy(&r[i][p], pos + p * NB_LANES, sizeof(vd));
            __builtin_memcpy(&v[i][p], vel + p * NB_LANES, sizeof(vd));
        }
    }
    for (k = 0; k < NB_GROUPS * NB_LANES; k++) {
        m_first[k / NB_LANES][k % NB_LANES] = k < NBODY_C_PAIRS ? b[first[k]].mass : 0.0;
        m_second[k / NB_LANES][k % NB_LANES] = k < NBODY_C_PAIRS ? b[second[k]].mass : 0.0;
    }

    for (s = 0; s < steps; s++) {
        /* Separations, padded with dummy pairs of separation (1, 0, 0). */
        vd d[NB_GROUPS * NB_LANES][NB_PARTS];
        vd mag_first[NB_GROUPS], mag_second[NB_GROUPS];
        for (k = 0; k < NBODY_C_PAIRS; k++)
            for (p = 0; p < NB_PARTS; p++)
                d[k][p] = r[first[k]][p] - r[second[k]][p];
        for (; k < NB_GROUPS * NB_LANES; k++) {
            for (p = 0; p < NB_PARTS; p++)
                d[k][p] = (vd){0};
            d[k][0][0] = 1.0;
        }

        for (g = 0; g < NB_GROUPS; g++) {
            vd dx, dy, dz;
#if NB_LANES == 4
            /* 4 x (x, y, z, 0) -> (x0 x1 x2 x3), (y0 ...), (z0 ...). */
            const vd *q = &d[4 * g][0];
            vd xy01 = NB_PICK(q[0], q[1], 0, 4, 1, 5);  /* x0 x1 y0 y1 */
            vd xy23 = NB_PICK(q[2], q[3], 0, 4, 1, 5);  /* x2 x3 y2 y3 */
            vd z01 = NB_PICK(q[0], q[1], 2, 6, 3, 7);   /* z0 z1 0 0 */
            vd z23 = NB_PICK(q[2], q[3], 2, 6, 3, 7);   /* z2 z3 0 0 */
            dx = NB_PICK(xy01, xy23, 0, 1, 4, 5);
            dy = NB_PICK(xy01, xy23, 2, 3, 6, 7);
            dz = NB_PICK(z01, z23, 0, 1, 4, 5);
#else
            /* 2 x ((x, y), (z, 0)) -> (x0 x1), (y0 y1), (z0 z1). */
            dx = NB_PICK(d[2 * g][0], d[2 * g + 1][0], 0, 2);
            dy = NB_PICK(d[2 * g][0], d[2 * g + 1][0], 1, 3);
            dz = NB_PICK(d[2 * g][1], d[2 * g + 1][1], 0, 2);
#endif
            vd d2 = dx * dx + dy * dy + dz * dz;
            vd mag = SL_FN(nb_mag)(d2, vdt);
            mag_second[g] = m_second[g] * mag;  /* m_j * mag, for body i */
            mag_first[g] = m_first[g] * mag;    /* m_i * mag, for body j */
        }

        for (k = 0; k < NBODY_C_PAIRS; k++) {
            double mj_mag = mag_second[k / NB_LANES][k % NB_LANES];
            double mi_mag = mag_first[k / NB_LANES][k % NB_LANES];
            for (p = 0; p < NB_PARTS; p++) {
                v[first[k]][p] -= d[k][p] * mj_mag;
                v[second[k]][p] += d[k][p] * mi_mag;
            }
        }
        for (i = 0; i < NBODY_C_BODIES; i++)
            for (p = 0; p < NB_PARTS; p++)
                r[i][p] += vdt * v[i][p];
    }

    for (i = 0; i < NBODY_C_BODIES; i++) {
        double pos[4], vel[4];
        for (p = 0; p < NB_PARTS; p++) {
            __builtin_memcpy(pos + p * NB_LANES, &r[i][p], sizeof(vd));
            __builtin_memcpy(vel + p * NB_LANES, &v[i][p], sizeof(vd));
        }
        b[i].x = pos[0];
        b[i].y = pos[1];
        b[i].z = pos[2];
        b[i].vx = vel[0];
        b[i].vy = vel[1];
        b[i].vz = vel[2];
    }
}

#undef NB_LANES
#undef NB_PARTS
#undef NB_GROUPS
#undef NB_PICK
