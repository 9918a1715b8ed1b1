//! A small seeded random number generator (SplitMix64) for assembling attempts: the same
//! seed always gives the same sequence, on the device and on the server. Not for secrets;
//! seeds come in from the edge (the app draws them from the browser's crypto).

/// SplitMix64: 64 bits of state, passes BigCrush, and is trivial to reproduce elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A uniform number in `0..bound` (`bound` > 0), without modulo bias (rejection sampling).
    pub fn below(&mut self, bound: usize) -> usize {
        assert!(bound > 0, "below(0) has no values to return");
        let bound = bound as u64;
        // The largest multiple of `bound` that fits; draws at or above it are redrawn.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let draw = self.next_u64();
            if draw < zone {
                // The result is below `bound`, which came from a usize.
                return (draw % bound) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = self.below(index + 1);
            items.swap(index, other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_matches_the_reference_splitmix64() {
        // First outputs of SplitMix64 seeded with 0 (the published reference values).
        let mut random = SeededRandom::new(0);
        assert_eq!(random.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(random.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(random.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn bounded_draws_stay_in_range_and_cover_it() {
        let mut random = SeededRandom::new(42);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            seen[random.below(7)] += 1;
        }
        assert!(
            seen.iter().all(|count| (800..1_200).contains(count)),
            "{seen:?}"
        );
    }

    #[test]
    fn shuffles_are_permutations_fixed_by_the_seed() {
        let mut first: Vec<u32> = (0..20).collect();
        let mut second = first.clone();
        SeededRandom::new(7).shuffle(&mut first);
        SeededRandom::new(7).shuffle(&mut second);
        assert_eq!(first, second);
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        let mut other: Vec<u32> = (0..20).collect();
        SeededRandom::new(8).shuffle(&mut other);
        assert_ne!(first, other);
    }
}
