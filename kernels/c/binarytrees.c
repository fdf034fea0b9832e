/* Hand-written C binary-trees (the `c` rung). See binarytrees.h. */
#include <stdlib.h>

#include "binarytrees.h"

binarytrees_c_node *binarytrees_c_make(int depth)
{
    binarytrees_c_node *left = NULL, *right = NULL, *node;
    if (depth > 0) {
        left = binarytrees_c_make(depth - 1);
        if (left == NULL)
            return NULL;
        right = binarytrees_c_make(depth - 1);
        if (right == NULL) {
            binarytrees_c_free(left);
            return NULL;
        }
    }
    node = malloc(sizeof *node);
    if (node == NULL) {
        binarytrees_c_free(left);
        binarytrees_c_free(right);
        return NULL;
    }
    node->left = left;
    node->right = right;
    return node;
}

long long binarytrees_c_check(const binarytrees_c_node *tree)
{
    if (tree->left == NULL)
        return 1;
    return 1 + binarytrees_c_check(tree->left) + binarytrees_c_check(tree->right);
}

void binarytrees_c_free(binarytrees_c_node *tree)
{
    if (tree == NULL)
        return;
    binarytrees_c_free(tree->left);
    binarytrees_c_free(tree->right);
    free(tree);
}

int binarytrees_c_trees(int depth, long long iterations, long long *total)
{
    long long sum = *total;
    for (long long i = 0; i < iterations; i++) {
        binarytrees_c_node *tree = binarytrees_c_make(depth);
        if (tree == NULL) {
            *total = sum;
            return -1;
        }
        sum += binarytrees_c_check(tree);
        binarytrees_c_free(tree);
    }
    *total = sum;
    return 0;
}
