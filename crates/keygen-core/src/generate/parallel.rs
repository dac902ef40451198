//! Several threads finding the two primes together.
//!
//! Each prime comes from its own search (its own sieve, from its own random
//! start: [`SearchRngs`], the same two seeds one thread would draw). Both
//! searches run from the start, the threads spread over them (two threads:
//! one each), taking batches of a search's sieve in order: eight candidates
//! for the base-2 Fermat test in vector lanes, or one for the scalar
//! kernel's strong test to base 2 (a batch of eight would test the
//! candidates after the first prime for nothing). A thread always takes
//! its next batch from the search with the fewest batches in flight, so a
//! thread whose search has ended joins the other one.
//!
//! A search ends with its first candidate, in sieve order, to pass: a batch
//! that passes ends it once no earlier batch of it is still being tested
//! (one that is may hold an earlier candidate that passes; batches of equal
//! work started in order nearly always end in order, so this rarely
//! waits). The prime is thus the one a single thread would find, whichever
//! thread tests it, and a seeded generator gives the same key on any
//! number of threads. The first prime's candidate then waits for its final
//! Miller–Rabin rounds until the second is found, and the two candidates'
//! rounds run at once on two threads (one after the other, they would leave
//! a thread idle through the last ones). Batches after the one that passed
//! are given up: on the IFMA kernel within 128 squarings (the kernel looks
//! at the search's cut-off, an atomic, as it goes), elsewhere when they
//! finish. With two threads, only the search that ends last has batches on
//! the other thread to give up, so about half a batch is lost per key (a
//! search shared by both threads from its start would lose one for each
//! prime). Should the
//! final rounds refuse a candidate, a thread builds the sieve of one more
//! search while any other thread goes on with the search still running, if
//! there is one.
//!
//! Two threads thus find both primes in about half the time of one, where
//! one thread per prime would wait for the slower of two searches.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use chacha20::ChaCha20Rng;
use crypto_bigint::BoxedUint;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::Zeroizing;

use super::{
    Candidates, GenerationStats, Path, SearchRngs, fermat_batch_or_stop, final_tests,
    scalar_base_two,
};
use crate::{Error, Result};

/// The primes a key needs.
const PRIMES: usize = 2;

/// A search still looking for its prime.
struct Search {
    /// Numbers searches in the order they were started.
    number: u64,
    candidates: Candidates,
    /// The search's random streams (its sieve's and its final rounds').
    rngs: SearchRngs,
    /// The index of the next batch to hand out.
    next_batch: u64,
    /// The indices of the batches being tested.
    in_flight: Vec<u64>,
    /// The index of the earliest batch known to hold a candidate that
    /// passed (`u64::MAX` while none has): every later batch is given up.
    cutoff: Arc<AtomicU64>,
    /// That batch's first candidate to pass, which ends the search once no
    /// earlier batch is in flight.
    pending: Option<Zeroizing<BoxedUint>>,
}

impl Search {
    /// Takes the search's prime candidate, once no batch that could hold an
    /// earlier one is still being tested.
    fn take_decided(&mut self) -> Option<Zeroizing<BoxedUint>> {
        let cutoff = self.cutoff.load(Ordering::Relaxed);
        if self.in_flight.iter().all(|&batch| batch > cutoff) {
            self.pending.take()
        } else {
            None
        }
    }
}

/// A candidate that ended its search, with that search's stream for the
/// random bases of its final rounds.
struct Finalist {
    candidate: Zeroizing<BoxedUint>,
    bases: Box<ChaCha20Rng>,
}

/// What the threads share.
struct Shared {
    /// The searches running, at most one per prime still needed.
    searches: Vec<Search>,
    /// The number of the next search to start.
    next_number: u64,
    /// Sieves being built, each by one thread outside the lock.
    building: usize,
    /// The streams of the searches to start next, in order: the key's two,
    /// then any drawn from `spare`.
    queued: Vec<SearchRngs>,
    /// Candidates that passed the Fermat test and are in their final rounds
    /// or waiting for them.
    verifying: usize,
    /// A candidate whose final rounds wait until the other is found, so
    /// that both run at once on two threads rather than one after the other
    /// while the rest of the threads search.
    deferred: Option<Finalist>,
    /// The primes found, each from its own search.
    found: Vec<Zeroizing<BoxedUint>>,
    /// Draws the seeds of searches that replace one whose candidate the
    /// final rounds refused (derived from the key's first seed, so that the
    /// key's generator gives up two seeds, as on one thread).
    spare: ChaCha20Rng,
    /// The work of every thread: batches that ran to their end, those of
    /// searches that had ended included (not those given up midway).
    stats: GenerationStats,
    /// The first error any thread met.
    error: Option<Error>,
}

