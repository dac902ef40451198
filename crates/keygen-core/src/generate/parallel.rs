//! Several threads searching for the same prime: the first to find one wins.
//!
//! The threads take batches of the current search from one shared sieve:
//! eight candidates for the base-2 Fermat test in vector lanes, or one for
//! the scalar kernel's strong test to base 2 (a batch of eight would test
//! the candidates after the first prime for nothing).
//! The thread whose batch holds the first candidate that passes ends that
//! search and starts the next one, whose sieve was built ahead (the first two
//! searches' sieves are built at once, one per thread, before the search
//! begins). The first prime's candidate then waits for its final
//! Miller–Rabin rounds until the second is found, and the two candidates'
//! rounds run at once on two threads (one after the other, they would leave
//! a thread idle through the last ones); should a candidate fail them, the
//! search goes on for another. Batches of a search that
//! has ended are given up: on the IFMA kernel within 128 squarings of the
//! end (the kernel looks at the search's number, an atomic, as it goes),
//! elsewhere when they finish. Should the final rounds refuse
//! a candidate, a thread builds the sieve of one more search (the others wait
//! for it).
//!
//! Two threads thus find each prime in about half the time of one, where one
//! thread per prime would wait for the slower of two searches. Which prime is
//! found depends on which thread is first, so a seeded generator does not give
//! repeatable keys here (it does on one thread).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use chacha20::ChaCha20Rng;
use crypto_bigint::BoxedUint;
use rand_core::{CryptoRng, Rng, SeedableRng};
use zeroize::Zeroizing;

use super::{
    Candidates, GenerationStats, Path, fermat_batch_or_stop, final_tests, scalar_base_two,
};
use crate::{Error, Result};

/// What the threads share.
struct Shared {
    /// The current search's sieve: `None` while the next one is being built,
    /// or when no more candidates are needed.
    candidates: Option<Candidates>,
    /// The next search's sieve, built ahead (the first two searches' sieves
    /// are built at once, one per thread, before the search starts).
    next: Option<Candidates>,
    /// Number of the current search.
    search: u64,
    /// A thread is building the next search's sieve.
    building: bool,
    /// Candidates that passed the Fermat test and are in their final rounds
    /// or waiting for them.
    verifying: usize,
    /// A candidate whose final rounds wait until the other is found, so
    /// that both run at once on two threads rather than one after the other
    /// while the rest of the threads search.
    deferred: Option<Zeroizing<BoxedUint>>,
    /// The primes found, each from its own search.
    found: Vec<Zeroizing<BoxedUint>>,
    /// Draws the sieves' random bases.
    rng: ChaCha20Rng,
    /// The work of every thread: batches that ran to their end, those of
    /// searches that had ended included (not those given up midway).
    stats: GenerationStats,
    /// The first error any thread met.
    error: Option<Error>,
}

impl Shared {
    /// More candidates are needed: fewer than two primes found or on the way.
    fn searching(&self) -> bool {
        self.found.len() + self.verifying < 2
    }

    fn finished(&self) -> bool {
        self.error.is_some() || self.found.len() >= 2
    }
}

struct Pool {
    state: Mutex<Shared>,
    changed: Condvar,
    /// `Shared::search`, readable without the lock: a batch of an earlier
    /// search is given up as soon as it sees this change.
    current: AtomicU64,
    /// The lanes or the scalar kernel.
    path: Path,
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

    /// Builds the next search's sieve outside the lock (the caller has set
    /// `building`) from a seed drawn under it, and installs it.
    fn build_next(&self, seed: Zeroizing<[u8; 32]>) {
        let mut rng = ChaCha20Rng::from_seed(*seed);
        let built = Candidates::new(&mut rng);
        let mut s = self.lock();
        s.building = false;
        match built {
            Ok(c) if s.searching() => s.candidates = Some(c),
            Ok(_) => {}
            Err(e) => {
                s.error.get_or_insert(e);
            }
        }
        drop(s);
        self.changed.notify_all();
    }

    /// The next batch of the current search and its number, or a deferred
    /// candidate to verify, or `None` when the work is done.
    fn take_batch(&self) -> Option<Work> {
        let mut s = self.lock();
        loop {
            if s.finished() {
                return None;
            }
            if !s.searching()
                && let Some(candidate) = s.deferred.take()
            {
                return Some(Work::Verify(candidate));
            }
            if !s.searching() || s.building {
                s = self.wait(s);
                continue;
            }
            let shared = &mut *s;
            if let Some(candidates) = shared.candidates.as_mut() {
                let size = if matches!(self.path, Path::Lanes(_)) {
                    keygen_mont::LANES
                } else {
                    1
                };
                let batch = (0..size)
                    .map(|_| candidates.next(&mut shared.rng))
                    .collect::<Result<Vec<_>>>();
                match batch {
                    Ok(batch) => return Some(Work::Batch(shared.search, batch)),
                    Err(e) => {
                        shared.error.get_or_insert(e);
                        drop(s);
                        self.changed.notify_all();
                        return None;
                    }
                }
            }
            // No sieve, none being built, and candidates needed (at the start
            // of a search after final rounds refused a candidate): build one.
            s.building = true;
            let seed = draw_seed(&mut s.rng);
            drop(s);
            self.build_next(seed);
            s = self.lock();
        }
    }

