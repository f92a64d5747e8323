//! A small deterministic fuzzer for property tests: random and mutated
//! inputs from a fixed seed, run for a bounded time inside `cargo test`.
//! Hand-rolled (a xorshift generator and a few mutations) rather than a
//! dependency: the properties are "never panics" and simple round trips,
//! which need no shrinking. `GITSYNC_FUZZ_SEED` and `GITSYNC_FUZZ_MS`
//! reproduce or lengthen a run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// `input` changed by a few random edits: byte flips, insertions of
    /// `tokens` (the format's syntax), deletions, duplications, splices.
    pub fn mutate(&mut self, input: &[u8], tokens: &[&str]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = if out.is_empty() {
                0
            } else {
                self.below(out.len() + 1)
            };
            match self.below(6) {
                0 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] = self.next() as u8;
                }
                1 | 2 => {
                    let t = self.pick(tokens).as_bytes().to_vec();
                    out.splice(at..at, t);
                }
                3 if !out.is_empty() => {
                    let end = (at + self.below(16)).min(out.len());
                    out.drain(at..end);
                }
                4 if !out.is_empty() => {
                    let start = self.below(out.len());
                    let end = (start + self.below(64)).min(out.len());
                    let piece = out[start..end].to_vec();
                    out.splice(at..at, piece);
                }
                _ => {
                    let noise = self.bytes(8);
                    out.splice(at..at, noise);
                }
            }
        }
        out
    }
}

/// Runs `property` on generated inputs for about `default_ms` (or
/// `GITSYNC_FUZZ_MS`), at least `min_cases` times. A panic fails the test
/// with the seed and the input that caused it. Returns the number of cases.
pub fn run<T: std::fmt::Debug>(
    name: &str,
    default_ms: u64,
    min_cases: usize,
    mut generate: impl FnMut(&mut Rng) -> T,
    mut property: impl FnMut(&T),
) -> usize {
    let seed = std::env::var("GITSYNC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6769_7473_796e_6321);
    let budget = std::env::var("GITSYNC_FUZZ_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_millis(default_ms), Duration::from_millis);
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut cases = 0;
    while cases < min_cases || started.elapsed() < budget {
        let input = generate(&mut rng);
        if catch_unwind(AssertUnwindSafe(|| property(&input))).is_err() {
            panic!("{name}: case {cases} (GITSYNC_FUZZ_SEED={seed}) panicked on {input:?}");
        }
        cases += 1;
        // A hard cap, so a slow machine cannot stretch the run.
        if started.elapsed() > budget * 4 && cases >= min_cases {
            break;
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert_eq!(a.mutate(b"abc", &["x"]), b.mutate(b"abc", &["x"]));
    }
}
