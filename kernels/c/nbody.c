/* Hand-written C n-body (the `c` rung). See nbody.h. */
#include <math.h>

#include "nbody.h"

double nbody_c_energy(const nbody_c_body *b)
{
    double e = 0.0;
    for (int i = 0; i < NBODY_C_BODIES; i++)
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int i = 0; i < NBODY_C_BODIES; i++) {
        for (int j = i + 1; j < NBODY_C_BODIES; j++) {
            double dx = b[i].x - b[j].x;
            double dy = b[i].y - b[j].y;
            double dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

/* Each step runs in three passes: the ten pair separations, then the ten
 * magnitudes (independent, so the compiler vectorises the sqrt and division),
 * then the velocity updates in the same pair order as every other rung. */
void nbody_c_advance(nbody_c_body *b, long steps, double dt)
{
    double dx[NBODY_C_PAIRS], dy[NBODY_C_PAIRS], dz[NBODY_C_PAIRS], mag[NBODY_C_PAIRS];
    for (long s = 0; s < steps; s++) {
        int k = 0;
        for (int i = 0; i < NBODY_C_BODIES; i++) {
            for (int j = i + 1; j < NBODY_C_BODIES; j++, k++) {
                dx[k] = b[i].x - b[j].x;
                dy[k] = b[i].y - b[j].y;
                dz[k] = b[i].z - b[j].z;
            }
        }
        for (k = 0; k < NBODY_C_PAIRS; k++) {
            double d2 = dx[k] * dx[k] + dy[k] * dy[k] + dz[k] * dz[k];
            mag[k] = dt / (d2 * sqrt(d2));
        }
        k = 0;
        for (int i = 0; i < NBODY_C_BODIES; i++) {
            for (int j = i + 1; j < NBODY_C_BODIES; j++, k++) {
                double mj_mag = b[j].mass * mag[k];
                double mi_mag = b[i].mass * mag[k];
                b[i].vx -= dx[k] * mj_mag;
                b[i].vy -= dy[k] * mj_mag;
                b[i].vz -= dz[k] * mj_mag;
                b[j].vx += dx[k] * mi_mag;
                b[j].vy += dy[k] * mi_mag;
                b[j].vz += dz[k] * mi_mag;
            }
        }
        for (int i = 0; i < NBODY_C_BODIES; i++) {
            b[i].x += dt * b[i].vx;
            b[i].y += dt * b[i].vy;
            b[i].z += dt * b[i].vz;
        }
    }
}