    /// Ends search `search` with `candidate` if it is still the current one,
    /// starting the next search when one is needed. Returns whether the
    /// candidate is now this thread's to verify at once; while another
    /// prime is still searched for, and none waits already, the candidate
    /// waits instead (`deferred`) and the thread searches on.
    fn claim(&self, search: u64, candidate: &BoxedUint) -> bool {
        let mut s = self.lock();
        if s.search != search || s.finished() {
            return false;
        }
        s.search += 1;
        self.current.store(s.search, Ordering::Relaxed);
        s.verifying += 1;
        let defer = s.searching() && s.deferred.is_none();
        if defer {
            s.deferred = Some(Zeroizing::new(candidate.clone()));
        }
        s.candidates = if s.searching() { s.next.take() } else { None };
        if s.searching() && s.candidates.is_none() {
            s.building = true;
            let seed = draw_seed(&mut s.rng);
            drop(s);
            self.build_next(seed);
        } else {
            drop(s);
        }
        // A thread waiting for work may now have a deferred candidate.
        self.changed.notify_all();
        !defer
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
        // Every batch in flight is given up.
        self.current.store(u64::MAX, Ordering::Relaxed);
        self.changed.notify_all();
    }
}

fn draw_seed(rng: &mut ChaCha20Rng) -> Zeroizing<[u8; 32]> {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(seed.as_mut());
    seed
}

/// One thread's part: [`search`], with a panic turned into an error for every
/// thread to see — a thread that panicked while building a sieve or testing
/// a candidate would otherwise leave the others waiting for it forever.
fn work(pool: &Pool, rng: ChaCha20Rng) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| search(pool, rng)));
    if outcome.is_err() {
        pool.fail(Error::Arithmetic("a prime-search thread panicked"));
    }
}

/// What a thread does next.
enum Work {
    /// Test a batch of search number `.0`.
    Batch(u64, Vec<Zeroizing<BoxedUint>>),
    /// Run the final rounds on a deferred candidate.
    Verify(Zeroizing<BoxedUint>),
}

/// Runs the final rounds on `candidate` and records the verdict.
fn verify(pool: &Pool, rng: &mut ChaCha20Rng, candidate: &BoxedUint, stats: &mut GenerationStats) {
    match final_tests(rng, candidate, pool.path, stats) {
        Ok(true) => pool.verified(Some(BoxedUint::clone(candidate))),
        Ok(false) => pool.verified(None),
        Err(e) => {
            pool.verified(None);
            pool.fail(e);
        }
    }
}

/// Batches until both primes are found.
fn search(pool: &Pool, mut rng: ChaCha20Rng) {
    let mut stats = GenerationStats::default();
    while let Some(work) = pool.take_batch() {
        let (search, batch) = match work {
            Work::Batch(search, batch) => (search, batch),
            Work::Verify(candidate) => {
                verify(pool, &mut rng, &candidate, &mut stats);
                continue;
            }
        };
        let passed = if let Path::Lanes(kernel) = pool.path {
            // Given up when another thread ends the search first: nothing
            // of it would be used.
            let stop = || pool.current.load(Ordering::Relaxed) != search;
            let Some(passed) = fermat_batch_or_stop(&batch, &mut stats, kernel, &stop) else {
                continue;
            };
            passed
        } else {
            batch.iter().enumerate().fold(0u8, |acc, (i, c)| {
                acc | u8::from(scalar_base_two(c, &mut stats)) << i
            })
        };
        let first = batch
            .iter()
            .enumerate()
            .find(|&(i, _)| passed >> i & 1 == 1);
        let Some((_, candidate)) = first else {
            continue;
        };
        if !pool.claim(search, candidate) {
            // The search ended while this batch was being tested, or the
            // candidate waits for its final rounds.
            continue;
        }
        verify(pool, &mut rng, candidate, &mut stats);
    }
    pool.lock().stats.add(&stats);
}

/// Finds two random 2048-bit probable primes, each from its own search, with
/// `threads` threads (the calling thread is one of them).
pub(super) fn two_primes<R: CryptoRng + ?Sized>(
    rng: &mut R,
    threads: usize,
    path: Path,
    stats: &mut GenerationStats,
) -> Result<(Zeroizing<BoxedUint>, Zeroizing<BoxedUint>)> {
    let shared_rng = ChaCha20Rng::from_rng(rng);
    let mut first_rng = ChaCha20Rng::from_rng(rng);
    let mut second_rng = ChaCha20Rng::from_rng(rng);
    let worker_rngs: Vec<ChaCha20Rng> = (0..threads).map(|_| ChaCha20Rng::from_rng(rng)).collect();
    // The sieves of both searches at once: their residue passes are the
    // slowest step that would otherwise run on one thread while the others wait.
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(move || Candidates::new(&mut second_rng));
        let first = Candidates::new(&mut first_rng);
        (first, second.join())
    });
    let first = first?;
    let second = second.map_err(|_| Error::Arithmetic("sieve thread panicked"))??;
    let pool = Pool {
        state: Mutex::new(Shared {
            candidates: Some(first),
            next: Some(second),
            search: 0,
            building: false,
            verifying: 0,
            deferred: None,
            found: Vec::with_capacity(2),
            rng: shared_rng,
            stats: GenerationStats::default(),
            error: None,
        }),
        changed: Condvar::new(),
        current: AtomicU64::new(0),
        path,
    };
    std::thread::scope(|scope| {
        let mut rngs = worker_rngs.into_iter();
        let own = rngs.next();
        for worker_rng in rngs {
            let pool = &pool;
            scope.spawn(move || work(pool, worker_rng));
        }
        if let Some(own) = own {
            work(&pool, own);
        }
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
