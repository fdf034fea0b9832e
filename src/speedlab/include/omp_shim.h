/* The one place speedlab touches OpenMP.
 *
 * With OpenMP (the build probed `-fopenmp` and it worked) this is <omp.h>.
 * Without it the same names exist as serial no-ops, so every kernel compiles
 * either way and a `parallel` rung simply runs on one thread.
 */
#ifndef SPEEDLAB_OMP_SHIM_H
#define SPEEDLAB_OMP_SHIM_H

#ifdef _OPENMP
#include <omp.h>
#define SPEEDLAB_OPENMP 1
#else
#define SPEEDLAB_OPENMP 0
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
#endif

#endif
