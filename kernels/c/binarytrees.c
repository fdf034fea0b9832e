/* Hand-written C binary-trees (the `c` rung). See binarytrees.h.
 *
 * The recursive work is done by static functions; the exported ones only call
 * them. Cython's cdef functions are static too: with internal linkage the
 * compiler may inline and clone the recursion, which -fPIC forbids for an
 * exported function (another library could interpose it). */
#include <stdlib.h>

#include "binarytrees.h"

static void free_tree(binarytrees_c_node *tree)
{
    if (tree == NULL)
        return;
    free_tree(tree->left);
    free_tree(tree->right);
    free(tree);
}

static binarytrees_c_node *make_tree(int depth)
{
    binarytrees_c_node *left = NULL, *right = NULL, *node;
    if (depth > 0) {
        left = make_tree(depth - 1);
        if (left == NULL)
            return NULL;
        right = make_tree(depth - 1);
        if (right == NULL) {
            free_tree(left);
            return NULL;
        }
    }
    node = malloc(sizeof *node);
    if (node == NULL) {
        free_tree(left);
        free_tree(right);
        return NULL;
    }
    node->left = left;
    node->right = right;
    return node;
}

static long long check_tree(const binarytrees_c_node *tree)
{
    if (tree->left == NULL)
        return 1;
    return 1 + check_tree(tree->left) + check_tree(tree->right);
}

binarytrees_c_node *binarytrees_c_make(int depth) { return make_tree(depth); }

long long binarytrees_c_check(const binarytrees_c_node *tree) { return check_tree(tree); }

void binarytrees_c_free(binarytrees_c_node *tree) { free_tree(tree); }

int binarytrees_c_trees(int depth, long long iterations, long long *total)
{
    long long sum = *total;
    for (long long i = 0; i < iterations; i++) {
        binarytrees_c_node *tree = make_tree(depth);
        if (tree == NULL) {
            *total = sum;
            return -1;
        }
        sum += check_tree(tree);
        free_tree(tree);
    }
    *total = sum;
    return 0;
}
