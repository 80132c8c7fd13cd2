//! Deterministic demo data shared by the contexts: Spanish names, ids, dates.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use uuid::Uuid;

const NOMBRES: &[&str] = &[
    "María",
    "José",
    "Luis",
    "Ana",
    "Carlos",
    "Laura",
    "Andrés",
    "Camila",
    "Juan",
    "Valentina",
    "Santiago",
    "Daniela",
    "Sebastián",
    "Isabella",
    "Mateo",
    "Sofía",
    "Alejandro",
    "Mariana",
    "Diego",
    "Gabriela",
    "Felipe",
    "Natalia",
    "Julián",
    "Paula",
    "Nicolás",
    "Catalina",
    "Ricardo",
    "Lucía",
    "Fernando",
    "Elena",
    "Óscar",
    "Ángela",
    "Tomás",
    "Verónica",
    "Héctor",
    "Manuela",
];

const APELLIDOS: &[&str] = &[
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flórez",
    "Rivera",
    "Gómez",
    "Díaz",
    "Reyes",
    "Morales",
    "Jiménez",
    "Ruiz",
    "Álvarez",
    "Castro",
    "Vargas",
    "Romero",
    "Ortiz",
    "Muñoz",
    "Rojas",
    "Moreno",
    "Gutiérrez",
    "Suárez",
    "Quintero",
    "Peña",
    "Cárdenas",
    "Osorio",
    "Mejía",
    "Restrepo",
];

/// A reproducible source of demo values: the same seed always gives the same data.
pub struct DemoRng(StdRng);

impl DemoRng {
    /// A generator for one context (`seed` differs per context).
    pub fn new(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    /// A random-looking but reproducible UUID (version 4 layout).
    pub fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }

    /// `(given name, surname 1, surname 2)`.
    pub fn persona(&mut self) -> (&'static str, &'static str, &'static str) {
        (
            self.pick(NOMBRES),
            self.pick(APELLIDOS),
            self.pick(APELLIDOS),
        )
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.random_range(0..items.len())]
    }

    /// An integer in `range`.
    pub fn between(&mut self, range: std::ops::RangeInclusive<i64>) -> i64 {
        self.0.random_range(range)
    }

    /// A string of `len` digits, not starting with 0.
    pub fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|i| {
                let low = if i == 0 { 1 } else { 0 };
                char::from(b'0' + self.0.random_range(low..=9u8))
            })
            .collect()
    }

    /// A time within `days` days before the demo's reference instant.
    pub fn before_reference(&mut self, days: i64) -> DateTime<Utc> {
        reference_instant() - Duration::seconds(self.0.random_range(0..=days * 86_400))
    }
}

/// The fixed "now" of demo data, so every run produces the same rows.
pub fn reference_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Lower-case ASCII form of a name part for e-mail addresses (`Ángela` → `angela`).
pub fn email_part(text: &str) -> String {
    crate::search::normalize(text).replace(' ', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let mut a = DemoRng::new(7);
        let mut b = DemoRng::new(7);
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.persona(), b.persona());
        assert_eq!(a.digits(10), b.digits(10));
        assert_eq!(a.before_reference(90), b.before_reference(90));
        assert_eq!(email_part("Ángela"), "angela");
    }
}