impl Shared {
    /// Primes neither found nor in their final rounds: one search each.
    fn needed(&self) -> usize {
        PRIMES.saturating_sub(self.found.len() + self.verifying)
    }

    fn finished(&self) -> bool {
        self.error.is_some() || self.found.len() >= PRIMES
    }
}

struct Pool {
    state: Mutex<Shared>,
    changed: Condvar,
    /// Set on the first error: every batch in flight is given up.
    halted: AtomicBool,
    /// The lanes or the scalar kernel.
    path: Path,
    /// Final-round verdicts still to be turned into refusals (tests only).
    #[cfg(test)]
    refusals: std::sync::atomic::AtomicUsize,
}

/// What a thread does next.
enum Work {
    /// Test batch `index` of search number `search`, given up when the
    /// search's `cutoff` falls below `index`.
    Batch {
        search: u64,
        index: u64,
        cutoff: Arc<AtomicU64>,
        batch: Vec<Zeroizing<BoxedUint>>,
    },
    /// Run the final rounds on a deferred candidate.
    Verify(Finalist),
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Shared>) -> MutexGuard<'a, Shared> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Builds a search's sieve outside the lock (the caller has counted it
    /// in `building`) from streams taken under it, and starts the search if
    /// it is still needed.
    fn build(&self, mut rngs: SearchRngs) {
        let built = Candidates::new(&mut *rngs.sieve, matches!(self.path, Path::Lanes(_)));
        let mut s = self.lock();
        s.building -= 1;
        match built {
            Ok(candidates) if s.searches.len() < s.needed() && !s.finished() => {
                let number = s.next_number;
                s.next_number += 1;
                s.searches.push(Search {
                    number,
                    candidates,
                    rngs,
                    next_batch: 0,
                    in_flight: Vec::new(),
                    cutoff: Arc::new(AtomicU64::new(u64::MAX)),
                    pending: None,
                });
            }
            Ok(_) => {}
            Err(e) => {
                s.error.get_or_insert(e);
                self.halted.store(true, Ordering::Relaxed);
            }
        }
        drop(s);
        self.changed.notify_all();
    }

    /// The next batch, or a deferred candidate to verify, or `None` when
    /// the work is done. Builds a sieve first when a prime still needed has
    /// no search and none is being built for it.
    fn take(&self) -> Option<Work> {
        let mut s = self.lock();
        loop {
            if s.finished() {
                return None;
            }
            if s.needed() == 0
                && let Some(candidate) = s.deferred.take()
            {
                return Some(Work::Verify(candidate));
            }
            if s.searches.len() + s.building < s.needed() {
                s.building += 1;
                let rngs = if s.queued.is_empty() {
                    SearchRngs::draw(&mut s.spare)
                } else {
                    s.queued.remove(0)
                };
                drop(s);
                self.build(rngs);
                s = self.lock();
                continue;
            }
            // A search with a candidate waiting for earlier batches has
            // nothing left to hand out.
            let Some(search) = s
                .searches
                .iter_mut()
                .filter(|x| x.pending.is_none())
                .min_by_key(|x| x.in_flight.len())
            else {
                // Nothing to do until a sieve is built or a verdict comes.
                s = self.wait(s);
                continue;
            };
            let size = if matches!(self.path, Path::Lanes(_)) {
                keygen_mont::LANES
            } else {
                1
            };
            let batch = (0..size)
                .map(|_| search.candidates.next(&mut *search.rngs.sieve))
                .collect::<Result<Vec<_>>>();
            match batch {
                Ok(batch) => {
                    let index = search.next_batch;
                    search.next_batch += 1;
                    search.in_flight.push(index);
                    return Some(Work::Batch {
                        search: search.number,
                        index,
                        cutoff: Arc::clone(&search.cutoff),
                        batch,
                    });
                }
                Err(e) => {
                    drop(s);
                    self.fail(e);
                    return None;
                }
            }
        }
    }

    /// Records the end of batch `index` of search `number`, and `passed`,
    /// its first candidate to pass the test, if any. Returns the candidate
    /// that ends the search when it is now this thread's to verify at once:
    /// `None` when the search had ended already or is not decided yet (an
    /// earlier batch is still in flight), or when the candidate waits
    /// instead (`deferred`, while another prime is still searched for and
    /// none waits already) and the thread searches on.
    fn batch_done(&self, number: u64, index: u64, passed: Option<&BoxedUint>) -> Option<Finalist> {
        let mut s = self.lock();
        let position = s.searches.iter().position(|x| x.number == number)?;
        let search = &mut s.searches[position];
        search.in_flight.retain(|&batch| batch != index);
        if let Some(candidate) = passed
            && index < search.cutoff.load(Ordering::Relaxed)
        {
            // The earliest batch known to pass: it supersedes a later one
            // and gives up the batches after it.
            search.cutoff.store(index, Ordering::Relaxed);
            search.pending = Some(Zeroizing::new(candidate.clone()));
        }
        if s.finished() {
            return None;
        }
        let candidate = s.searches[position].take_decided()?;
        let search = s.searches.swap_remove(position);
        let finalist = Finalist {
            candidate,
            bases: search.rngs.bases,
        };
        s.verifying += 1;
        let defer = s.needed() > 0 && s.deferred.is_none();
        let now = if defer {
            s.deferred = Some(finalist);
            None
        } else {
            Some(finalist)
        };
        drop(s);
        // A thread waiting for work may now have a deferred candidate, or
        // another search to join.
        self.changed.notify_all();
        now
    }

    /// Records the verdict of the final rounds.
    fn verified(&self, prime: Option<BoxedUint>) {
        let mut s = self.lock();
        s.verifying -= 1;
        if let Some(p) = prime {
            s.found.push(Zeroizing::new(p));
        }
        drop(s);
        self.changed.notify_all();
    }

    fn fail(&self, e: Error) {
        self.lock().error.get_or_insert(e);
        self.halted.store(true, Ordering::Relaxed);
        self.changed.notify_all();
    }

    /// The final rounds' verdict on `candidate`.
    fn final_rounds(
        &self,
        rng: &mut ChaCha20Rng,
        candidate: &BoxedUint,
        stats: &mut GenerationStats,
    ) -> Result<bool> {
        let verdict = final_tests(rng, candidate, self.path, stats)?;
        #[cfg(test)]
        if verdict
            && self
                .refusals
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
        {
            return Ok(false);
        }
        Ok(verdict)
    }
}

