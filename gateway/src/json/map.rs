//! A JSON object as a list of entries in the order received.
//!
//! GraphQL response objects are small (a handful of fields): a linear search of a short
//! list beats hashing, and one allocation per object beats a hash table's two.

use std::fmt;

use super::Value;

/// An object's key; short keys (most field names) are stored inline, without allocating.
pub type Key = compact_str::CompactString;

/// A JSON object: keys in the order received.
#[derive(Clone, Default)]
pub struct Map(Vec<(Key, Value)>);

impl Map {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty object with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == key)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key`, looked for first at `hint` (then everywhere); `hint` moves past
    /// the entry found. For reading an object's keys in the order it most likely has them.
    pub fn get_hinted(&self, key: &str, hint: &mut usize) -> Option<&Value> {
        if let Some((k, v)) = self.0.get(*hint)
            && k == key
        {
            *hint += 1;
            return Some(v);
        }
        let i = self.position(key)?;
        *hint = i + 1;
        Some(&self.0[i].1)
    }

    /// The value of `key` and its place among the entries.
    pub fn get_with_place(&self, key: &str) -> Option<(usize, &Value)> {
        let i = self.position(key)?;
        Some((i, &self.0[i].1))
    }

    /// The value of `key`, mutably, looked for first at `place`.
    pub fn get_mut_at(&mut self, key: &str, place: usize) -> Option<&mut Value> {
        let i = match self.0.get(place) {
            Some((k, _)) if k == key => place,
            _ => self.position(key)?,
        };
        Some(&mut self.0[i].1)
    }

    /// Room for `n` more entries.
    pub fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether the object has `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key`, keeping its place if present; the value it replaces.
    pub fn insert(&mut self, key: impl Into<Key> + AsRef<str>, value: Value) -> Option<Value> {
        match self.position(key.as_ref()) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key.into(), value));
                None
            }
        }
    }

    /// An object of these entries, as they are (the parser, which then keeps the last of
    /// duplicate keys by [`Map::dedup_last`]).
    pub(super) fn from_entries(entries: Vec<(Key, Value)>) -> Self {
        Self(entries)
    }

    /// Appends an entry whose key the caller knows is absent (a duplicate would shadow
    /// nothing: [`Map::get`] finds the first).
    pub fn append(&mut self, key: Key, value: Value) {
        debug_assert!(self.position(&key).is_none(), "{key} is already present");
        self.0.push((key, value));
    }

    /// Keeps only the last entry of each key (JSON's usual rule for duplicates), in place.
    pub(super) fn dedup_last(&mut self) {
        let n = self.0.len();
        let duplicates = if n <= 16 {
            // Small objects (nearly all): a few comparisons, no allocation.
            (1..n).any(|i| self.0[..i].iter().any(|(k, _)| *k == self.0[i].0))
        } else {
            let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1])
        };
        if !duplicates {
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(n);
        let mut keep = vec![false; n];
        for i in (0..n).rev() {
            keep[i] = seen.insert(self.0[i].0.clone());
        }
        let mut i = 0;
        self.0.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// Removes `key`, keeping the others in order; its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.0.remove(i).1)
    }

    /// The value of `key`, inserting one made by `f` first if absent.
    pub fn get_or_insert_with(&mut self, key: &str, f: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.0.push((key.into(), f()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    /// Entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Key, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts the entries by key.
    pub fn sort_keys(&mut self) {
        self.0.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
}

/// Equal when they have the same keys with equal values, in any order (as JSON objects).
impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Key, Value)>,
        fn(&'a (Key, Value)) -> (&'a Key, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut map = Map(iter.into_iter().map(|(k, v)| (k.into(), v)).collect());
        map.dedup_last();
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_of_duplicate_keys_wins_in_small_and_large_objects() {
        for n in [3, 40] {
            let mut entries: Vec<(Key, Value)> = (0..n)
                .map(|i| (format!("k{i}").into(), Value::from(i)))
                .collect();
            entries.push(("k1".into(), Value::from("last")));
            let mut map = Map::from_entries(entries);
            map.dedup_last();
            assert_eq!(map.len(), n);
            assert_eq!(map.get("k1"), Some(&Value::from("last")));
            assert_eq!(map.iter().next().map(|(k, _)| k.as_str()), Some("k0"));
        }
    }

    #[test]
    fn inserting_keeps_the_place_of_a_present_key() {
        let mut map: Map = [("a", Value::from(1)), ("b", Value::from(2))]
            .into_iter()
            .collect();
        assert_eq!(map.insert("a", Value::from(3)), Some(Value::from(1)));
        map.insert("c", Value::Null);
        let keys: Vec<&str> = map.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(map.shift_remove("b"), Some(Value::from(2)));
        assert!(!map.contains_key("b"));
    }
}
