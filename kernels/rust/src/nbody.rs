//! N-body, the `rust` reference: `kernels/c/nbody.c` in safe Rust.
//!
//! The bodies are a fixed array of five `#[repr(C)]` structs (the C struct
//! `nbody_c_body`, which the wrapper fills), and every index is a constant range
//! over it, so the compiler proves each access in bounds: no checks remain in
//! the step loop. Each step runs in the C's three passes over the ten pairs.

use std::os::raw::{c_int, c_long};

use crate::{boundary, OK};

/// Five bodies: the Sun and the four gas giants.
pub const BODIES: usize = 5;
/// 5 * 4 / 2 pairs.
pub const PAIRS: usize = BODIES * (BODIES - 1) / 2;

/// One body, laid out as `nbody_c_body` in `kernels/c/nbody.h`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Body {
    pub x: f64,
    pub y: f64,
    pub z: f64,
    pub vx: f64,
    pub vy: f64,
    pub vz: f64,
    pub mass: f64,
}

/// Total energy: kinetic, minus the potential of every pair.
pub fn energy(b: &[Body; BODIES]) -> f64 {
    let mut e: f64 = b
        .iter()
        .map(|p| 0.5 * p.mass * (p.vx * p.vx + p.vy * p.vy + p.vz * p.vz))
        .sum();
    for i in 0..BODIES {
        for j in i + 1..BODIES {
            let dx = b[i].x - b[j].x;
            let dy = b[i].y - b[j].y;
            let dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / (dx * dx + dy * dy + dz * dz).sqrt();
        }
    }
    e
}

/// Advance `steps` steps of `dt` in place, in the C's operation order.
pub fn advance(b: &mut [Body; BODIES], steps: i64, dt: f64) {
    let (mut dx, mut dy, mut dz, mut mag) = ([0.0; PAIRS], [0.0; PAIRS], [0.0; PAIRS], [0.0; PAIRS]);
    for _ in 0..steps {
        let mut k = 0;
        for i in 0..BODIES {
            for j in i + 1..BODIES {
                dx[k] = b[i].x - b[j].x;
                dy[k] = b[i].y - b[j].y;
                dz[k] = b[i].z - b[j].z;
                k += 1;
            }
        }
        // Independent of each other: the compiler vectorises sqrt and division.
        for k in 0..PAIRS {
            let d2 = dx[k] * dx[k] + dy[k] * dy[k] + dz[k] * dz[k];
            mag[k] = dt / (d2 * d2.sqrt());
        }
        let mut k = 0;
        for i in 0..BODIES {
            for j in i + 1..BODIES {
                let mj_mag = b[j].mass * mag[k];
                let mi_mag = b[i].mass * mag[k];
                b[i].vx -= dx[k] * mj_mag;
                b[i].vy -= dy[k] * mj_mag;
                b[i].vz -= dz[k] * mj_mag;
                b[j].vx += dx[k] * mi_mag;
                b[j].vy += dy[k] * mi_mag;
                b[j].vz += dz[k] * mi_mag;
                k += 1;
            }
        }
        for p in b.iter_mut() {
            p.x += dt * p.vx;
            p.y += dt * p.vy;
            p.z += dt * p.vz;
        }
    }
}

/// `*out` = the energy of the five bodies at `bodies`.
///
/// # Safety
/// `bodies` points to 5 bodies, `out` to a writable double.
#[no_mangle]
pub unsafe extern "C" fn nbody_rust_energy(bodies: *const Body, out: *mut f64) -> c_int {
    // SAFETY: the wrapper passes its stack array of N_BODIES bodies, as to the C.
    let b = &*(bodies as *const [Body; BODIES]);
    boundary(|| {
        *out = energy(b);
        OK
    })
}

/// Advance the five bodies at `bodies` `steps` steps of `dt`, in place.
///
/// # Safety
/// `bodies` points to 5 bodies that nothing else touches during the call.
#[no_mangle]
pub unsafe extern "C" fn nbody_rust_advance(bodies: *mut Body, steps: c_long, dt: f64) -> c_int {
    // SAFETY: as above; the wrapper holds no other reference while the GIL is released.
    let b = &mut *(bodies as *mut [Body; BODIES]);
    boundary(|| {
        advance(b, steps as i64, dt);
        OK
    })
}
