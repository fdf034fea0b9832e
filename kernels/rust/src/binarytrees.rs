//! Binary-trees, the `rust` reference: `kernels/c/binarytrees.c` in safe Rust.
//!
//! One allocation per node (the official rule, as the C's `malloc` per node):
//! a node owns its children as `Option<Box<Node>>`, so a tree is freed node by
//! node when its root is dropped (the C's `free_tree`), including the half-built
//! subtrees when an allocation fails. The allocation is [`try_box`], not
//! `Box::new`: `Box::new` aborts the process when memory runs out, where the C
//! returns NULL and the wrapper raises MemoryError; `try_box` returns `None`,
//! which becomes [`NO_MEMORY`]. Single-threaded, as the `c` rung.

use std::os::raw::{c_int, c_longlong};

use crate::{boundary, try_box, NO_MEMORY, OK};

/// A node, laid out as `binarytrees_c_node` (two pointers, both NULL for a
/// leaf: `Option<Box<_>>` is a nullable pointer), so the wrapper's driver holds
/// a Rust tree in the same `Node *` it holds a C tree in. A tree made here is
/// freed only here ([`binarytrees_rust_free`]).
#[repr(C)]
#[derive(Debug)]
pub struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

/// A perfect tree of `depth` levels below the root, built bottom-up, or `None`
/// when an allocation fails (what was built is dropped, node by node).
pub fn make(depth: c_int) -> Option<Box<Node>> {
    let (left, right) = if depth > 0 {
        let left = make(depth - 1)?;
        let right = make(depth - 1)?;
        (Some(left), Some(right))
    } else {
        (None, None)
    };
    try_box(Node { left, right })
}

/// The number of nodes in `tree`.
pub fn check(tree: &Node) -> i64 {
    match (&tree.left, &tree.right) {
        (Some(left), Some(right)) => 1 + check(left) + check(right),
        _ => 1,
    }
}

/// Build, check and free `iterations` trees of `depth`, adding their checks to
/// `total`; `None` when an allocation failed (nothing is left allocated).
pub fn trees(depth: c_int, iterations: i64, total: &mut i64) -> Option<()> {
    for _ in 0..iterations {
        let tree = make(depth)?;
        *total += check(&tree);
    } // each tree is dropped (freed node by node) at the end of its iteration
    Some(())
}

/// As `binarytrees_c_make`: `*tree` = a new tree of `depth`, or NULL with
/// [`NO_MEMORY`].
///
/// # Safety
/// `tree` points to a writable pointer; the tree is freed by [`binarytrees_rust_free`].
#[no_mangle]
pub unsafe extern "C" fn binarytrees_rust_make(depth: c_int, tree: *mut *mut Node) -> c_int {
    let tree = &mut *tree;
    *tree = std::ptr::null_mut();
    boundary(|| match make(depth) {
        Some(root) => {
            *tree = Box::into_raw(root);
            OK
        }
        None => NO_MEMORY,
    })
}

/// As `binarytrees_c_check`, through `*count`.
///
/// # Safety
/// `tree` came from [`binarytrees_rust_make`] and is not freed yet; `count` is writable.
#[no_mangle]
pub unsafe extern "C" fn binarytrees_rust_check(tree: *const Node, count: *mut c_longlong) -> c_int {
    let (tree, count) = (&*tree, &mut *count);
    boundary(|| {
        *count = check(tree);
        OK
    })
}

/// As `binarytrees_c_free` (NULL is allowed).
///
/// # Safety
/// `tree` came from [`binarytrees_rust_make`] and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn binarytrees_rust_free(tree: *mut Node) -> c_int {
    if tree.is_null() {
        return OK;
    }
    // SAFETY: the Box binarytrees_rust_make gave away, taken back once.
    let root = Box::from_raw(tree);
    boundary(|| {
        drop(root);
        OK
    })
}

/// As `binarytrees_c_trees`: [`NO_MEMORY`] where the C returns -1.
///
/// # Safety
/// `total` points to a writable long long.
#[no_mangle]
pub unsafe extern "C" fn binarytrees_rust_trees(depth: c_int, iterations: c_longlong, total: *mut c_longlong) -> c_int {
    let total = &mut *total;
    boundary(|| match trees(depth, iterations, total) {
        Some(()) => OK,
        None => NO_MEMORY,
    })
}