/// One thread's part: [`search`], with a panic turned into an error for every
/// thread to see — a thread that panicked while building a sieve or testing
/// a candidate would otherwise leave the others waiting for it forever.
fn work(pool: &Pool) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| search(pool)));
    if outcome.is_err() {
        pool.fail(Error::Arithmetic("a prime-search thread panicked"));
    }
}

/// Runs the final rounds on a finalist and records the verdict.
fn verify(pool: &Pool, finalist: Finalist, stats: &mut GenerationStats) {
    let Finalist {
        candidate,
        mut bases,
    } = finalist;
    match pool.final_rounds(&mut bases, &candidate, stats) {
        Ok(true) => pool.verified(Some(BoxedUint::clone(&candidate))),
        Ok(false) => pool.verified(None),
        Err(e) => {
            pool.verified(None);
            pool.fail(e);
        }
    }
}

/// Batches until both primes are found.
fn search(pool: &Pool) {
    let mut stats = GenerationStats::default();
    while let Some(work) = pool.take() {
        let (number, index, cutoff, batch) = match work {
            Work::Batch {
                search,
                index,
                cutoff,
                batch,
            } => (search, index, cutoff, batch),
            Work::Verify(finalist) => {
                verify(pool, finalist, &mut stats);
                continue;
            }
        };
        let passed = if let Path::Lanes(kernel) = pool.path {
            // Given up when an earlier batch has passed: nothing of it would
            // be used.
            let stop =
                || cutoff.load(Ordering::Relaxed) < index || pool.halted.load(Ordering::Relaxed);
            fermat_batch_or_stop(&batch, &mut stats, kernel, &stop)
        } else {
            Some(batch.iter().enumerate().fold(0u8, |acc, (i, c)| {
                acc | u8::from(scalar_base_two(c, &mut stats)) << i
            }))
        };
        let first = passed.and_then(|passed| {
            batch
                .iter()
                .enumerate()
                .find(|&(i, _)| passed >> i & 1 == 1)
                .map(|(_, c)| c)
        });
        if let Some(finalist) = pool.batch_done(number, index, first.map(|c| &**c)) {
            verify(pool, finalist, &mut stats);
        }
    }
    pool.lock().stats.add(&stats);
}

