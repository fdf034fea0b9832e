/* Hand-written C binary-trees: the `c` rung, speedlab's ceiling for this kernel.
 * Same algorithm as the `native` rung -- one malloc per node, trees built
 * bottom-up, checked by a recursive walk and freed node by node -- compiled into
 * speedlab._native.binarytrees with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_BINARYTREES_H
#define SPEEDLAB_C_BINARYTREES_H

/* NOTE: kernels/binarytrees.pyx is compiled as C++ (for std::pmr), while this
 * file stays C: the guard gives these functions C linkage. */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct binarytrees_c_node {
    struct binarytrees_c_node *left, *right; /* both NULL for a leaf */
} binarytrees_c_node;

/* A perfect tree of `depth` levels below the root, or NULL when malloc fails
 * (every node already allocated is then freed). */
binarytrees_c_node *binarytrees_c_make(int depth);

/* The number of nodes in `tree`. */
long long binarytrees_c_check(const binarytrees_c_node *tree);

/* Free every node of `tree` (NULL is allowed). */
void binarytrees_c_free(binarytrees_c_node *tree);

/* Build, check and free `iterations` trees of `depth`, adding their checks to
 * *total. Returns 0, or -1 when malloc failed (nothing is left allocated). */
int binarytrees_c_trees(int depth, long long iterations, long long *total);

#ifdef __cplusplus
}
#endif

#endif
