/* Hand-written C n-body: the `c` rung, speedlab's ceiling for this kernel.
 * Same algorithm and operation order as every other rung; compiled into
 * speedlab._native.nbody with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_NBODY_H
#define SPEEDLAB_C_NBODY_H

#define NBODY_C_BODIES 5
#define NBODY_C_PAIRS 10 /* 5 * 4 / 2 */

typedef struct {
    double x, y, z;
    double vx, vy, vz;
    double mass;
} nbody_c_body;

/* Total energy of the system. */
double nbody_c_energy(const nbody_c_body *bodies);

/* Advance the system `steps` steps of `dt`, in place. */
void nbody_c_advance(nbody_c_body *bodies, long steps, double dt);

#endif