/// Finds two random 2048-bit probable primes, each from its own search, with
/// `threads` threads (the calling thread is one of them): the primes one
/// thread would find from `rng`, drawing the same two seeds from it.
pub(super) fn two_primes<R: CryptoRng + ?Sized>(
    rng: &mut R,
    threads: usize,
    path: Path,
    stats: &mut GenerationStats,
) -> Result<(Zeroizing<BoxedUint>, Zeroizing<BoxedUint>)> {
    two_primes_refusing(rng, threads, path, stats, 0)
}

/// [`two_primes`], the first `refusals` candidates that pass their final
/// rounds refused as if they had failed them (for tests; 0 elsewhere).
fn two_primes_refusing<R: CryptoRng + ?Sized>(
    rng: &mut R,
    threads: usize,
    path: Path,
    stats: &mut GenerationStats,
    refusals: usize,
) -> Result<(Zeroizing<BoxedUint>, Zeroizing<BoxedUint>)> {
    #[cfg(not(test))]
    let _ = refusals;
    let queued: Vec<SearchRngs> = (0..PRIMES).map(|_| SearchRngs::draw(rng)).collect();
    let mut spare = ChaCha20Rng::from_seed(*Zeroizing::new(queued[0].sieve.get_seed()));
    spare.set_stream(2);
    let pool = Pool {
        // No search yet: the first threads build the two sieves at once.
        state: Mutex::new(Shared {
            searches: Vec::with_capacity(PRIMES),
            next_number: 0,
            building: 0,
            queued,
            verifying: 0,
            deferred: None,
            found: Vec::with_capacity(PRIMES),
            spare,
            stats: GenerationStats::default(),
            error: None,
        }),
        changed: Condvar::new(),
        halted: AtomicBool::new(false),
        path,
        #[cfg(test)]
        refusals: std::sync::atomic::AtomicUsize::new(refusals),
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.max(1) {
            let pool = &pool;
            scope.spawn(move || work(pool));
        }
        work(&pool);
    });
    let mut s = pool
        .state
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    stats.add(&s.stats);
    if let Some(e) = s.error.take() {
        return Err(e);
    }
    let b = s
        .found
        .pop()
        .ok_or(Error::Arithmetic("prime search ended early"))?;
    let a = s
        .found
        .pop()
        .ok_or(Error::Arithmetic("prime search ended early"))?;
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::GenerateOptions;

    /// Two different probable primes of 2048 bits, by crypto-primes'
    /// strong test to base 2 (independent of keygen-mont's kernels).
    fn assert_two_primes(a: &BoxedUint, b: &BoxedUint) {
        for p in [a, b] {
            assert_eq!(p.bit_width_vartime(), super::super::PRIME_BITS);
            let odd = crypto_bigint::Odd::new(p.clone()).unwrap();
            let mr = crypto_primes::hazmat::MillerRabin::new(odd);
            assert!(mr.test_base_two().is_probably_prime());
        }
        assert_ne!(a, b);
    }

    /// A candidate refused in its final rounds — the first prime's, which
    /// waits for them, or the second's — is replaced by a new search, on
    /// every path and thread count, and the work is counted.
    #[test]
    fn a_candidate_refused_in_its_final_rounds_is_replaced() {
        let path = GenerateOptions::new().path().unwrap();
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        for (threads, refusals) in [(2, 1), (2, 2), (3, 1)] {
            let mut stats = GenerationStats::default();
            let (a, b) = two_primes_refusing(&mut rng, threads, path, &mut stats, refusals)
                .unwrap_or_else(|e| panic!("{threads} threads, {refusals} refused: {e}"));
            assert_two_primes(&a, &b);
            // Each candidate that reached its final rounds had a base-2
            // round and the random ones: the refused ones too.
            let finals = 2 + refusals as u64;
            assert!(
                stats.mr_random() >= finals * super::super::MR_RANDOM_ROUNDS as u64,
                "{threads} threads, {refusals} refused: {stats:?}"
            );
        }
    }

    /// Both primes found with nothing refused: the common case.
    #[test]
    fn two_threads_find_two_primes() {
        let path = GenerateOptions::new().path().unwrap();
        let mut rng = ChaCha20Rng::from_seed([10; 32]);
        let mut stats = GenerationStats::default();
        let (a, b) = two_primes(&mut rng, 2, path, &mut stats).unwrap();
        assert_two_primes(&a, &b);
        assert!(stats.candidates() >= 2);
    }
}
