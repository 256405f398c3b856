//! A minimal complex128 (layout-compatible with `[f64; 2]`).

use std::ops::{Add, AddAssign, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C)]
pub(crate) struct C {
    pub re: f64,
    pub im: f64,
}

impl C {
    pub const ZERO: C = C { re: 0.0, im: 0.0 };
    pub const ONE: C = C { re: 1.0, im: 0.0 };

    #[inline(always)]
    pub const fn new(re: f64, im: f64) -> C {
        C { re, im }
    }

    #[inline(always)]
    pub fn cis(t: f64) -> C {
        C::new(t.cos(), t.sin())
    }

    #[inline(always)]
    pub fn conj(self) -> C {
        C::new(self.re, -self.im)
    }

    #[inline(always)]
    pub fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }
}

impl Add for C {
    type Output = C;
    #[inline(always)]
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
}

impl AddAssign for C {
    #[inline(always)]
    fn add_assign(&mut self, o: C) {
        self.re += o.re;
        self.im += o.im;
    }
}

impl Sub for C {
    type Output = C;
    #[inline(always)]
    fn sub(self, o: C) -> C {
        C::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C {
    type Output = C;
    #[inline(always)]
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl Mul<f64> for C {
    type Output = C;
    #[inline(always)]
    fn mul(self, o: f64) -> C {
        C::new(self.re * o, self.im * o)
    }
}

impl Neg for C {
    type Output = C;
    #[inline(always)]
    fn neg(self) -> C {
        C::new(-self.re, -self.im)
    }
}
