//! The person a token's email matches, remembered for a few seconds.
//!
//! Every request reads the caller's person to decide what they may do; under load that read
//! was half of a `GET /systems/{id}` (docs/performance.md). An entry is reused only while it is
//! younger than the configured time *and* this process has written nothing since it was read,
//! so a change made through this instance (a person deactivated, a new person) counts at once;
//! a change made through another instance counts within the configured time. Zero turns it off.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use systemejer_domain::{EmailAddress, Person};

/// Most entries kept; past it the stale ones go, and if none is stale, all of them.
const MAX_ENTRIES: usize = 10_000;

/// Emails to the person they matched (or to no one), with when and at which write count.
pub struct PersonCache {
    ttl: Duration,
    entries: RwLock<HashMap<EmailAddress, Entry>>,
}

struct Entry {
    person: Option<Person>,
    read_at: Instant,
    writes: u64,
}

impl Entry {
    fn fresh(&self, ttl: Duration, writes: u64) -> bool {
        self.writes == writes && self.read_at.elapsed() < ttl
    }
}

impl PersonCache {
    /// A cache keeping entries for `ttl` (zero: keeps nothing).
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: RwLock::new(HashMap::new()) }
    }

    /// What `email` matched, if read less than the configured time ago and no write happened
    /// in this process since (`writes` is the store's write count now).
    pub fn get(&self, email: &EmailAddress, writes: u64) -> Option<Option<Person>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(email).filter(|e| e.fresh(self.ttl, writes)).map(|e| e.person.clone())
    }

    /// Remembers what `email` matched, read at `read_at` when the store's write count was
    /// `writes` (taken before the read, so a write racing it makes the entry stale).
    pub fn put(&self, email: EmailAddress, person: Option<Person>, read_at: Instant, writes: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&email) {
            entries.retain(|_, e| e.fresh(self.ttl, writes));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(email, Entry { person, read_at, writes });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn an_entry_counts_until_a_write_or_its_time_is_up() {
        let cache = PersonCache::new(Duration::from_millis(200));
        let anna = email("anna@kommune.dk");
        assert_eq!(cache.get(&anna, 7), None, "nothing read yet");
        cache.put(anna.clone(), None, Instant::now(), 7);
        assert_eq!(cache.get(&anna, 7), Some(None), "no one, remembered");
        assert_eq!(cache.get(&anna, 8), None, "a write since: read again");
        cache.put(anna.clone(), None, Instant::now().checked_sub(Duration::from_millis(250)).unwrap(), 8);
        assert_eq!(cache.get(&anna, 8), None, "too old: read again");
    }

    #[test]
    fn zero_keeps_nothing() {
        let cache = PersonCache::new(Duration::ZERO);
        let anna = email("anna@kommune.dk");
        cache.put(anna.clone(), None, Instant::now(), 1);
        assert_eq!(cache.get(&anna, 1), None);
    }

    #[test]
    fn it_stays_bounded() {
        let cache = PersonCache::new(Duration::from_secs(60));
        for i in 0..MAX_ENTRIES + 5 {
            cache.put(email(&format!("p{i}@kommune.dk")), None, Instant::now(), 1);
        }
        let kept = cache.entries.read().unwrap().len();
        assert!(kept <= MAX_ENTRIES, "{kept} entries");
        assert_eq!(cache.get(&email(&format!("p{}@kommune.dk", MAX_ENTRIES + 4)), 1), Some(None), "the newest is kept");
    }
}
